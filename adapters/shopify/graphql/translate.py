"""Shopify GraphQL Admin API JSON <-> canonical models: pure functions, no I/O.

One canonical mapping serves both dialects: GraphQL nodes are first put into the shape of the REST
resource they mirror (``*_to_rest``; GIDs become numeric ids, enums REST's lower-case spellings,
``MoneyBag`` becomes a ``*_set`` bag) and then read by the functions of :mod:`.translate`, so the
same order read through either dialect gives equal canonical models. ``raw`` then gets the
GraphQL payload back (nothing is lost, and nothing REST-shaped leaks into ``raw``).

Two GraphQL gaps are bridged here (see the README, "Shopify"):

- GraphQL has no ``shipping_refund`` order adjustment: it is derived from
  ``refundShippingLines`` (amount and tax negated, as REST records them).
- GraphQL ``OrderAdjustment.reason`` is an enum; REST's free ``reason`` of a discrepancy reads as
  that enum in lower case.

Writing: ``*_input`` / ``*_variables`` functions build GraphQL variables from canonical input.
``user_errors_error`` and ``graphql_errors_error`` turn ``userErrors`` and top-level ``errors``
into typed errors with field paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from unified_orders.errors import (
    AuthenticationError,
    IllegalTransition,
    InvalidRequest,
    NotFound,
    PlatformError,
    Problem,
    RateLimited,
)
from unified_orders.models import (
    Address,
    FulfillmentOrder,
    HoldReason,
    Location,
    Money,
    Order,
    Refund,
    RefundCalculation,
    RefundLineRequest,
    RefundRequest,
    Restock,
    Return,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
)

from .. import mapping as translate

__all__ = [
    "address_input",
    "calculation_from_graphql",
    "fulfillment_order_from_graphql",
    "gid",
    "graphql_errors_error",
    "legacy",
    "locations_from_graphql",
    "order_create_variables",
    "order_from_graphql",
    "refund_from_graphql",
    "refund_input",
    "return_from_graphql",
    "return_line_inputs",
    "suggested_refund_variables",
    "user_errors_error",
]

PLATFORM = "shopify"

#: REST ``fulfillment_status`` for GraphQL ``displayFulfillmentStatus`` (the others lower-cased).
_FULFILLMENT_STATUS: dict[str, str | None] = {
    "UNFULFILLED": None,
    "PARTIALLY_FULFILLED": "partial",
    "FULFILLED": "fulfilled",
    "RESTOCKED": "restocked",
}

_RETURN_STATUS = {
    "REQUESTED": ReturnStatus.REQUESTED,
    "OPEN": ReturnStatus.OPEN,
    "CLOSED": ReturnStatus.CLOSED,
    "DECLINED": ReturnStatus.DECLINED,
    "CANCELED": ReturnStatus.CANCELED,
}

#: Canonical cancel reasons accepted by ``orderCancel`` (``OrderCancelReason``, lower case).
CANCEL_REASONS = ("customer", "declined", "fraud", "inventory", "staff", "other")


# --- ids ---------------------------------------------------------------------------------------
def legacy(value: Any) -> str | None:
    """The numeric id of a GID (``gid://shopify/Order/123`` -> ``"123"``); None stays None."""
    if value is None or value == "":
        return None
    text = str(value)
    if text.startswith("gid://"):
        text = text.rsplit("/", 1)[-1].split("?", 1)[0]
    return text


def gid(kind: str, value: str, what: str = "id") -> str:
    """The GID of a canonical id: ``gid("Order", "123")`` -> ``gid://shopify/Order/123``.

    A GID of the same kind is accepted as is; anything else is refused before any request.
    """
    text = str(value).strip()
    prefix = f"gid://shopify/{kind}/"
    if text.startswith("gid://"):
        if not text.startswith(prefix):
            raise InvalidRequest([Problem(what, f"{value!r} is not a Shopify {kind} id")])
        text = text[len(prefix) :].split("?", 1)[0]
    if not text.isdigit():
        raise InvalidRequest([Problem(what, f"{value!r} is not a Shopify id (digits expected)")])
    return prefix + text


def _lower(value: Any) -> str | None:
    return str(value).lower() if value is not None else None


# --- money and addresses -----------------------------------------------------------------------
def bag_to_rest(bag: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A REST ``*_set`` bag from a GraphQL ``MoneyBag``."""
    if not bag:
        return None

    def one(part: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if not part:
            return None
        return {"amount": part.get("amount"), "currency_code": part.get("currencyCode")}

    return {
        "shop_money": one(bag.get("shopMoney")),
        "presentment_money": one(bag.get("presentmentMoney") or bag.get("shopMoney")),
    }


def _presentment(bag: Mapping[str, Any] | None) -> Any:
    return ((bag or {}).get("presentmentMoney") or {}).get("amount")


def _negate(bag: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A bag with both amounts negated (zero stays zero)."""
    rest = bag_to_rest(bag)
    if rest is None:
        return None
    for key in ("shop_money", "presentment_money"):
        part = rest.get(key)
        if part and part.get("amount") is not None:
            amount = Decimal(str(part["amount"]))
            part["amount"] = str(-amount) if amount else str(amount)
    return rest


def address_to_rest(node: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A REST address object from a GraphQL ``MailingAddress``."""
    if not node:
        return None
    return {
        "first_name": node.get("firstName"),
        "last_name": node.get("lastName"),
        "company": node.get("company"),
        "address1": node.get("address1"),
        "address2": node.get("address2"),
        "city": node.get("city"),
        "province_code": node.get("provinceCode"),
        "zip": node.get("zip"),
        "country_code": node.get("countryCodeV2"),
        "phone": node.get("phone"),
    }


def address_input(address: Address) -> dict[str, Any]:
    """A ``MailingAddressInput`` with the fields the canonical address sets (never the
    deprecated ``country``/``province``)."""
    fields = {
        "firstName": address.first_name,
        "lastName": address.last_name,
        "company": address.company,
        "address1": address.line1,
        "address2": address.line2,
        "city": address.city,
        "provinceCode": address.province_code,
        "zip": address.postal_code,
        "countryCode": address.country_code.upper() if address.country_code else None,
        "phone": address.phone,
    }
    return {key: value for key, value in fields.items() if value is not None}


# --- REST-shaped views of GraphQL nodes --------------------------------------------------------
def transaction_to_rest(node: Mapping[str, Any], order_id: str) -> dict[str, Any]:
    """A REST transaction from a GraphQL ``OrderTransaction``."""
    money = (node.get("amountSet") or {}).get("presentmentMoney") or {}
    return {
        "id": legacy(node["id"]),
        "order_id": order_id,
        "kind": _lower(node.get("kind")),
        "status": _lower(node.get("status")),
        "amount": money.get("amount"),
        "currency": money.get("currencyCode"),
        "parent_id": legacy((node.get("parentTransaction") or {}).get("id")),
        "gateway": node.get("gateway"),
        "created_at": node.get("createdAt"),
    }


def _nodes(connection: Any) -> list[Any]:
    if connection is None:
        return []
    if isinstance(connection, list):
        return connection
    return list(connection.get("nodes") or [])


def refund_to_rest(node: Mapping[str, Any], order_id: str) -> dict[str, Any]:
    """A REST refund from a GraphQL ``Refund`` (shipping adjustments derived, see the module)."""
    shipping_rows = _nodes(node.get("refundShippingLines"))
    adjustments = [
        {
            "kind": "shipping_refund",
            "amount_set": _negate(row.get("subtotalAmountSet")),
            "tax_amount_set": _negate(row.get("taxAmountSet")),
            "reason": "Shipping refund",
        }
        for row in shipping_rows
    ]
    adjustments.extend(
        {
            "id": legacy(adj.get("id")),
            "kind": "refund_discrepancy",
            "amount_set": bag_to_rest(adj.get("amountSet")),
            "tax_amount_set": bag_to_rest(adj.get("taxAmountSet")),
            "reason": _lower(adj.get("reason")),
        }
        for adj in _nodes(node.get("orderAdjustments"))
    )
    return {
        "id": legacy(node["id"]),
        "order_id": order_id,
        "note": node.get("note"),
        "created_at": node.get("createdAt"),
        "refund_line_items": [
            {
                "id": legacy(row.get("id")),
                "line_item_id": legacy((row.get("lineItem") or {}).get("id")),
                "quantity": row.get("quantity"),
                "restock_type": _lower(row.get("restockType")),
                "location_id": legacy((row.get("location") or {}).get("id")),
                "subtotal_set": bag_to_rest(row.get("subtotalSet")),
                "total_tax_set": bag_to_rest(row.get("totalTaxSet")),
            }
            for row in _nodes(node.get("refundLineItems"))
        ],
        "refund_shipping_lines": [
            {"subtotal_amount_set": bag_to_rest(row.get("subtotalAmountSet"))}
            for row in shipping_rows
        ],
        "order_adjustments": adjustments,
        "transactions": [
            transaction_to_rest(t, order_id) for t in _nodes(node.get("transactions"))
        ],
    }


def _zero(bag: dict[str, Any] | None) -> dict[str, Any] | None:
    """A bag of the same currencies as ``bag`` with nothing in it."""
    if bag is None:
        return None
    return {side: ({**part, "amount": "0"} if part else part) for side, part in bag.items()}


def _line_to_rest(node: Mapping[str, Any]) -> dict[str, Any]:
    """A REST line item. GraphQL has no separate line ``total_discount`` beside the
    ``discountAllocations`` (which REST adds up with it), so it is a zero bag here."""
    price = bag_to_rest(node.get("originalUnitPriceSet"))
    return {
        "id": legacy(node["id"]),
        "name": node.get("name"),
        "title": node.get("title"),
        "sku": node.get("sku"),
        "quantity": node.get("quantity"),
        "current_quantity": node.get("currentQuantity"),
        "price_set": price,
        "total_discount_set": _zero(price),
        "discount_allocations": [
            {"amount_set": bag_to_rest(a.get("allocatedAmountSet"))}
            for a in node.get("discountAllocations") or []
        ],
        "tax_lines": [
            {"price_set": bag_to_rest(t.get("priceSet")), "rate": t.get("rate")}
            for t in node.get("taxLines") or []
        ],
        "requires_shipping": node.get("requiresShipping", True),
        "gift_card": bool(node.get("isGiftCard")),
        "product_id": legacy((node.get("product") or {}).get("id")),
        "variant_id": legacy((node.get("variant") or {}).get("id")),
    }


def fulfillment_order_to_rest(node: Mapping[str, Any]) -> dict[str, Any]:
    """A REST fulfillment order from a GraphQL ``FulfillmentOrder``."""
    location = (node.get("assignedLocation") or {}).get("location") or {}
    return {
        "id": legacy(node["id"]),
        "order_id": legacy(node.get("orderId")),
        "status": _lower(node.get("status")),
        "request_status": _lower(node.get("requestStatus")),
        "assigned_location_id": legacy(location.get("id")),
        "created_at": node.get("createdAt"),
        "line_items": [
            {
                "id": legacy(item["id"]),
                "line_item_id": legacy((item.get("lineItem") or {}).get("id")),
                "quantity": item.get("totalQuantity"),
                "fulfillable_quantity": item.get("remainingQuantity"),
            }
            for item in _nodes(node.get("lineItems"))
        ],
        "fulfillment_holds": [
            {
                "id": legacy(hold.get("id")),
                "reason": _lower(hold.get("reason")),
                "reason_notes": hold.get("reasonNotes"),
            }
            for hold in node.get("fulfillmentHolds") or []
        ],
        "supported_actions": [_lower(a.get("action")) for a in node.get("supportedActions") or []],
    }


def order_to_rest(
    node: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    fulfillments: Sequence[Mapping[str, Any]],
    refunds: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """A REST order from the GraphQL ``Order`` node, all its lines, fulfillments and refunds."""
    order_id = legacy(node["id"]) or ""
    display = node.get("displayFulfillmentStatus")
    return {
        "id": order_id,
        "name": node.get("name"),
        "email": node.get("email"),
        "note": node.get("note"),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "cancel_reason": _lower(node.get("cancelReason")),
        "closed_at": node.get("closedAt"),
        "taxes_included": bool(node.get("taxesIncluded")),
        "currency": node.get("currencyCode"),
        "presentment_currency": node.get("presentmentCurrencyCode"),
        "financial_status": _lower(node.get("displayFinancialStatus")),
        "fulfillment_status": _FULFILLMENT_STATUS.get(str(display), _lower(display)),
        "shipping_address": address_to_rest(node.get("shippingAddress")),
        "billing_address": address_to_rest(node.get("billingAddress")),
        "subtotal_price_set": bag_to_rest(node.get("subtotalPriceSet")),
        "total_tax_set": bag_to_rest(node.get("totalTaxSet")),
        "total_price_set": bag_to_rest(node.get("totalPriceSet")),
        "total_discounts_set": bag_to_rest(node.get("totalDiscountsSet")),
        "shipping_lines": [
            {
                "is_removed": bool(row.get("isRemoved")),
                "price_set": bag_to_rest(row.get("originalPriceSet")),
                "discounted_price_set": bag_to_rest(row.get("discountedPriceSet")),
                "tax_lines": [
                    {"price_set": bag_to_rest(t.get("priceSet"))} for t in row.get("taxLines") or []
                ],
            }
            for row in _nodes(node.get("shippingLines"))
        ],
        "line_items": [_line_to_rest(line) for line in lines],
        "fulfillments": [
            {
                "id": legacy(f.get("id")),
                "status": _lower(f.get("status")),
                "location_id": legacy((f.get("location") or {}).get("id")),
                "line_items": [
                    {
                        "id": legacy((x.get("lineItem") or {}).get("id")),
                        "quantity": x.get("quantity"),
                    }
                    for x in _nodes(f.get("fulfillmentLineItems"))
                ],
            }
            for f in fulfillments
        ],
        "refunds": [refund_to_rest(r, order_id) for r in refunds],
    }


# --- reading -----------------------------------------------------------------------------------
def refund_from_graphql(
    node: Mapping[str, Any], order_id: str, currency: str, *, taxes_included: bool
) -> Refund:
    """A canonical Refund from a GraphQL ``Refund`` (``raw`` is the GraphQL node)."""
    refund = translate.refund_from_rest(
        refund_to_rest(node, order_id), currency, taxes_included=taxes_included
    )
    rows = _nodes(node.get("refundLineItems"))
    txns = {legacy(t["id"]): t for t in _nodes(node.get("transactions"))}
    return refund.model_copy(
        update={
            "raw": dict(node),
            "lines": [
                line.model_copy(update={"raw": dict(row)})
                for line, row in zip(refund.lines, rows, strict=True)
            ],
            "transactions": [
                t.model_copy(update={"raw": dict(txns.get(t.id) or {})})
                for t in refund.transactions
            ],
        }
    )


def order_from_graphql(
    node: Mapping[str, Any],
    *,
    lines: Sequence[Mapping[str, Any]],
    fulfillments: Sequence[Mapping[str, Any]],
    fulfillment_orders: Sequence[Mapping[str, Any]],
    refunds: Sequence[Mapping[str, Any]],
) -> Order:
    """A canonical Order from GraphQL: the ``Order`` node, every line, the fulfillments and
    fulfillment orders (``OrderFulfillments``) and the full refunds (``RefundGet``).

    Fulfillment orders give line locations only where REST would read them too (some units
    neither fulfilled nor refunded), so both dialects agree.
    """
    rest = order_to_rest(node, lines, fulfillments, refunds)
    fos = [fulfillment_order_to_rest(fo) for fo in fulfillment_orders]
    order_id = rest["id"]
    transactions = [transaction_to_rest(t, order_id) for t in _nodes(node.get("transactions"))]
    order = translate.order_from_rest(
        rest,
        transactions=transactions,
        fulfillment_orders=fos if translate.needs_assigned_locations(rest) else [],
    )
    line_nodes = {legacy(line["id"]): line for line in lines}
    txn_nodes = {legacy(t["id"]): t for t in _nodes(node.get("transactions"))}
    raw = dict(node)
    raw["lineItems"] = {"nodes": list(lines)}
    raw["fulfillments"] = list(fulfillments)
    raw["fulfillmentOrders"] = {"nodes": list(fulfillment_orders)}
    raw["refunds"] = list(refunds)
    return order.model_copy(
        update={
            "raw": raw,
            "lines": [
                line.model_copy(update={"raw": dict(line_nodes.get(line.id) or {})})
                for line in order.lines
            ],
            "transactions": [
                t.model_copy(update={"raw": dict(txn_nodes.get(t.id) or {})})
                for t in order.transactions
            ],
            "refunds": [
                refund_from_graphql(
                    r, order.id, order.currency, taxes_included=order.taxes_included
                )
                for r in refunds
            ],
            "shipping_address": _raw(order.shipping_address, node.get("shippingAddress")),
            "billing_address": _raw(order.billing_address, node.get("billingAddress")),
        }
    )


def _raw(address: Address | None, node: Any) -> Address | None:
    return address.model_copy(update={"raw": dict(node)}) if address is not None else None


def fulfillment_order_from_graphql(
    node: Mapping[str, Any], *, replaced_by: Iterable[str] = ()
) -> FulfillmentOrder:
    """A canonical FulfillmentOrder from a GraphQL ``FulfillmentOrder``."""
    fo = translate.fulfillment_order_from_rest(
        fulfillment_order_to_rest(node), replaced_by=replaced_by
    )
    items = _nodes(node.get("lineItems"))
    holds = node.get("fulfillmentHolds") or []
    return fo.model_copy(
        update={
            "raw": dict(node),
            "lines": [
                x.model_copy(update={"raw": dict(n)}) for x, n in zip(fo.lines, items, strict=True)
            ],
            "holds": [
                x.model_copy(update={"raw": dict(h)}) for x, h in zip(fo.holds, holds, strict=True)
            ],
        }
    )


def locations_from_graphql(node: Mapping[str, Any]) -> list[Location]:
    """Movable locations from ``FulfillmentOrder.locationsForMove``."""
    found = []
    for row in _nodes(node.get("locationsForMove")):
        if not row.get("movable", True):
            continue
        location = row.get("location") or {}
        found.append(
            Location(id=legacy(location["id"]) or "", name=location.get("name"), raw=dict(row))
        )
    return found


def calculation_from_graphql(
    order_node: Mapping[str, Any], order: Order, request: RefundRequest
) -> RefundCalculation:
    """A canonical RefundCalculation from ``Order.suggestedRefund``: the same reading as REST
    calculate (``suggestedTransactions`` become allocations; the total is what they pay back)."""
    data = order_node.get("suggestedRefund") or {}
    currency = str(
        ((data.get("amountSet") or {}).get("presentmentMoney") or {}).get("currencyCode")
        or order.currency
    )
    ship = data.get("shipping") or {}
    rest = {
        "currency": currency,
        "shipping": {
            "amount": _presentment(ship.get("amountSet")),
            "tax": _presentment(ship.get("taxSet")),
            "maximum_refundable": _presentment(ship.get("maximumRefundableSet")),
        },
        "refund_line_items": [
            {
                "line_item_id": legacy((row.get("lineItem") or {}).get("id")),
                "quantity": row.get("quantity"),
                "restock_type": _lower(row.get("restockType")),
                "location_id": legacy((row.get("location") or {}).get("id")),
                "subtotal": _presentment(row.get("subtotalSet")),
                "total_tax": _presentment(row.get("totalTaxSet")),
            }
            for row in data.get("refundLineItems") or []
        ],
        "transactions": [
            {
                "parent_id": legacy((t.get("parentTransaction") or {}).get("id")),
                "amount": _presentment(t.get("amountSet")),
                "currency": ((t.get("amountSet") or {}).get("presentmentMoney") or {}).get(
                    "currencyCode"
                ),
                "maximum_refundable": _presentment(t.get("maximumRefundableSet")),
                "gateway": t.get("gateway"),
                "kind": _lower(t.get("kind")),
            }
            for t in data.get("suggestedTransactions") or []
        ],
    }
    calculation = translate.calculation_from_rest(rest, order, request)
    return calculation.model_copy(update={"raw": dict(data)})


def suggested_total(calculation: RefundCalculation) -> Decimal | None:
    """What ``suggestedRefund`` suggested paying back (from ``raw``), where known."""
    raw = calculation.raw
    if not isinstance(raw, Mapping):
        return None
    amounts = [
        Decimal(str(_presentment(t.get("amountSet")) or 0))
        for t in raw.get("suggestedTransactions") or []
    ]
    return sum(amounts, Decimal(0)) if amounts else None


def return_from_graphql(node: Mapping[str, Any]) -> Return:
    """A canonical Return from a GraphQL ``Return``: each line's ``line_id`` is the order line its
    fulfillment line item ships; ``reason`` is ``returnReasonNote``, ``note`` ``customerNote``."""
    status = str(node.get("status") or "")
    lines = []
    for row in _nodes(node.get("returnLineItems")):
        fli = row.get("fulfillmentLineItem") or {}
        lines.append(
            ReturnLine(
                id=legacy(row["id"]) or "",
                line_id=legacy((fli.get("lineItem") or {}).get("id")) or "",
                quantity=int(row.get("quantity") or 0),
                reason=row.get("returnReasonNote") or None,
                note=row.get("customerNote") or None,
                raw=dict(row),
            )
        )
    return Return(
        id=legacy(node["id"]) or "",
        order_id=legacy((node.get("order") or {}).get("id")) or "",
        status=_RETURN_STATUS.get(status, ReturnStatus.UNKNOWN),
        platform_status=status or None,
        name=node.get("name"),
        lines=lines,
        created_at=translate._dt(node.get("createdAt")),
        raw=dict(node),
    )


# --- writing -----------------------------------------------------------------------------------
def _line_inputs(request: RefundRequest) -> list[dict[str, Any]]:
    """``RefundLineItemInput`` rows (REST rules: a location wherever stock moves)."""
    rows = translate.line_items_body(request)  # validates ids and locations
    return [
        {
            "lineItemId": gid("LineItem", str(row["line_item_id"])),
            "quantity": row["quantity"],
            "restockType": str(row["restock_type"]).upper(),
            **(
                {"locationId": gid("Location", str(row["location_id"]))}
                if row.get("location_id") is not None
                else {}
            ),
        }
        for row in rows
    ]


def suggested_refund_variables(order: Order, request: RefundRequest) -> dict[str, Any]:
    """Variables of ``SuggestedRefund`` for a prepared request."""
    variables: dict[str, Any] = {"id": gid("Order", order.id, "order_id")}
    rows = _line_inputs(request)
    if rows:
        variables["refundLineItems"] = rows
    if request.shipping is not None:
        if request.shipping.full:
            variables["refundShipping"] = True
        else:
            variables["shippingAmount"] = str(request.shipping.amount)
    return variables


def refund_input(
    calculation: RefundCalculation,
    order: Order,
    *,
    notify: bool,
    note: str | None,
    discrepancy_reason: str | None,
) -> dict[str, Any]:
    """``RefundInput`` for a calculation: suggested transactions become ``kind: REFUND`` with
    ``orderId``, ``parentId``, ``amount`` and ``gateway``; ``currency`` (presentment) and ``notify``
    always; ``discrepancyReason`` when the allocations pay back less than suggested."""
    request = calculation.request
    lines = [translate._request_line_from(x, request) for x in calculation.lines]
    order_gid = gid("Order", order.id, "order_id")
    body: dict[str, Any] = {
        "orderId": order_gid,
        "currency": (request.currency or order.currency).upper(),
        "notify": notify,
    }
    if note:
        body["note"] = note
    if request.shipping is not None:
        body["shipping"] = (
            {"fullRefund": True}
            if request.shipping.full
            else {"amount": str(request.shipping.amount)}
        )
    rows = _line_inputs(request.model_copy(update={"lines": lines}))
    if rows:
        body["refundLineItems"] = rows
    body["transactions"] = [
        {
            "orderId": order_gid,
            "parentId": gid("OrderTransaction", a.transaction_id, f"transactions[{i}]"),
            "amount": str(a.amount.amount),
            "gateway": a.gateway or "",
            "kind": "REFUND",
        }
        for i, a in enumerate(calculation.transactions)
    ]
    paying = sum((a.amount.amount for a in calculation.transactions), Decimal(0))
    suggested = suggested_total(calculation)
    if suggested is None:
        suggested = sum((x.total.amount for x in calculation.lines), Decimal(0)) + (
            calculation.shipping.amount.amount if calculation.shipping is not None else Decimal(0)
        )
    if discrepancy_reason and paying < suggested:
        body["discrepancyReason"] = discrepancy_reason.upper()
    return body


def order_create_variables(order: Order) -> dict[str, Any]:
    """Variables of ``OrderCreate`` for migrating a canonical order: receipts off, inventory
    bypassed, successful captures/sales as ``SALE`` transactions (so the order reads as paid).

    INFERRED: amounts are sent as ``shopMoney`` in the order's (presentment) currency, which
    becomes the order's currency; Shopify derives the other side of each bag.
    """
    currency = order.currency

    def bag(amount: Decimal) -> dict[str, Any]:
        return {"shopMoney": {"amount": str(amount), "currencyCode": currency}}

    items: list[dict[str, Any]] = []
    for line in order.lines:
        item: dict[str, Any] = {
            "title": line.title or line.sku or f"line {line.id}",
            "quantity": line.quantity,
            "priceSet": bag(line.unit_price.amount),
            "requiresShipping": line.requires_shipping,
        }
        if line.sku:
            item["sku"] = line.sku
        if line.variant_id and line.variant_id.isdigit():
            item["variantId"] = gid("ProductVariant", line.variant_id)
        if line.total_tax is not None and not line.total_tax.is_zero():
            item["taxLines"] = [
                {
                    "title": "Tax",
                    "rate": line.tax_rate or "0",
                    "priceSet": bag(line.total_tax.amount),
                }
            ]
        items.append(item)
    data: dict[str, Any] = {
        "currency": currency,
        "lineItems": items,
        "taxesIncluded": order.taxes_included,
        "financialStatus": "PAID" if order.captured_payments else "PENDING",
    }
    if order.email:
        data["email"] = order.email
    if order.number:
        data["name"] = order.number
    if order.note:
        data["note"] = order.note
    if order.created_at is not None:
        data["processedAt"] = order.created_at.isoformat()
    if order.shipping_address is not None:
        data["shippingAddress"] = address_input(order.shipping_address)
    if order.billing_address is not None:
        data["billingAddress"] = address_input(order.billing_address)
    if not order.shipping.is_zero():
        data["shippingLines"] = [{"title": "Shipping", "priceSet": bag(order.shipping.amount)}]
    if order.captured_payments:
        data["transactions"] = [
            {
                "kind": "SALE",
                "status": "SUCCESS",
                "gateway": t.gateway or "manual",
                "amountSet": bag(t.amount.amount),
            }
            for t in order.captured_payments
        ]
    options = {
        "sendReceipt": False,
        "sendFulfillmentReceipt": False,
        "inventoryBehaviour": "BYPASS",
    }
    return {"order": data, "options": options}


def return_line_inputs(
    request: ReturnRequest, returnable: Mapping[str, list[tuple[str, int]]], *, requested: bool
) -> list[dict[str, Any]]:
    """Return line inputs: each canonical line's units taken from the line's returnable
    fulfillment line items (``returnable``: order line id -> ``[(FLI gid, units)]``).

    Raises InvalidRequest, naming the line, when a line has fewer fulfilled units left to return
    than asked (nothing unfulfilled can be returned; units already in a return are taken).
    """
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for index, wanted in enumerate(request.lines):
        available = returnable.get(wanted.line_id, [])
        total = sum(units for _, units in available)
        if total < wanted.quantity:
            what = (
                "has nothing fulfilled to return"
                if total == 0
                else f"has only {total} fulfilled unit(s) left to return"
            )
            problems.append(
                Problem(
                    f"lines[{index}].quantity",
                    f"line {wanted.line_id} {what} (asked for {wanted.quantity}); units not yet "
                    "fulfilled cannot be returned, refund them instead, and units already in an "
                    "open or requested return are taken",
                )
            )
            continue
        left = wanted.quantity
        text = "; ".join(x for x in (wanted.reason, wanted.note) if x) or None
        for fli, units in available:
            if left <= 0:
                break
            take = min(units, left)
            left -= take
            row: dict[str, Any] = {"fulfillmentLineItemId": fli, "quantity": take}
            if text is not None:
                row["customerNote" if requested else "returnReasonNote"] = text
            rows.append(row)
    if problems:
        raise InvalidRequest(problems, operation="return")
    return rows


# --- errors ------------------------------------------------------------------------------------
def _path(field: Any) -> str:
    """``["input", "refundLineItems", "0", "quantity"]`` -> ``input.refundLineItems[0].quantity``."""
    if not field:
        return ""
    out = ""
    for part in field:
        text = str(part)
        if text.isdigit():
            out += f"[{text}]"
        else:
            out += f".{text}" if out else text
    return out


def user_errors_error(
    errors: Sequence[Mapping[str, Any]], operation: str, *, state: str | None = None
) -> PlatformError:
    """A typed error from ``userErrors`` / ``orderCancelUserErrors`` (field paths kept).

    ``INVALID_STATE`` (returns) and messages about a fulfillment order's state become
    IllegalTransition; ``NOT_FOUND`` codes NotFound; the rest PlatformError (code
    ``user_errors``, or the first error's code).
    """
    problems = [Problem(_path(e.get("field")), str(e.get("message") or "")) for e in errors]
    codes = [str(e["code"]) for e in errors if e.get("code")]
    message = f"{operation}: " + "; ".join(str(p) for p in problems)
    code = codes[0] if codes else "user_errors"
    lowered = message.lower()
    if "INVALID_STATE" in codes or (
        "fulfillment order" in lowered and ("status" in lowered or "cannot" in lowered)
    ):
        return IllegalTransition(
            message,
            state=state,
            platform=PLATFORM,
            problems=problems,
            code=code,
            details=list(errors),
        )
    if any(c.endswith("NOT_FOUND") for c in codes):
        return NotFound(
            message, platform=PLATFORM, problems=problems, code=code, details=list(errors)
        )
    return PlatformError(
        message, platform=PLATFORM, problems=problems, code=code, details=list(errors)
    )


def graphql_errors_error(body: Mapping[str, Any], status: int | None = None) -> PlatformError:
    """A typed error from top-level GraphQL ``errors``: ``ACCESS_DENIED`` -> AuthenticationError,
    ``THROTTLED`` -> RateLimited, ``NOT_FOUND`` -> NotFound, others PlatformError (with the code
    and each error's ``path`` as the problem path)."""
    errors = body.get("errors")
    if isinstance(errors, str):
        errors = [{"message": errors}]
    rows = [e for e in errors or [] if isinstance(e, Mapping)]
    problems = [Problem(_path(e.get("path")), str(e.get("message") or "")) for e in rows]
    codes = [str((e.get("extensions") or {}).get("code") or "") for e in rows]
    code = next((c for c in codes if c), None)
    message = "; ".join(p.message for p in problems) or "GraphQL error"
    cls: type[PlatformError] = PlatformError
    if code == "ACCESS_DENIED" or status in (401, 403):
        cls = AuthenticationError
    elif code == "THROTTLED" or status == 429:
        cls = RateLimited
    elif code == "NOT_FOUND" or status == 404:
        cls = NotFound
    return cls(
        message, status=status, platform=PLATFORM, code=code, problems=problems, details=body
    )


def hold_reason(reason: HoldReason) -> str:
    """``FulfillmentHoldReason`` for a canonical hold reason."""
    return reason.value.upper()


def refund_line_request(line_id: str, quantity: int) -> RefundLineRequest:
    """A no-restock refund line (returned units are restocked through the return, not here)."""
    return RefundLineRequest(line_id=line_id, quantity=quantity, restock=Restock.NO_RESTOCK)


def money_input(amount: Money) -> dict[str, Any]:
    """A ``MoneyInput``."""
    return {"amount": str(amount.amount), "currencyCode": amount.currency}
