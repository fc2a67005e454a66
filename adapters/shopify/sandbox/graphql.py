"""The Shopify sandbox's GraphQL Admin API: a small resolver layer over the REST sandbox's state.

``POST /admin/api/{version}/graphql.json`` lands here (see :class:`.sandbox.ShopifyEmulator`).
The document is parsed with graphql-core and dispatched on its root fields; each resolver builds
a GraphQL-shaped view of :class:`~.state.ShopifyState` (the same state the REST routes use, so one
store answers both dialects consistently), and the view is projected onto the document's
selection (aliases, fragments and inline fragments honoured). This is not a general executor:
only the root fields and object fields the adapter's documents use are answered; asking for
anything else is a GraphQL error, so a document drifting from the sandbox fails loudly.

Writes translate their GraphQL input to the REST-shaped input of the state's methods; a
:class:`~.state.ShopifyError` becomes ``userErrors`` with field paths. What GraphQL adds lives
here, on the same state: returns (``returnRequest``/``returnCreate``/approve/decline/close/cancel/
reopen/``returnProcess``), fulfillment line item ids, ``orderCancel`` jobs (done after
``cancel_job_polls`` polls), the ``@idempotent`` key ledger (a repeated key returns the first
result; 2026-04+ refuses ``refundCreate`` without one), hold release by hold ids, and the
cost-based limit (``extensions.cost`` on every answer; ``THROTTLED`` when enforced).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)
from graphql.pyutils import Undefined
from graphql.utilities import value_from_ast_untyped

from ..graphql.documents import estimate_cost
from .state import LIVE_FO, ShopifyError, ShopifyState

if TYPE_CHECKING:
    from . import ShopifyEmulator

__all__ = ["COST_BUCKET", "COST_RESTORE", "GraphQLSandbox"]

COST_BUCKET = 2000.0
COST_RESTORE = 100.0
#: Return statuses whose units count as taken (not returnable again).
ACTIVE_RETURNS = ("requested", "open", "closed")

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


# --- small helpers ---------------------------------------------------------------------------
def _gid(kind: str, value: Any) -> str | None:
    return None if value is None else f"gid://shopify/{kind}/{value}"


def _num(value: Any, kind: str) -> int | None:
    """The numeric id inside a GID of ``kind`` (None when it is not one)."""
    text = str(value or "")
    prefix = f"gid://shopify/{kind}/"
    if not text.startswith(prefix):
        return None
    tail = text[len(prefix) :].split("?", 1)[0]
    return int(tail) if tail.isdigit() else None


def _ts(value: Any) -> str | None:
    """A state timestamp the way GraphQL writes ``DateTime`` (UTC, ``Z``)."""
    if not value:
        return None
    text = str(value)
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _upper(value: Any) -> str | None:
    return str(value).upper() if value is not None else None


def _money_bag(bag: Mapping[str, Any] | None) -> Obj | None:
    """A GraphQL ``MoneyBag`` from a REST ``*_set`` bag."""
    if not bag:
        return None

    def one(part: Mapping[str, Any]) -> Obj:
        return {"amount": part.get("amount"), "currencyCode": part.get("currency_code")}

    shop = bag.get("shop_money") or {}
    return {"shopMoney": one(shop), "presentmentMoney": one(bag.get("presentment_money") or shop)}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _user_errors(error: ShopifyError, prefix: list[str]) -> list[Obj]:
    """userErrors from a REST-shaped refusal: ``{"errors": {field: [..]}}`` and friends."""
    body = error.body
    errors = body.get("errors", body.get("error"))
    code = "NOT_FOUND" if error.status == 404 else "INVALID"
    if isinstance(errors, Mapping):
        found = []
        for field, messages in errors.items():
            path = [*prefix] if field == "base" else [*prefix, _camel(str(field))]
            for message in messages if isinstance(messages, list) else [messages]:
                found.append({"field": path, "message": str(message), "code": code})
        return found
    if isinstance(errors, list):
        return [{"field": list(prefix), "message": str(m), "code": code} for m in errors]
    text = "not found" if error.status == 404 and errors == "Not Found" else str(errors)
    return [{"field": list(prefix), "message": text, "code": code}]


def _connection(nodes: list[Any], args: Mapping[str, Any]) -> Obj:
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


def _arguments(field: FieldNode, variables: Mapping[str, Any]) -> Obj:
    """A field's arguments with variables filled in (absent variables left out)."""
    found: Obj = {}
    for argument in field.arguments or ():
        value = value_from_ast_untyped(argument.value, dict(variables))
        if value is not Undefined:
            found[argument.name.value] = value
    return found


def _conn(nodes: Callable[[], list[Any]]) -> Callable[[Mapping[str, Any]], Obj]:
    return lambda args: _connection(nodes(), args)


def _constant(items: list[Any]) -> Callable[[], list[Any]]:
    return lambda: items


def _first(items: Callable[[], list[Any]]) -> Callable[[Mapping[str, Any]], list[Any]]:
    def take(args: Mapping[str, Any]) -> list[Any]:
        found = items()
        return found[: int(args["first"])] if args.get("first") is not None else found

    return take


class GraphQLSandbox:
    """Answers GraphQL Admin API requests from an emulator's :class:`ShopifyState`."""

    def __init__(self, emulator: ShopifyEmulator) -> None:
        self.emulator = emulator
        self.cancel_job_polls = 1
        self.bucket = COST_BUCKET
        self.restore = COST_RESTORE
        self._level = COST_BUCKET
        self._stamp = emulator.clock()
        self.throttled = 0
        self.roots: dict[str, Callable[[Mapping[str, Any]], Any]] = {
            "order": self._order_root,
            "orders": self._orders_root,
            "refund": self._refund_root,
            "job": self._job_root,
            "return": self._return_root,
            "returnableFulfillments": self._returnable_root,
            "fulfillmentOrder": self._fulfillment_order_root,
        }
        self.mutations: dict[str, Callable[[Mapping[str, Any]], Obj]] = {
            "orderCreate": self._order_create,
            "orderCancel": self._order_cancel,
            "orderUpdate": self._order_update,
            "refundCreate": self._refund_create,
            "returnCreate": self._return_create,
            "returnRequest": self._return_request,
            "returnApproveRequest": self._return_approve,
            "returnDeclineRequest": self._return_decline,
            "returnClose": self._return_close,
            "returnCancel": self._return_cancel,
            "returnReopen": self._return_reopen,
            "returnProcess": self._return_process,
            "fulfillmentOrderHold": self._fo_hold,
            "fulfillmentOrderReleaseHold": self._fo_release,
            "fulfillmentOrderSubmitFulfillmentRequest": self._fo_request,
            "fulfillmentOrderSubmitCancellationRequest": self._fo_cancellation,
            "fulfillmentOrderMove": self._fo_move,
        }
        self.version = "2026-04"

    @property
    def state(self) -> ShopifyState:
        """The emulator's state (shared with the REST routes)."""
        return self.emulator.state

    # --- entry -----------------------------------------------------------------------------------
    def handle(self, body: Any, version: str) -> tuple[int, Obj]:
        """Answer one ``graphql.json`` POST: ``(status, body)``."""
        self.version = version
        if not isinstance(body, Mapping) or not isinstance(body.get("query"), str):
            return 400, {"errors": [{"message": "Parameter Missing or Invalid: query"}]}
        text = str(body["query"])
        variables = body.get("variables") or {}
        try:
            document = parse(text)
        except GraphQLError as error:
            return 200, {"errors": [{"message": error.message, "extensions": {"code": "PARSE"}}]}
        cost = estimate_cost(text)
        if self._throttled(cost):
            return 200, {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {
                            "code": "THROTTLED",
                            "documentation": "https://shopify.dev/api/usage/rate-limits",
                        },
                    }
                ],
                "extensions": {"cost": self._cost(cost, None)},
            }
        try:
            data = self._execute(document, body.get("operationName"), variables)
        except Fail as error:
            failure: Obj = {"message": error.message, "extensions": {"code": error.code}}
            if error.path:
                failure["path"] = error.path
            return 200, {"errors": [failure], "extensions": {"cost": self._cost(cost, 1)}}
        actual = _actual_cost(data, document)
        return 200, {"data": data, "extensions": {"cost": self._cost(cost, actual)}}

    # --- cost limit ------------------------------------------------------------------------------
    def _throttled(self, requested: int) -> bool:
        """Restore the bucket; with the limit enforced, refuse a request costing more than is
        available (Shopify checks the requested cost up front)."""
        now = self.emulator.clock()
        self._level = min(self.bucket, self._level + (now - self._stamp) * self.restore)
        self._stamp = now
        if self.emulator.rate_limit and requested > self._level:
            self.throttled += 1
            return True
        return False

    def _cost(self, requested: int, actual: int | None) -> Obj:
        """``extensions.cost``; the actual cost (when the request ran) leaves the bucket."""
        if actual is not None:
            self._level = max(self._level - actual, 0.0)
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": self.bucket,
                "currentlyAvailable": int(self._level),
                "restoreRate": self.restore,
            },
        }

    # --- execution -------------------------------------------------------------------------------
    def _execute(self, document: Any, name: Any, variables: Mapping[str, Any]) -> Obj:
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if name:
            operations = [o for o in operations if o.name and o.name.value == name]
        if len(operations) != 1:
            raise Fail("give exactly one operation (or its operationName)")
        operation = operations[0]
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        data: Obj = {}
        mutation = operation.operation is OperationType.MUTATION
        for selection in operation.selection_set.selections:
            if not isinstance(selection, FieldNode):
                raise Fail("the sandbox answers plain root fields only")
            field = selection.name.value
            key = selection.alias.value if selection.alias else field
            args = _arguments(selection, variables)
            if mutation:
                data[key] = self._mutation(field, args, selection, fragments, variables)
                continue
            resolver = self.roots.get(field)
            if resolver is None:
                raise Fail(f"the sandbox does not answer the query field {field!r}", path=[key])
            value = resolver(args)
            data[key] = self._project(value, selection.selection_set, fragments, variables, [key])
        return data

    def _mutation(
        self,
        field: str,
        args: Mapping[str, Any],
        selection: FieldNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> Any:
        resolver = self.mutations.get(field)
        if resolver is None:
            raise Fail(f"the sandbox does not answer the mutation {field!r}", path=[field])
        key = None
        for directive in selection.directives or ():
            if directive.name.value == "idempotent":
                for argument in directive.arguments or ():
                    if argument.name.value == "key":
                        key = value_from_ast_untyped(argument.value, dict(variables))
                if not isinstance(key, str) or not key.strip():
                    raise Fail("The idempotency key cannot be empty or whitespace only.")
        if field == "refundCreate" and key is None and self.version >= "2026-04":
            # Changelog "Making idempotency mandatory" (effective 2026-04); wording INFERRED.
            raise Fail(
                "The @idempotent directive is required for refundCreate as of 2026-04.",
                path=[field],
            )
        ledger = self.state.data.setdefault("idempotency", {})
        fingerprint = json.dumps([field, args], sort_keys=True, default=str)
        if key is not None and key in ledger:
            seen = ledger[key]
            if seen["fingerprint"] != fingerprint:
                # INFERRED: Shopify refuses a key reused for a different request.
                raise Fail(
                    f"idempotency key {key!r} was already used for a different request",
                    "IDEMPOTENCY_CONFLICT",
                    path=[field],
                )
            return seen["result"]
        try:
            payload = resolver(args)
        except UserErrors as refused:
            payload = {"userErrors": refused.errors, "orderCancelUserErrors": refused.errors}
            payload.update({k: None for k in _PAYLOAD_OBJECTS.get(field, ())})
            payload["job"] = None
        result = self._project(payload, selection.selection_set, fragments, variables, [field])
        if key is not None:
            ledger[key] = {"fingerprint": fingerprint, "result": result}
        return result

    def _project(
        self,
        value: Any,
        selection_set: SelectionSetNode | None,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        path: list[str],
    ) -> Any:
        if selection_set is None or value is None:
            return value
        if isinstance(value, list):
            return [self._project(v, selection_set, fragments, variables, path) for v in value]
        if not isinstance(value, Mapping):
            raise Fail(f"{'.'.join(path)} has no fields to select")
        out: Obj = {}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                key = selection.alias.value if selection.alias else name
                if name == "__typename":
                    out[key] = value.get("__typename")
                    continue
                if name not in value:
                    raise Fail(
                        f"the sandbox does not answer {'.'.join([*path, name])}",
                        path=[*path, key],
                    )
                found = value[name]
                if callable(found):
                    found = found(_arguments(selection, variables))
                projected = self._project(
                    found, selection.selection_set, fragments, variables, [*path, key]
                )
                _merge(out, key, projected)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or value.get("__typename") in (None, condition.name.value):
                    part = self._project(value, selection.selection_set, fragments, variables, path)
                    for key, item in part.items():
                        _merge(out, key, item)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                typename = value.get("__typename")
                if typename is None or typename == fragment.type_condition.name.value:
                    part = self._project(value, fragment.selection_set, fragments, variables, path)
                    for key, item in part.items():
                        _merge(out, key, item)
        return out

    # --- GraphQL views of the state --------------------------------------------------------------
    def _bag(self, order: Obj, amount: Any) -> Obj | None:
        return _money_bag(self.state.bag(order, Decimal(str(amount if amount is not None else 0))))

    def transaction(self, order: Obj, txn: Obj) -> Obj:
        """An ``OrderTransaction``."""
        return {
            "__typename": "OrderTransaction",
            "id": _gid("OrderTransaction", txn["id"]),
            "kind": _upper(txn.get("kind")),
            "status": _upper(txn.get("status")),
            "gateway": txn.get("gateway"),
            "createdAt": _ts(txn.get("created_at")),
            "amountSet": self._bag(order, txn.get("amount")),
            "parentTransaction": {"id": _gid("OrderTransaction", txn["parent_id"])}
            if txn.get("parent_id")
            else None,
        }

    def line_item(self, order: Obj, line: Obj) -> Obj:
        """A ``LineItem`` (a REST ``total_discount`` reads as one more discount allocation)."""
        allocations = [
            {"allocatedAmountSet": _money_bag(a.get("amount_set"))}
            for a in line.get("discount_allocations") or []
        ]
        if Decimal(str(line.get("total_discount") or 0)):
            allocations.insert(0, {"allocatedAmountSet": _money_bag(line["total_discount_set"])})
        return {
            "__typename": "LineItem",
            "id": _gid("LineItem", line["id"]),
            "name": line.get("name"),
            "title": line.get("title"),
            "sku": line.get("sku"),
            "quantity": line.get("quantity"),
            "currentQuantity": line.get("current_quantity"),
            "requiresShipping": bool(line.get("requires_shipping", True)),
            "isGiftCard": bool(line.get("gift_card")),
            "originalUnitPriceSet": _money_bag(line.get("price_set")),
            "discountAllocations": allocations,
            "taxLines": [
                {"rate": t.get("rate"), "priceSet": _money_bag(t.get("price_set"))}
                for t in line.get("tax_lines") or []
            ],
            "product": {"id": _gid("Product", line["product_id"])}
            if line.get("product_id")
            else None,
            "variant": {"id": _gid("ProductVariant", line["variant_id"])}
            if line.get("variant_id")
            else None,
        }

    def refund(self, order: Obj, refund: Obj) -> Obj:
        """A ``Refund`` (shipping refunds are ``refundShippingLines``; only discrepancies are
        ``orderAdjustments`` in GraphQL)."""
        zero = self._bag(order, 0)
        discrepancies = [
            {
                "id": _gid("OrderAdjustment", a.get("id")),
                "reason": str(a.get("reason")).upper()
                if str(a.get("reason")).upper() in ("RESTOCK", "DAMAGE", "CUSTOMER")
                else "REFUND_DISCREPANCY",
                "amountSet": _money_bag(a.get("amount_set")),
                "taxAmountSet": _money_bag(a.get("tax_amount_set")),
            }
            for a in refund.get("order_adjustments") or []
            if a.get("kind") == "refund_discrepancy"
        ]
        lines = [
            {
                "id": _gid("RefundLineItem", row.get("id")),
                "quantity": row.get("quantity"),
                "restockType": _upper(row.get("restock_type")),
                "location": {"id": _gid("Location", row["location_id"])}
                if row.get("location_id")
                else None,
                "lineItem": {"id": _gid("LineItem", row["line_item_id"])},
                "subtotalSet": _money_bag(row.get("subtotal_set")),
                "totalTaxSet": _money_bag(row.get("total_tax_set")),
            }
            for row in refund.get("refund_line_items") or []
        ]
        shipping = [
            {"subtotalAmountSet": _money_bag(row.get("subtotal_amount_set")), "taxAmountSet": zero}
            for row in refund.get("refund_shipping_lines") or []
        ]
        txns = [self.transaction(order, t) for t in refund.get("transactions") or []]
        link = refund.get("return")
        return {
            "__typename": "Refund",
            "id": _gid("Refund", refund["id"]),
            "note": refund.get("note"),
            "createdAt": _ts(refund.get("created_at")),
            "refundLineItems": _conn(lambda: lines),
            "refundShippingLines": _conn(lambda: shipping),
            "orderAdjustments": _conn(lambda: discrepancies),
            "transactions": _conn(lambda: txns),
            "return": {"id": _gid("Return", link["id"])} if isinstance(link, Mapping) else None,
        }

    def _fulfillment_line_id(self, fulfillment_id: Any, line_id: Any) -> int:
        table = self.state.data["fulfillment_line_items"]
        return int(table[str(fulfillment_id)][str(line_id)])

    def fulfillments(self, order: Obj) -> list[Obj]:
        """``Fulfillment`` objects with their ``FulfillmentLineItem``s."""
        found = []
        for f in order.get("fulfillments") or []:
            items = [
                {
                    "id": _gid("FulfillmentLineItem", self._fulfillment_line_id(f["id"], x["id"])),
                    "quantity": x.get("quantity"),
                    "lineItem": {"id": _gid("LineItem", x["id"])},
                }
                for x in f.get("line_items") or []
            ]
            found.append(
                {
                    "__typename": "Fulfillment",
                    "id": _gid("Fulfillment", f["id"]),
                    "status": _upper(f.get("status")),
                    "location": {"id": _gid("Location", f["location_id"])}
                    if f.get("location_id")
                    else None,
                    "fulfillmentLineItems": _conn(_constant(items)),
                }
            )
        return found

    def fulfillment_order(self, fo: Obj) -> Obj:
        """A ``FulfillmentOrder``."""
        items = [
            {
                "id": _gid("FulfillmentOrderLineItem", x["id"]),
                "totalQuantity": x.get("quantity"),
                "remainingQuantity": x.get("fulfillable_quantity"),
                "lineItem": {"id": _gid("LineItem", x["line_item_id"])},
            }
            for x in fo.get("line_items") or []
        ]
        fo_id = fo["id"]

        def moves() -> list[Obj]:
            return [
                {
                    "movable": row["movable"],
                    "message": row.get("message") or None,
                    "location": {
                        "id": _gid("Location", row["location"]["id"]),
                        "name": row["location"].get("name"),
                    },
                }
                for row in self.state.locations_for_move(fo_id)
            ]

        location = self.state.location(fo["assigned_location_id"]) or {}
        return {
            "__typename": "FulfillmentOrder",
            "id": _gid("FulfillmentOrder", fo_id),
            "orderId": _gid("Order", fo["order_id"]),
            "status": _upper(fo.get("status")),
            "requestStatus": _upper(fo.get("request_status")),
            "createdAt": _ts(fo.get("created_at")),
            "assignedLocation": {
                "name": location.get("name") or "",
                "location": {"id": _gid("Location", fo["assigned_location_id"])},
            },
            "fulfillmentHolds": [
                {
                    "id": _gid("FulfillmentHold", h.get("id")),
                    "reason": _upper(h.get("reason")),
                    "reasonNotes": h.get("reason_notes"),
                }
                for h in fo.get("fulfillment_holds") or []
            ],
            "supportedActions": [{"action": a.upper()} for a in self.state.supported_actions(fo)],
            "lineItems": _conn(lambda: items),
            "locationsForMove": _conn(moves),
        }

    def return_(self, ret: Obj) -> Obj:
        """A ``Return`` (its lines are ``ReturnLineItem``s)."""
        lines = [
            {
                "__typename": "ReturnLineItem",
                "id": _gid("ReturnLineItem", row["id"]),
                "quantity": row["quantity"],
                "processedQuantity": row.get("processed_quantity", 0),
                "returnReasonNote": row.get("return_reason_note") or "",
                "customerNote": row.get("customer_note"),
                "fulfillmentLineItem": {
                    "id": _gid("FulfillmentLineItem", row["fulfillment_line_item_id"]),
                    "lineItem": {"id": _gid("LineItem", row["line_item_id"])},
                },
            }
            for row in ret["line_items"]
        ]
        decline = ret.get("decline")
        return {
            "__typename": "Return",
            "id": _gid("Return", ret["id"]),
            "name": ret["name"],
            "status": ret["status"].upper(),
            "createdAt": _ts(ret.get("created_at")),
            "closedAt": _ts(ret.get("closed_at")),
            "requestApprovedAt": _ts(ret.get("request_approved_at")),
            "order": {"id": _gid("Order", ret["order_id"])},
            "decline": {"reason": decline["reason"], "note": decline.get("note")}
            if decline
            else None,
            "returnLineItems": _conn(lambda: lines),
        }

    def order(self, order: Obj) -> Obj:
        """An ``Order``."""
        state = self.state
        oid = order["id"]
        display = {None: "UNFULFILLED", "partial": "PARTIALLY_FULFILLED"}
        fulfillment = order.get("fulfillment_status")
        lines = [self.line_item(order, line) for line in order["line_items"]]
        shipping = [
            {
                "id": _gid("ShippingLine", s.get("id")),
                "title": s.get("title"),
                "isRemoved": bool(s.get("is_removed")),
                "originalPriceSet": _money_bag(s.get("price_set")),
                "discountedPriceSet": _money_bag(
                    s.get("discounted_price_set") or s.get("price_set")
                ),
                "taxLines": [
                    {"priceSet": _money_bag(t.get("price_set"))} for t in s.get("tax_lines") or []
                ],
            }
            for s in order.get("shipping_lines") or []
        ]

        def returns() -> list[Obj]:
            found = [r for r in state.data["returns"].values() if str(r["order_id"]) == str(oid)]
            return [self.return_(r) for r in sorted(found, key=lambda r: int(r["id"]))]

        def suggested(args: Mapping[str, Any]) -> Obj:
            return self._suggested_refund(order, args)

        return {
            "__typename": "Order",
            "id": _gid("Order", oid),
            "name": order.get("name"),
            "email": order.get("email"),
            "note": order.get("note"),
            "createdAt": _ts(order.get("created_at")),
            "updatedAt": _ts(order.get("updated_at")),
            "cancelledAt": _ts(order.get("cancelled_at")),
            "cancelReason": _upper(order.get("cancel_reason")),
            "closedAt": _ts(order.get("closed_at")),
            "taxesIncluded": bool(order.get("taxes_included")),
            "currencyCode": order.get("currency"),
            "presentmentCurrencyCode": order.get("presentment_currency"),
            "displayFinancialStatus": _upper(order.get("financial_status")),
            "displayFulfillmentStatus": display.get(fulfillment, str(fulfillment).upper()),
            "shippingAddress": _address(order.get("shipping_address")),
            "billingAddress": _address(order.get("billing_address")),
            "subtotalPriceSet": _money_bag(order.get("subtotal_price_set")),
            "totalTaxSet": _money_bag(order.get("total_tax_set")),
            "totalPriceSet": _money_bag(order.get("total_price_set")),
            "totalDiscountsSet": _money_bag(order.get("total_discounts_set")),
            "shippingLines": _conn(lambda: shipping),
            "lineItems": _conn(lambda: lines),
            "transactions": _first(
                lambda: [self.transaction(order, t) for t in state.transactions(oid)]
            ),
            "refunds": _first(lambda: [self.refund(order, r) for r in order.get("refunds") or []]),
            "fulfillments": _first(lambda: self.fulfillments(order)),
            "fulfillmentOrders": _conn(
                lambda: [self.fulfillment_order(fo) for fo in state.fulfillment_orders_of(oid)]
            ),
            "returns": _conn(returns),
            "suggestedRefund": suggested,
        }

    def _suggested_refund(self, order: Obj, args: Mapping[str, Any]) -> Obj:
        body: Obj = {"refund_line_items": self._refund_lines(args.get("refundLineItems"))}
        if args.get("refundShipping"):
            body["shipping"] = {"full_refund": True}
        elif args.get("shippingAmount") is not None:
            body["shipping"] = {"amount": args["shippingAmount"]}
        try:
            plan = self.state.plan_refund(order["id"], body)
        except ShopifyError as error:
            raise Fail(
                "; ".join(e["message"] for e in _user_errors(error, [])),
                "BAD_REQUEST",
                path=["order", "suggestedRefund"],
            ) from None
        zero = Decimal(0)
        rows = plan["rows"]
        subtotal = sum((r["subtotal"] for r in rows), zero)
        tax = sum((r["tax"] for r in rows), zero)
        return {
            "amountSet": self._bag(order, plan["total"]),
            "subtotalSet": self._bag(order, subtotal),
            "totalTaxSet": self._bag(order, tax),
            "shipping": {
                "amountSet": self._bag(order, plan["shipping"]),
                "taxSet": self._bag(order, zero),
                "maximumRefundableSet": self._bag(order, plan["shipping_remaining"]),
            },
            "refundLineItems": [
                {
                    "quantity": r["quantity"],
                    "restockType": r["restock_type"].upper(),
                    "location": {"id": _gid("Location", r["location_id"])}
                    if r["location_id"]
                    else None,
                    "lineItem": {"id": _gid("LineItem", r["line"]["id"])},
                    "subtotalSet": self._bag(order, r["subtotal"]),
                    "totalTaxSet": self._bag(order, r["tax"]),
                }
                for r in rows
            ],
            "suggestedTransactions": [
                {
                    "kind": "SUGGESTED_REFUND",
                    "gateway": s["gateway"],
                    "amountSet": self._bag(order, s["amount"]),
                    "maximumRefundableSet": self._bag(order, s["maximum_refundable"]),
                    "parentTransaction": {"id": _gid("OrderTransaction", s["parent_id"])},
                }
                for s in plan["suggestions"]
            ],
        }

    @staticmethod
    def _refund_lines(rows: Any) -> list[Obj]:
        found = []
        for row in rows or []:
            found.append(
                {
                    "line_item_id": _num(row.get("lineItemId"), "LineItem") or 0,
                    "quantity": row.get("quantity"),
                    "restock_type": str(row.get("restockType") or "NO_RESTOCK").lower(),
                    "location_id": _num(row.get("locationId"), "Location"),
                }
            )
        return found

    # --- query roots -----------------------------------------------------------------------------
    def _order_or_none(self, value: Any) -> Obj | None:
        oid = _num(value, "Order")
        return self.state.data["orders"].get(str(oid)) if oid is not None else None

    def _order_root(self, args: Mapping[str, Any]) -> Obj | None:
        order = self._order_or_none(args.get("id"))
        return self.order(order) if order is not None else None

    def _orders_root(self, args: Mapping[str, Any]) -> Obj:
        terms = _search(str(args.get("query") or ""))
        found = [o for o in self.state.orders() if all(t(o) for t in terms)]
        if args.get("reverse"):
            found.reverse()
        return _connection([self.order(o) for o in found], args)

    def _refund_root(self, args: Mapping[str, Any]) -> Obj | None:
        rid = _num(args.get("id"), "Refund")
        if rid is None:
            return None
        try:
            order, refund = self.state.find_refund(rid)
        except ShopifyError:
            return None
        return self.refund(order, refund)

    def _job_root(self, args: Mapping[str, Any]) -> Obj | None:
        jid = _num(args.get("id"), "Job")
        job = self.state.data["jobs"].get(str(jid)) if jid is not None else None
        if job is None:
            return None
        job["polls_left"] = int(job["polls_left"]) - 1
        return {"id": _gid("Job", jid), "done": job["polls_left"] <= 0}

    def _return_root(self, args: Mapping[str, Any]) -> Obj | None:
        rid = _num(args.get("id"), "Return")
        ret = self.state.data["returns"].get(str(rid)) if rid is not None else None
        return self.return_(ret) if ret is not None else None

    def _fulfillment_order_root(self, args: Mapping[str, Any]) -> Obj | None:
        fid = _num(args.get("id"), "FulfillmentOrder")
        if fid is None or str(fid) not in self.state.data["fulfillment_orders"]:
            return None
        return self.fulfillment_order(self.state.fulfillment_order(fid))

    def _returnable_root(self, args: Mapping[str, Any]) -> Obj:
        order = self._order_or_none(args.get("orderId"))
        if order is None:
            raise Fail("Order does not exist", "NOT_FOUND", path=["returnableFulfillments"])
        taken = self._taken(order)
        nodes = []
        for f in self.fulfillments(order):
            if f["status"] != "SUCCESS":
                continue
            items = []
            for row in f["fulfillmentLineItems"]({"first": 250})["nodes"]:
                left = int(row["quantity"] or 0) - taken.get(str(row["id"]), 0)
                if left > 0:
                    items.append({"quantity": left, "fulfillmentLineItem": row})
            if items:
                nodes.append(
                    {
                        "id": _gid("ReturnableFulfillment", _num(f["id"], "Fulfillment")),
                        "fulfillment": {"id": f["id"]},
                        "returnableFulfillmentLineItems": _conn(_constant(items)),
                    }
                )
        return _connection(nodes, args)

    # --- returns: the rules ---------------------------------------------------------------------
    def _taken(self, order: Obj) -> dict[str, int]:
        """Units of each fulfillment line item (GID) in active returns."""
        taken: dict[str, int] = {}
        for ret in self.state.data["returns"].values():
            if str(ret["order_id"]) != str(order["id"]) or ret["status"] not in ACTIVE_RETURNS:
                continue
            for row in ret["line_items"]:
                key = _gid("FulfillmentLineItem", row["fulfillment_line_item_id"]) or ""
                taken[key] = taken.get(key, 0) + int(row["quantity"])
        return taken

    def _new_return(
        self, args: Mapping[str, Any], *, status: str, note_key: str, prefix: str
    ) -> Obj:
        state = self.state
        data = args.get(prefix) or {}
        order = self._order_or_none(data.get("orderId"))
        if order is None:
            raise UserErrors(
                [
                    {
                        "field": [prefix, "orderId"],
                        "message": "Order does not exist",
                        "code": "NOT_FOUND",
                    }
                ]
            )
        if order.get("cancelled_at"):
            raise UserErrors(
                [
                    {
                        "field": [prefix, "orderId"],
                        "message": "A canceled order can't have returns",
                        "code": "INVALID_STATE",
                    }
                ]
            )
        fulfilled: dict[str, tuple[int, int]] = {}
        for f in order.get("fulfillments") or []:
            if f.get("status") != "success":
                continue
            for x in f.get("line_items") or []:
                own = self._fulfillment_line_id(f["id"], x["id"])
                fulfilled[str(own)] = (int(x["id"]), int(x.get("quantity") or 0))
        taken = self._taken(order)
        rows = data.get("returnLineItems") or []
        errors: list[Obj] = []
        lines: list[Obj] = []
        if not rows:
            errors.append(
                {"field": [prefix, "returnLineItems"], "message": "can't be blank", "code": "BLANK"}
            )
        for index, row in enumerate(rows):
            field = [prefix, "returnLineItems", str(index)]
            number = _num(row.get("fulfillmentLineItemId"), "FulfillmentLineItem")
            known = fulfilled.get(str(number))
            if known is None:
                errors.append(
                    {
                        "field": [*field, "fulfillmentLineItemId"],
                        "message": "Fulfillment line item does not exist on this order",
                        "code": "NOT_FOUND",
                    }
                )
                continue
            quantity = int(row.get("quantity") or 0)
            key = _gid("FulfillmentLineItem", number) or ""
            left = known[1] - taken.get(key, 0)
            if quantity < 1:
                errors.append(
                    {
                        "field": [*field, "quantity"],
                        "message": "Quantity must be greater than 0",
                        "code": "GREATER_THAN",
                    }
                )
            elif quantity > left:
                errors.append(
                    {
                        "field": [*field, "quantity"],
                        "message": f"Quantity {quantity} exceeds the {left} returnable unit(s)",
                        "code": "LESS_THAN_OR_EQUAL_TO",
                    }
                )
            taken[key] = taken.get(key, 0) + max(quantity, 0)
            lines.append(
                {
                    "id": 0,
                    "fulfillment_line_item_id": number,
                    "line_item_id": known[0],
                    "quantity": quantity,
                    "processed_quantity": 0,
                    "return_reason_note": row.get("returnReasonNote")
                    if note_key == "returnReasonNote"
                    else None,
                    "customer_note": row.get("customerNote")
                    if note_key == "customerNote"
                    else None,
                }
            )
        if errors:
            raise UserErrors(errors)
        rid = state.new_id()
        for line in lines:
            line["id"] = state.new_id()
        count = 1 + sum(
            1 for r in state.data["returns"].values() if str(r["order_id"]) == str(order["id"])
        )
        ret = {
            "id": rid,
            "order_id": order["id"],
            "name": f"{order['name']}-R{count}",
            "status": status,
            "created_at": state.now(),
            "closed_at": None,
            "request_approved_at": None,
            "decline": None,
            "line_items": lines,
            "refund_ids": [],
        }
        state.data["returns"][str(rid)] = ret
        order["updated_at"] = ret["created_at"]
        return {"return": self.return_(ret), "userErrors": []}

    def _return_create(self, args: Mapping[str, Any]) -> Obj:
        return self._new_return(
            args, status="open", note_key="returnReasonNote", prefix="returnInput"
        )

    def _return_request(self, args: Mapping[str, Any]) -> Obj:
        return self._new_return(args, status="requested", note_key="customerNote", prefix="input")

    def _the_return(self, value: Any, field: list[str]) -> Obj:
        rid = _num(value, "Return")
        ret = self.state.data["returns"].get(str(rid)) if rid is not None else None
        if ret is None:
            raise UserErrors(
                [{"field": field, "message": "Return does not exist", "code": "NOT_FOUND"}]
            )
        return ret  # type: ignore[no-any-return]

    def _move(
        self, ret: Obj, allowed: tuple[str, ...], to: str, field: list[str], **changes: Any
    ) -> Obj:
        if ret["status"] not in allowed:
            raise UserErrors(
                [
                    {
                        "field": field,
                        "message": f"Return is {ret['status'].upper()}; it must be "
                        f"{' or '.join(s.upper() for s in allowed)}",
                        "code": "INVALID_STATE",
                    }
                ]
            )
        ret["status"] = to
        ret.update(changes)
        return {"return": self.return_(ret), "userErrors": []}

    def _return_approve(self, args: Mapping[str, Any]) -> Obj:
        data = args.get("input") or {}
        ret = self._the_return(data.get("id"), ["input", "id"])
        return self._move(
            ret, ("requested",), "open", ["input", "id"], request_approved_at=self.state.now()
        )

    def _return_decline(self, args: Mapping[str, Any]) -> Obj:
        data = args.get("input") or {}
        ret = self._the_return(data.get("id"), ["input", "id"])
        decline = {"reason": data.get("declineReason"), "note": data.get("declineNote")}
        return self._move(ret, ("requested",), "declined", ["input", "id"], decline=decline)

    def _return_close(self, args: Mapping[str, Any]) -> Obj:
        ret = self._the_return(args.get("id"), ["id"])
        return self._move(ret, ("open",), "closed", ["id"], closed_at=self.state.now())

    def _return_reopen(self, args: Mapping[str, Any]) -> Obj:
        ret = self._the_return(args.get("id"), ["id"])
        return self._move(ret, ("closed",), "open", ["id"], closed_at=None)

    def _return_cancel(self, args: Mapping[str, Any]) -> Obj:
        ret = self._the_return(args.get("id"), ["id"])
        if any(int(x.get("processed_quantity") or 0) for x in ret["line_items"]):
            raise UserErrors(
                [
                    {
                        "field": ["id"],
                        "message": "A return with processed items can't be canceled",
                        "code": "INVALID_STATE",
                    }
                ]
            )
        return self._move(ret, ("requested", "open"), "canceled", ["id"])

    def _return_process(self, args: Mapping[str, Any]) -> Obj:
        data = args.get("input") or {}
        ret = self._the_return(data.get("returnId"), ["input", "returnId"])
        if ret["status"] != "open":
            raise UserErrors(
                [
                    {
                        "field": ["input", "returnId"],
                        "message": f"Return is {ret['status'].upper()}; only an OPEN return can be processed",
                        "code": "INVALID_STATE",
                    }
                ]
            )
        by_id = {str(x["id"]): x for x in ret["line_items"]}
        errors: list[Obj] = []
        chosen: list[tuple[Obj, int]] = []
        for index, row in enumerate(data.get("returnLineItems") or []):
            line = by_id.get(str(_num(row.get("id"), "ReturnLineItem")))
            field = ["input", "returnLineItems", str(index)]
            if line is None:
                errors.append(
                    {
                        "field": [*field, "id"],
                        "message": "Return line item does not exist",
                        "code": "NOT_FOUND",
                    }
                )
                continue
            quantity = int(row.get("quantity") or 0)
            left = int(line["quantity"]) - int(line.get("processed_quantity") or 0)
            if quantity < 1 or quantity > left:
                errors.append(
                    {
                        "field": [*field, "quantity"],
                        "message": f"Quantity {quantity} is more than the {left} unprocessed unit(s)",
                        "code": "INVALID",
                    }
                )
                continue
            chosen.append((line, quantity))
        if errors:
            raise UserErrors(errors)
        transfer = (data.get("financialTransfer") or {}).get("issueRefund") or {}
        order = self.state.order(ret["order_id"])
        if transfer:
            gateways = {
                str(t["id"]): t.get("gateway") for t in self.state.transactions(order["id"])
            }
            quantities: dict[int, int] = {}
            for line, quantity in chosen:
                quantities[int(line["line_item_id"])] = (
                    quantities.get(int(line["line_item_id"]), 0) + quantity
                )
            body = {
                "note": data.get("note"),
                "notify": bool(data.get("notifyCustomer")),
                "refund_line_items": [
                    {"line_item_id": k, "quantity": q, "restock_type": "no_restock"}
                    for k, q in quantities.items()
                ],
                "transactions": [
                    {
                        "parent_id": _num(t.get("parentId"), "OrderTransaction"),
                        "amount": (t.get("transactionAmount") or {}).get("amount"),
                        "kind": "refund",
                        "gateway": gateways.get(str(_num(t.get("parentId"), "OrderTransaction"))),
                    }
                    for t in transfer.get("orderTransactions") or []
                ],
            }
            try:
                refund = self.state.create_refund(order["id"], body)
            except ShopifyError as error:
                raise UserErrors(_user_errors(error, ["input", "financialTransfer"])) from None
            refund["return"] = {"id": ret["id"]}
            ret["refund_ids"].append(refund["id"])
        for line, quantity in chosen:
            line["processed_quantity"] = int(line.get("processed_quantity") or 0) + quantity
        order["updated_at"] = self.state.now()
        return {"return": self.return_(ret), "userErrors": []}

    # --- order mutations -------------------------------------------------------------------------
    def _order_create(self, args: Mapping[str, Any]) -> Obj:
        data = args.get("order") or {}

        def amount(bag: Any) -> Any:
            return ((bag or {}).get("shopMoney") or {}).get("amount")

        body: Obj = {
            "currency": data.get("presentmentCurrency") or data.get("currency"),
            "email": data.get("email"),
            "name": data.get("name"),
            "note": data.get("note"),
            "processed_at": data.get("processedAt"),
            "taxes_included": bool(data.get("taxesIncluded")),
            "financial_status": str(data.get("financialStatus") or "PENDING").lower(),
            "shipping_address": _rest_address(data.get("shippingAddress")),
            "billing_address": _rest_address(data.get("billingAddress")),
            "line_items": [
                {
                    "title": item.get("title"),
                    "quantity": item.get("quantity"),
                    "price": amount(item.get("priceSet")),
                    "sku": item.get("sku"),
                    "requires_shipping": item.get("requiresShipping", True),
                    "variant_id": _num(item.get("variantId"), "ProductVariant"),
                    "tax_lines": [
                        {
                            "title": t.get("title"),
                            "price": amount(t.get("priceSet")),
                            "rate": t.get("rate"),
                        }
                        for t in item.get("taxLines") or []
                    ],
                }
                for item in data.get("lineItems") or []
            ],
            "shipping_lines": [
                {"title": s.get("title"), "price": amount(s.get("priceSet"))}
                for s in data.get("shippingLines") or []
            ],
            "transactions": [
                {
                    "kind": str(t.get("kind") or "SALE").lower(),
                    "status": str(t.get("status") or "SUCCESS").lower(),
                    "amount": amount(t.get("amountSet")),
                    "gateway": t.get("gateway"),
                }
                for t in data.get("transactions") or []
            ],
        }
        try:
            order = self.state.create_order(body)
        except ShopifyError as error:
            raise UserErrors(_user_errors(error, ["order"])) from None
        return {"order": self.order(order), "userErrors": []}

    def _order_update(self, args: Mapping[str, Any]) -> Obj:
        data = dict(args.get("input") or {})
        order = self._order_or_none(data.pop("id", None))
        if order is None:
            raise UserErrors([{"field": ["input", "id"], "message": "Order does not exist"}])
        changes: Obj = {}
        if data.get("shippingAddress") is not None:
            changes["shipping_address"] = {
                k: v
                for k, v in (_rest_address(data.pop("shippingAddress")) or {}).items()
                if v is not None
            }
        for key in ("email", "note", "phone"):
            if key in data:
                changes[key] = data.pop(key)
        if data:
            raise UserErrors(
                [{"field": ["input", sorted(data)[0]], "message": "not supported by the sandbox"}]
            )
        try:
            updated = self.state.update_order(order["id"], changes)
        except ShopifyError as error:
            raise UserErrors(_user_errors(error, ["input"])) from None
        return {"order": self.order(updated), "userErrors": []}

    def _order_cancel(self, args: Mapping[str, Any]) -> Obj:
        state = self.state
        order = self._order_or_none(args.get("orderId"))
        if order is None:
            raise UserErrors(
                [{"field": ["orderId"], "message": "Order does not exist", "code": "NOT_FOUND"}]
            )
        active = [
            r
            for r in state.data["returns"].values()
            if str(r["order_id"]) == str(order["id"]) and r["status"] in ("requested", "open")
        ]
        if active:
            raise UserErrors(
                [
                    {
                        "field": ["orderId"],
                        "message": "An order with active returns can't be canceled",
                        "code": "INVALID",
                    }
                ]
            )
        body: Obj = {
            "reason": str(args.get("reason") or "OTHER").lower(),
            "email": bool(args.get("notifyCustomer")),
        }
        if body["reason"] == "staff":
            body["reason"] = "other"  # INFERRED: REST has no 'staff'; it records as other
        method = args.get("refundMethod") or {}
        refund_all = bool(method.get("originalPaymentMethodsRefund") or args.get("refund"))
        try:
            if refund_all:
                block = self._full_refund(order, restock=bool(args.get("restock")))
                if block is not None:
                    body["refund"] = block
            state.cancel_order(order["id"], body)
        except ShopifyError as error:
            raise UserErrors(_user_errors(error, ["orderId"])) from None
        jid = state.new_id()
        state.data["jobs"][str(jid)] = {
            "polls_left": self.cancel_job_polls,
            "order_id": order["id"],
        }
        return {
            "job": {"id": _gid("Job", jid), "done": False},
            "orderCancelUserErrors": [],
            "userErrors": [],
        }

    def _full_refund(self, order: Obj, *, restock: bool) -> Obj | None:
        """Everything refundable, to the original payments (restocking unshipped units)."""
        state = self.state
        located: dict[int, Any] = {}
        for fo in state.fulfillment_orders_of(order["id"]):
            if fo["status"] in LIVE_FO:
                for item in fo["line_items"]:
                    located.setdefault(int(item["line_item_id"]), fo["assigned_location_id"])
        rows = []
        for line in order["line_items"]:
            quantity = int(line["current_quantity"])
            if quantity <= 0:
                continue
            row: Obj = {
                "line_item_id": line["id"],
                "quantity": quantity,
                "restock_type": "no_restock",
            }
            location = located.get(int(line["id"]))
            if restock and int(line["fulfillable_quantity"]) >= quantity and location is not None:
                row.update(restock_type="cancel", location_id=location)
            rows.append(row)
        body: Obj = {"refund_line_items": rows}
        if state._shipping_remaining(order) > 0:
            body["shipping"] = {"full_refund": True}
        if not rows and "shipping" not in body:
            return None
        plan = state.plan_refund(order["id"], body)
        body["transactions"] = [
            {
                "parent_id": s["parent_id"],
                "amount": s["amount"],
                "kind": "refund",
                "gateway": s["gateway"],
            }
            for s in plan["suggestions"]
        ]
        return body

    def _refund_create(self, args: Mapping[str, Any]) -> Obj:
        data = args.get("input") or {}
        order = self._order_or_none(data.get("orderId"))
        if order is None:
            raise UserErrors([{"field": ["input", "orderId"], "message": "Order does not exist"}])
        errors = [
            {
                "field": ["input", "transactions", str(i), "orderId"],
                "message": "must be the refunded order",
            }
            for i, t in enumerate(data.get("transactions") or [])
            if _num(t.get("orderId"), "Order") != int(order["id"])
        ]
        if errors:
            raise UserErrors(errors)
        body: Obj = {
            "currency": data.get("currency"),
            "notify": bool(data.get("notify")),
            "note": data.get("note"),
            "refund_line_items": self._refund_lines(data.get("refundLineItems")),
            "transactions": [
                {
                    "parent_id": _num(t.get("parentId"), "OrderTransaction"),
                    "amount": t.get("amount"),
                    "kind": str(t.get("kind") or "").lower(),
                    "gateway": t.get("gateway"),
                }
                for t in data.get("transactions") or []
            ],
        }
        shipping = data.get("shipping") or {}
        if shipping.get("fullRefund"):
            body["shipping"] = {"full_refund": True}
        elif shipping.get("amount") is not None:
            body["shipping"] = {"amount": shipping["amount"]}
        if data.get("discrepancyReason"):
            body["discrepancy_reason"] = str(data["discrepancyReason"]).lower()
        if not body["refund_line_items"]:
            del body["refund_line_items"]
        try:
            refund = self.state.create_refund(order["id"], body)
        except ShopifyError as error:
            raise UserErrors(_user_errors(error, ["input"])) from None
        return {"refund": self.refund(order, refund), "order": self.order(order), "userErrors": []}

    # --- fulfillment-order mutations -------------------------------------------------------------
    def _fo_id(self, args: Mapping[str, Any]) -> int:
        fid = _num(args.get("id"), "FulfillmentOrder")
        if fid is None or str(fid) not in self.state.data["fulfillment_orders"]:
            raise UserErrors(
                [
                    {
                        "field": ["id"],
                        "message": "Fulfillment order does not exist.",
                        "code": "FULFILLMENT_ORDER_NOT_FOUND",
                    }
                ]
            )
        return fid

    @staticmethod
    def _fo_items(rows: Any) -> list[Obj] | None:
        if rows is None:
            return None
        return [
            {
                "id": _num(r.get("id"), "FulfillmentOrderLineItem") or 0,
                "quantity": r.get("quantity"),
            }
            for r in rows
        ]

    def _fo_call(self, call: Callable[[], Any], prefix: list[str]) -> Any:
        try:
            return call()
        except ShopifyError as error:
            raise UserErrors(_user_errors(error, prefix)) from None

    def _fo_hold(self, args: Mapping[str, Any]) -> Obj:
        fid = self._fo_id(args)
        data = args.get("fulfillmentHold") or {}
        hold: Obj = {
            "reason": str(data.get("reason") or "").lower(),
            "reason_notes": data.get("reasonNotes"),
            "notify_merchant": bool(data.get("notifyMerchant")),
        }
        items = self._fo_items(data.get("fulfillmentOrderLineItems"))
        if items is not None:
            hold["fulfillment_order_line_items"] = items
        held = self._fo_call(lambda: self.state.hold(fid, hold), ["fulfillmentHold"])
        latest = (held.get("fulfillment_holds") or [{}])[-1]
        remaining = None
        if int(held["id"]) != fid:
            remaining = self.fulfillment_order(self.state.fulfillment_order(fid))
        return {
            "fulfillmentHold": {"id": _gid("FulfillmentHold", latest.get("id"))},
            "fulfillmentOrder": self.fulfillment_order(held),
            "remainingFulfillmentOrder": remaining,
            "userErrors": [],
        }

    def _fo_release(self, args: Mapping[str, Any]) -> Obj:
        fid = self._fo_id(args)
        fo = self.state.fulfillment_order(fid)
        hold_ids = args.get("holdIds")
        holds = fo.get("fulfillment_holds") or []
        if hold_ids is None:
            # Shopify: omitting holdIds releases every hold on the fulfillment order.
            released = self._fo_call(lambda: self.state.release_hold(fid), [])
        else:
            wanted = {_num(h, "FulfillmentHold") for h in hold_ids}
            known = {int(h["id"]) for h in holds if h.get("id") is not None}
            unknown = [h for h in hold_ids if _num(h, "FulfillmentHold") not in known]
            if unknown:
                raise UserErrors(
                    [
                        {
                            "field": ["holdIds"],
                            "message": f"Hold {unknown[0]} is not on this fulfillment order",
                            "code": "INVALID_ACCESS",
                        }
                    ]
                )
            if wanted >= known:
                released = self._fo_call(lambda: self.state.release_hold(fid), [])
            else:
                fo["fulfillment_holds"] = [h for h in holds if int(h["id"]) not in wanted]
                fo["updated_at"] = self.state.now()
                released = self.state.fulfillment_order(fid)
        return {"fulfillmentOrder": self.fulfillment_order(released), "userErrors": []}

    def _fo_request(self, args: Mapping[str, Any]) -> Obj:
        fid = self._fo_id(args)
        request: Obj = {
            "message": args.get("message"),
            "notify_customer": bool(args.get("notifyCustomer")),
        }
        items = self._fo_items(args.get("fulfillmentOrderLineItems"))
        if items is not None:
            request["fulfillment_order_line_items"] = items
        result = self._fo_call(lambda: self.state.fulfillment_request(fid, request), [])
        return {
            "originalFulfillmentOrder": self.fulfillment_order(
                result["original_fulfillment_order"]
            ),
            "submittedFulfillmentOrder": self.fulfillment_order(
                result["submitted_fulfillment_order"]
            ),
            "unsubmittedFulfillmentOrder": self.fulfillment_order(
                result["unsubmitted_fulfillment_order"]
            )
            if result.get("unsubmitted_fulfillment_order")
            else None,
            "userErrors": [],
        }

    def _fo_cancellation(self, args: Mapping[str, Any]) -> Obj:
        fid = self._fo_id(args)
        fo = self._fo_call(
            lambda: self.state.cancellation_request(fid, {"message": args.get("message")}), []
        )
        return {"fulfillmentOrder": self.fulfillment_order(fo), "userErrors": []}

    def _fo_move(self, args: Mapping[str, Any]) -> Obj:
        fid = self._fo_id(args)
        body: Obj = {"new_location_id": _num(args.get("newLocationId"), "Location")}
        items = self._fo_items(args.get("fulfillmentOrderLineItems"))
        if items is not None:
            body["fulfillment_order_line_items"] = items
        result = self._fo_call(lambda: self.state.move(fid, body), [])
        remaining = result.get("remaining_fulfillment_order")
        return {
            "originalFulfillmentOrder": self.fulfillment_order(
                result["original_fulfillment_order"]
            ),
            "movedFulfillmentOrder": self.fulfillment_order(result["moved_fulfillment_order"]),
            "remainingFulfillmentOrder": self.fulfillment_order(remaining) if remaining else None,
            "userErrors": [],
        }


#: Payload object fields set to null when a mutation is refused.
_PAYLOAD_OBJECTS: dict[str, tuple[str, ...]] = {
    "orderCreate": ("order",),
    "orderUpdate": ("order",),
    "refundCreate": ("refund", "order"),
    "returnCreate": ("return",),
    "returnRequest": ("return",),
    "returnApproveRequest": ("return",),
    "returnDeclineRequest": ("return",),
    "returnClose": ("return",),
    "returnCancel": ("return",),
    "returnReopen": ("return",),
    "returnProcess": ("return",),
    "fulfillmentOrderHold": ("fulfillmentHold", "fulfillmentOrder", "remainingFulfillmentOrder"),
    "fulfillmentOrderReleaseHold": ("fulfillmentOrder",),
    "fulfillmentOrderSubmitFulfillmentRequest": (
        "originalFulfillmentOrder",
        "submittedFulfillmentOrder",
        "unsubmittedFulfillmentOrder",
    ),
    "fulfillmentOrderSubmitCancellationRequest": ("fulfillmentOrder",),
    "fulfillmentOrderMove": (
        "originalFulfillmentOrder",
        "movedFulfillmentOrder",
        "remainingFulfillmentOrder",
    ),
}


def _actual_cost(data: Any, document: Any) -> int:
    """What a request really cost: one point per object returned (Shopify charges for what
    a query returned, not the page sizes it asked for; INFERRED rule), plus 10 per mutation."""

    def objects(value: Any) -> int:
        if isinstance(value, Mapping):
            return 1 + sum(objects(v) for v in value.values())
        if isinstance(value, list):
            return sum(objects(v) for v in value)
        return 0

    mutations = sum(
        10 * len(d.selection_set.selections)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.operation is OperationType.MUTATION
    )
    return max(objects(data) - 1 + mutations, 1)


def _merge(out: Obj, key: str, value: Any) -> None:
    """Merge a projected field into ``out`` (the same field selected twice merges its parts)."""
    if key in out and isinstance(out[key], dict) and isinstance(value, dict):
        for inner, item in value.items():
            _merge(out[key], inner, item)
    elif key in out and isinstance(out[key], list) and isinstance(value, list):
        for mine, theirs in zip(out[key], value, strict=False):
            if isinstance(mine, dict) and isinstance(theirs, dict):
                for inner, item in theirs.items():
                    _merge(mine, inner, item)
    else:
        out[key] = value


def _address(data: Mapping[str, Any] | None) -> Obj | None:
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


def _rest_address(data: Mapping[str, Any] | None) -> Obj | None:
    """A REST address from a ``MailingAddressInput``."""
    if not data:
        return None
    return {
        "first_name": data.get("firstName"),
        "last_name": data.get("lastName"),
        "company": data.get("company"),
        "address1": data.get("address1"),
        "address2": data.get("address2"),
        "city": data.get("city"),
        "province_code": data.get("provinceCode"),
        "zip": data.get("zip"),
        "country_code": data.get("countryCode"),
        "phone": data.get("phone"),
    }


_TERM = re.compile(r"^(created_at|updated_at):(>=|<=|>|<)?'?([^']+)'?$")


def _search(query: str) -> list[Callable[[Obj], bool]]:
    """Predicates for the ``orders(query:)`` terms the adapter sends (``created_at``/
    ``updated_at`` with ``>``, ``>=``, ``<``, ``<=``); other terms are refused."""
    terms: list[Callable[[Obj], bool]] = []
    for token in query.split():
        match = _TERM.match(token)
        if match is None:
            raise Fail(f"the sandbox does not support the search term {token!r}", path=["orders"])
        field, op, text = match.groups()
        try:
            bound = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise Fail(f"{text!r} is not a date and time", path=["orders"]) from None

        def test(
            order: Obj, field: str = field, op: str = op or "", bound: datetime = bound
        ) -> bool:
            value = datetime.fromisoformat(str(order[field]))
            return {
                ">": value > bound,
                ">=": value >= bound,
                "<": value < bound,
                "<=": value <= bound,
                "": value == bound,
            }[op]

        terms.append(test)
    return terms
