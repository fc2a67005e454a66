"""GraphQL values built from the store's REST-shaped data, and the GraphQL errors.

Scalars (GIDs, ``DateTime``, upper-case enums, ``MoneyBag``), connections with index cursors,
field arguments, addresses both ways, and the two ways a request fails: :class:`Fail` (a
top-level error) and :class:`UserErrors` (a refused mutation), with :func:`user_errors` turning a
store refusal into ``userErrors``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

from graphql import FieldNode
from graphql.pyutils import Undefined
from graphql.utilities import value_from_ast_untyped

from ..errors import ShopifyError

__all__ = [
    "REST_ADDRESS_FIELDS",
    "Fail",
    "Obj",
    "UserErrors",
    "arguments",
    "camel",
    "connection",
    "constant",
    "first_of",
    "gid",
    "gid_number",
    "mailing_address",
    "money_bag",
    "paged",
    "rest_address",
    "rest_refund_lines",
    "timestamp",
    "upper",
    "user_errors",
]

Obj = dict[str, Any]


class Fail(Exception):
    """A top-level GraphQL error."""

    def __init__(self, message: str, code: str = "BAD_REQUEST", path: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.path = path or []


class UserErrors(Exception):
    """A mutation refused: ``userErrors`` (each ``{field, message, code}``)."""

    def __init__(self, errors: list[Obj]) -> None:
        super().__init__("; ".join(str(e["message"]) for e in errors))
        self.errors = errors


# --- scalars --------------------------------------------------------------------------------
def gid(kind: str, value: Any) -> str | None:
    """The GID of a ``kind`` object with id ``value`` (None for None)."""
    return None if value is None else f"gid://shopify/{kind}/{value}"


def gid_number(value: Any, kind: str) -> int | None:
    """The numeric id inside a GID of ``kind`` (None when it is not one)."""
    text = str(value or "")
    prefix = f"gid://shopify/{kind}/"
    if not text.startswith(prefix):
        return None
    tail = text[len(prefix) :].split("?", 1)[0]
    return int(tail) if tail.isdigit() else None


def timestamp(value: Any) -> str | None:
    """A state timestamp the way GraphQL writes ``DateTime`` (UTC, ``Z``)."""
    if not value:
        return None
    text = str(value)
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def upper(value: Any) -> str | None:
    """A REST enum value the way GraphQL spells it (upper case)."""
    return str(value).upper() if value is not None else None


def money_bag(bag: Mapping[str, Any] | None) -> Obj | None:
    """A GraphQL ``MoneyBag`` from a REST ``*_set`` bag."""
    if not bag:
        return None

    def one(part: Mapping[str, Any]) -> Obj:
        return {"amount": part.get("amount"), "currencyCode": part.get("currency_code")}

    shop = bag.get("shop_money") or {}
    return {"shopMoney": one(shop), "presentmentMoney": one(bag.get("presentment_money") or shop)}


def camel(name: str) -> str:
    """A REST field name as a GraphQL one (``restock_type`` -> ``restockType``)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def user_errors(error: ShopifyError, prefix: list[str]) -> list[Obj]:
    """userErrors from a REST-shaped refusal: ``{"errors": {field: [..]}}`` and friends."""
    body = error.body
    errors = body.get("errors", body.get("error"))
    code = "NOT_FOUND" if error.status == 404 else "INVALID"
    if isinstance(errors, Mapping):
        found = []
        for field, messages in errors.items():
            path = [*prefix] if field == "base" else [*prefix, camel(str(field))]
            for message in messages if isinstance(messages, list) else [messages]:
                found.append({"field": path, "message": str(message), "code": code})
        return found
    if isinstance(errors, list):
        return [{"field": list(prefix), "message": str(m), "code": code} for m in errors]
    text = "not found" if error.status == 404 and errors == "Not Found" else str(errors)
    return [{"field": list(prefix), "message": text, "code": code}]


# --- connections and arguments ----------------------------------------------------------------
def connection(nodes: list[Any], args: Mapping[str, Any]) -> Obj:
    """A connection page (``first``/``after``) with index cursors."""
    start = 0
    after = args.get("after")
    if after:
        try:
            start = int(base64.b64decode(str(after)).decode()) + 1
        except ValueError:
            raise Fail(f"invalid cursor {after!r}", "BAD_REQUEST") from None
    first = args.get("first")
    if first is None and args.get("last") is None:
        raise Fail("you must provide one of first or last", "BAD_REQUEST")
    stop = start + int(first) if first is not None else len(nodes)
    page = nodes[start:stop]

    def cursor(index: int) -> str:
        return base64.b64encode(str(index).encode()).decode()

    return {
        "nodes": page,
        "edges": [{"node": n, "cursor": cursor(start + i)} for i, n in enumerate(page)],
        "pageInfo": {
            "hasNextPage": stop < len(nodes),
            "hasPreviousPage": start > 0,
            "startCursor": cursor(start) if page else None,
            "endCursor": cursor(start + len(page) - 1) if page else None,
        },
    }


def arguments(field: FieldNode, variables: Mapping[str, Any]) -> Obj:
    """A field's arguments with variables filled in (absent variables left out)."""
    found: Obj = {}
    for argument in field.arguments or ():
        value = value_from_ast_untyped(argument.value, dict(variables))
        if value is not Undefined:
            found[argument.name.value] = value
    return found


def paged(nodes: Callable[[], list[Any]]) -> Callable[[Mapping[str, Any]], Obj]:
    """A connection field: its nodes are worked out only when the field is selected."""
    return lambda args: connection(nodes(), args)


def constant(items: list[Any]) -> Callable[[], list[Any]]:
    """``items``, as the callable :func:`paged` and :func:`first_of` take."""
    return lambda: items


def first_of(items: Callable[[], list[Any]]) -> Callable[[Mapping[str, Any]], list[Any]]:
    """A plain list field taking an optional ``first`` argument."""

    def take(args: Mapping[str, Any]) -> list[Any]:
        found = items()
        return found[: int(args["first"])] if args.get("first") is not None else found

    return take


# --- inputs and addresses ---------------------------------------------------------------------
def mailing_address(data: Mapping[str, Any] | None) -> Obj | None:
    """A ``MailingAddress`` from a REST address."""
    if not data:
        return None
    return {
        "firstName": data.get("first_name"),
        "lastName": data.get("last_name"),
        "company": data.get("company"),
        "address1": data.get("address1"),
        "address2": data.get("address2"),
        "city": data.get("city"),
        "provinceCode": data.get("province_code"),
        "zip": data.get("zip"),
        "countryCodeV2": data.get("country_code"),
        "phone": data.get("phone"),
    }


#: A REST address field and the ``MailingAddressInput`` field it comes from.
REST_ADDRESS_FIELDS = {
    "first_name": "firstName",
    "last_name": "lastName",
    "company": "company",
    "address1": "address1",
    "address2": "address2",
    "city": "city",
    "province_code": "provinceCode",
    "zip": "zip",
    "country_code": "countryCode",
    "phone": "phone",
}


def rest_address(data: Mapping[str, Any] | None) -> Obj | None:
    """A REST address from a ``MailingAddressInput``."""
    if not data:
        return None
    return {rest: data.get(field) for rest, field in REST_ADDRESS_FIELDS.items()}


def rest_refund_lines(rows: Any) -> list[Obj]:
    """REST ``refund_line_items`` from GraphQL ``RefundLineItemInput``s."""
    found = []
    for row in rows or []:
        found.append(
            {
                "line_item_id": gid_number(row.get("lineItemId"), "LineItem") or 0,
                "quantity": row.get("quantity"),
                "restock_type": str(row.get("restockType") or "NO_RESTOCK").lower(),
                "location_id": gid_number(row.get("locationId"), "Location"),
            }
        )
    return found
