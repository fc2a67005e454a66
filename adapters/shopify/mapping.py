"""Shopify REST Admin API JSON <-> canonical models: pure functions, no I/O.

Reading: ``order_from_rest``, ``refund_from_rest``, ``calculation_from_rest``,
``transaction_from_rest``, ``fulfillment_order_from_rest`` and friends turn REST payloads
(parsed with floats as Decimal) into canonical models, keeping the payload in ``raw``.
Writing: ``*_body`` functions build the JSON bodies of REST requests from canonical input.
``error_from_rest`` turns an ``{"errors": ...}`` body into a typed error.

Rules kept here (see the README, "Shopify"):

- Ids are strings in canonical models. On the wire they are JSON integers (as Shopify documents
  them); Python ints are exact at any size, so nothing passes through a float.
- Money is the presentment amount of a ``*_set`` bag, with the shop amount in ``Money.shop``.
- Canonical ``LineItem.current_quantity`` excludes units removed by edits but not refunded ones;
  Shopify's own ``current_quantity`` subtracts refunded units too, so refunded units are added back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from unified_orders.adapter import Response, error_for_status
from unified_orders.errors import (
    IllegalTransition,
    InvalidRequest,
    PlatformError,
    Problem,
)
from unified_orders.models import (
    Address,
    FinancialStatus,
    FulfillmentHold,
    FulfillmentOrder,
    FulfillmentOrderLine,
    FulfillmentOrderStatus,
    FulfillmentStatus,
    HoldReason,
    LineItem,
    Location,
    Money,
    Order,
    OrderStatus,
    Refund,
    RefundAdjustment,
    RefundCalculation,
    RefundLine,
    RefundLineRequest,
    RefundRequest,
    RefundShipping,
    RefundStatus,
    RefundTransaction,
    Restock,
    Transaction,
    TransactionAllocation,
    TransactionKind,
    TransactionStatus,
)

__all__ = [
    "CANCEL_REASONS",
    "HOLD_REASON_FROM_REST",
    "HOLD_REASON_TO_REST",
    "address_body",
    "address_from_rest",
    "calculation_from_rest",
    "cancel_body",
    "error_from_rest",
    "fulfillment_order_from_rest",
    "hold_body",
    "line_items_body",
    "locations_from_rest",
    "money_from_set",
    "order_body",
    "order_from_rest",
    "refund_body",
    "refund_from_rest",
    "refund_request_body",
    "rest_id",
    "transaction_from_rest",
]

PLATFORM = "shopify"

#: Reasons REST ``orders/{id}/cancel.json`` accepts.
CANCEL_REASONS = ("customer", "inventory", "fraud", "declined", "other")

#: Restock types that move stock, and so need a ``location_id``.
RESTOCKING = (Restock.CANCEL, Restock.RETURN)

HOLD_REASON_TO_REST: dict[HoldReason, str] = {reason: reason.value for reason in HoldReason}
HOLD_REASON_FROM_REST: dict[str, HoldReason] = {reason.value: reason for reason in HoldReason}

_FO_STATUS = {
    "open": FulfillmentOrderStatus.OPEN,
    "in_progress": FulfillmentOrderStatus.IN_PROGRESS,
    "scheduled": FulfillmentOrderStatus.SCHEDULED,
    "on_hold": FulfillmentOrderStatus.ON_HOLD,
    "incomplete": FulfillmentOrderStatus.INCOMPLETE,
    "closed": FulfillmentOrderStatus.CLOSED,
    "cancelled": FulfillmentOrderStatus.CANCELED,
}

_FULFILLMENT_STATUS = {
    None: FulfillmentStatus.UNFULFILLED,
    "partial": FulfillmentStatus.PARTIALLY_FULFILLED,
    "fulfilled": FulfillmentStatus.FULFILLED,
    # "Every line item in the order has been restocked and the order canceled" (REST Order docs).
    "restocked": FulfillmentStatus.CANCELED,
}

_RESTOCK_FROM_REST = {
    "no_restock": Restock.NO_RESTOCK,
    "cancel": Restock.CANCEL,
    "return": Restock.RETURN,
    # Historic refunds: "restocked, without a location". Read only; never sent. The units were
    # put back into stock, which is what a return restock does.
    "legacy_restock": Restock.RETURN,
}


# --- small readers ----------------------------------------------------------------------------
def rest_id(value: str, what: str = "id") -> int:
    """A canonical (string) id as the JSON integer Shopify REST expects; exact at any size."""
    text = str(value).strip()
    if text.startswith("gid://shopify/"):
        text = text.rsplit("/", 1)[-1].split("?", 1)[0]
    if not text.isdigit():
        raise InvalidRequest([Problem(what, f"{value!r} is not a Shopify id (digits expected)")])
    return int(text)


def _sid(value: Any) -> str | None:
    """A platform id (JSON int or string) as a canonical string; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, float):  # pragma: no cover - jsonutil never yields floats
        raise TypeError("ids must never pass through a float")
    return str(value)


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value))


def _blank(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def money_from_set(bag: Mapping[str, Any] | None, fallback_currency: str) -> Money:
    """Presentment Money (with the shop amount in ``.shop``) from a ``*_set`` bag.

    Accepts both spellings of the currency key: ``currency_code`` (everywhere) and ``currency``
    (``transactions[].total_unsettled_set``, a quirk in Shopify's own examples).
    """
    if not bag:
        return Money.zero(fallback_currency)
    shop_bag = bag.get("shop_money") or {}
    pres_bag = bag.get("presentment_money") or shop_bag

    def one(part: Mapping[str, Any]) -> Money:
        currency = part.get("currency_code") or part.get("currency") or fallback_currency
        return Money.of(_amount(part.get("amount", "0")), currency)

    presentment = one(pres_bag)
    shop = one(shop_bag) if shop_bag else None
    return Money(amount=presentment.amount, currency=presentment.currency, shop=shop)


def _amount(value: Any) -> Decimal | str | int:
    """A money value as read: a decimal string, an int, or a Decimal (JSON numbers)."""
    if value is None:
        return "0"
    if isinstance(value, Decimal | int | str):
        return value
    raise TypeError(f"unexpected money value {value!r}")  # pragma: no cover - floats never arrive


def _money(value: Any, currency: str) -> Money:
    return Money.of(_amount(value), currency)


# --- addresses ---------------------------------------------------------------------------------
def address_from_rest(data: Mapping[str, Any] | None) -> Address | None:
    """A canonical Address from a REST address object."""
    if not data:
        return None
    return Address(
        first_name=_blank(data.get("first_name")),
        last_name=_blank(data.get("last_name")),
        company=_blank(data.get("company")),
        line1=_blank(data.get("address1")),
        line2=_blank(data.get("address2")),
        city=_blank(data.get("city")),
        province_code=_blank(data.get("province_code")),
        postal_code=_blank(data.get("zip")),
        country_code=_blank(data.get("country_code")),
        phone=_blank(data.get("phone")),
        raw=dict(data),
    )


def address_body(address: Address) -> dict[str, Any]:
    """A REST address object with only the fields the canonical address sets."""
    fields = {
        "first_name": address.first_name,
        "last_name": address.last_name,
        "company": address.company,
        "address1": address.line1,
        "address2": address.line2,
        "city": address.city,
        "province_code": address.province_code,
        "zip": address.postal_code,
        "country_code": address.country_code,
        "phone": address.phone,
    }
    return {key: value for key, value in fields.items() if value is not None}


# --- transactions ------------------------------------------------------------------------------
def transaction_from_rest(data: Mapping[str, Any], currency: str) -> Transaction:
    """A canonical Transaction from a REST transaction."""
    kind = str(data.get("kind") or "")
    status = str(data.get("status") or "")
    return Transaction(
        id=str(data["id"]),
        kind=TransactionKind.parse(kind),
        platform_kind=kind or None,
        status=TransactionStatus.parse(status),
        platform_status=status or None,
        amount=_money(data.get("amount"), str(data.get("currency") or currency)),
        parent_id=_sid(data.get("parent_id")),
        gateway=data.get("gateway"),
        created_at=_dt(data.get("created_at")),
        raw=dict(data),
    )


def _refund_transaction(data: Mapping[str, Any], currency: str) -> RefundTransaction:
    status = str(data.get("status") or "")
    kind = str(data.get("kind") or "refund")
    return RefundTransaction(
        id=str(data["id"]),
        kind=TransactionKind.parse(kind),
        status=TransactionStatus.parse(status),
        platform_status=status or None,
        amount=_money(data.get("amount"), str(data.get("currency") or currency)),
        parent_id=_sid(data.get("parent_id")),
        gateway=data.get("gateway"),
        created_at=_dt(data.get("created_at")),
        raw=dict(data),
    )


# --- refunds -----------------------------------------------------------------------------------
def _restock(value: Any) -> Restock:
    try:
        return _RESTOCK_FROM_REST[str(value)]
    except KeyError:
        raise PlatformError(
            f"unknown restock_type {value!r} in a refund", platform=PLATFORM
        ) from None


def _refund_line(data: Mapping[str, Any], currency: str, taxes_included: bool) -> RefundLine:
    # subtotal/total_tax are JSON numbers in refund responses (read as Decimal) and the *_set
    # bags carry the exact strings with the shop amount; prefer the bags.
    if data.get("subtotal_set"):
        subtotal = money_from_set(data["subtotal_set"], currency)
    else:
        subtotal = _money(data.get("subtotal"), currency)
    if data.get("total_tax_set"):
        tax = money_from_set(data["total_tax_set"], currency)
    else:
        tax = _money(data.get("total_tax"), currency)
    # INFERRED: a refund line's ``subtotal`` excludes tax unless the shop's prices include it.
    total = subtotal if taxes_included else subtotal + tax
    return RefundLine(
        line_id=str(data["line_item_id"]),
        quantity=int(data.get("quantity") or 0),
        restock=_restock(data.get("restock_type") or "no_restock"),
        location_id=_sid(data.get("location_id")),
        subtotal=subtotal,
        tax=tax,
        total=total,
        raw=dict(data),
    )


def _refund_status(transactions: list[RefundTransaction]) -> RefundStatus:
    if not transactions:
        return RefundStatus.SUCCESS  # nothing to pay back (a restock-only refund)
    states = {t.status for t in transactions}
    if states == {TransactionStatus.SUCCESS}:
        return RefundStatus.SUCCESS
    if TransactionStatus.PENDING in states:
        return RefundStatus.PENDING
    if TransactionStatus.SUCCESS in states:
        return RefundStatus.PARTIAL
    if states <= {TransactionStatus.FAILURE, TransactionStatus.ERROR}:
        return RefundStatus.FAILURE
    return RefundStatus.UNKNOWN


def refund_from_rest(
    data: Mapping[str, Any], currency: str, *, taxes_included: bool = False
) -> Refund:
    """A canonical Refund from a REST refund (``legacy_restock`` lines and adjustments kept)."""
    lines = [_refund_line(x, currency, taxes_included) for x in data.get("refund_line_items") or []]
    transactions = [
        _refund_transaction(t, currency)
        for t in data.get("transactions") or []
        if str(t.get("kind")) == "refund"
    ]
    adjustments = [
        RefundAdjustment(
            kind=str(a.get("kind")),
            amount=money_from_set(a.get("amount_set"), currency)
            if a.get("amount_set")
            else _money(a.get("amount"), currency),
            tax=money_from_set(a.get("tax_amount_set"), currency)
            if a.get("tax_amount_set")
            else _money(a.get("tax_amount"), currency),
            reason=a.get("reason"),
            raw=dict(a),
        )
        for a in data.get("order_adjustments") or []
    ]
    shipping = _refund_shipping(data, adjustments, currency)
    paid = [t for t in transactions if t.status is TransactionStatus.SUCCESS]
    total = Money.sum((t.amount for t in paid), currency)
    return Refund(
        id=str(data["id"]),
        order_id=str(data["order_id"]),
        status=_refund_status(transactions),
        lines=lines,
        shipping=shipping,
        transactions=transactions,
        adjustments=adjustments,
        total=total,
        note=data.get("note"),
        created_at=_dt(data.get("created_at")),
        raw=dict(data),
    )


def _refund_shipping(
    data: Mapping[str, Any], adjustments: list[RefundAdjustment], currency: str
) -> RefundShipping | None:
    """Shipping refunded: ``refund_shipping_lines`` subtotals plus the tax of ``shipping_refund``
    adjustments; refunds from before ``refund_shipping_lines`` existed only have the adjustment
    (amounts negative, as Shopify records them)."""
    shipping_adjustments = [a for a in adjustments if a.kind == "shipping_refund"]
    tax = -Money.sum((a.tax for a in shipping_adjustments if a.tax is not None), currency)
    rows = data.get("refund_shipping_lines") or []
    if rows:
        subtotal = Money.sum(
            (money_from_set(r.get("subtotal_amount_set"), currency) for r in rows), currency
        )
    elif shipping_adjustments:
        subtotal = -Money.sum((a.amount for a in shipping_adjustments), currency)
    else:
        return None
    return RefundShipping(amount=subtotal + tax, tax=tax)


def calculation_from_rest(
    data: Mapping[str, Any], order: Order, request: RefundRequest
) -> RefundCalculation:
    """A canonical RefundCalculation from a ``refunds/calculate.json`` response.

    ``transactions`` are the ``suggested_refund`` transactions (each becomes an allocation against
    its ``parent_id``). ``total`` is what they pay back: Shopify caps suggestions at what the
    payments can still refund, so this is the authoritative figure. Where no transaction is
    suggested (nothing was paid), ``total`` is the line and shipping amounts.
    """
    body = data.get("refund", data)
    currency = str(body.get("currency") or order.currency)
    lines = [
        _calc_line(x, currency, order.taxes_included) for x in body.get("refund_line_items") or []
    ]
    shipping = None
    ship = body.get("shipping")
    if request.shipping is not None and ship:
        ship_amount = _money(ship.get("amount"), currency)
        ship_tax = _money(ship.get("tax"), currency)
        shipping = RefundShipping(
            amount=ship_amount if order.taxes_included else ship_amount + ship_tax,
            tax=ship_tax,
            maximum_refundable=_money(ship.get("maximum_refundable"), currency),
        )
    allocations = [
        TransactionAllocation(
            transaction_id=str(t["parent_id"]),
            amount=_money(t.get("amount"), str(t.get("currency") or currency)),
            maximum_refundable=_money(t.get("maximum_refundable"), currency)
            if t.get("maximum_refundable") is not None
            else None,
            gateway=t.get("gateway"),
            raw=dict(t),
        )
        for t in body.get("transactions") or []
        if t.get("parent_id") is not None
    ]
    subtotal = Money.sum((x.subtotal for x in lines), currency)
    tax = Money.sum((x.tax for x in lines), currency)
    goods = Money.sum((x.total for x in lines), currency)
    if shipping is not None:
        subtotal = subtotal + (shipping.amount - (shipping.tax or Money.zero(currency)))
        tax = tax + (shipping.tax or Money.zero(currency))
        goods = goods + shipping.amount
    total = Money.sum((a.amount for a in allocations), currency) if allocations else goods
    return RefundCalculation(
        order_id=order.id,
        request=request,
        lines=lines,
        shipping=shipping,
        transactions=allocations,
        subtotal=subtotal,
        tax=tax,
        total=total,
        raw=dict(data),
    )


def _calc_line(data: Mapping[str, Any], currency: str, taxes_included: bool) -> RefundLine:
    # In calculate responses subtotal/total_tax are decimal strings (JSON numbers elsewhere).
    subtotal = _money(data.get("subtotal"), currency)
    tax = _money(data.get("total_tax"), currency)
    return RefundLine(
        line_id=str(data["line_item_id"]),
        quantity=int(data.get("quantity") or 0),
        restock=_restock(data.get("restock_type") or "no_restock"),
        location_id=_sid(data.get("location_id")),
        subtotal=subtotal,
        tax=tax,
        total=subtotal if taxes_included else subtotal + tax,
        raw=dict(data),
    )


def suggested_total(calculation: RefundCalculation) -> Decimal | None:
    """What Shopify's own calculation suggested paying back (from ``raw``), where known."""
    raw = calculation.raw
    if not isinstance(raw, Mapping):
        return None
    body = raw.get("refund", raw)
    suggested = [
        Decimal(str(t.get("amount") or 0))
        for t in body.get("transactions") or []
        if t.get("kind") == "suggested_refund"
    ]
    return sum(suggested, Decimal(0)) if suggested else None


# --- refund request bodies ---------------------------------------------------------------------
def line_items_body(request: RefundRequest) -> list[dict[str, Any]]:
    """``refund_line_items`` from prepared request lines; ``location_id`` only where stock moves.

    Raises InvalidRequest when a restocking line has no location: Shopify requires one
    whenever ``restock_type`` is ``cancel`` or ``return``.
    """
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for index, line in enumerate(request.lines):
        restock = line.restock or Restock.NO_RESTOCK
        row: dict[str, Any] = {
            "line_item_id": rest_id(line.line_id, f"lines[{index}].line_id"),
            "quantity": line.quantity,
            "restock_type": restock.value,
        }
        if restock in RESTOCKING:
            if line.location_id is None:
                problems.append(
                    Problem(
                        f"lines[{index}].location_id",
                        f"restock {restock.value!r} needs a location on Shopify; pass "
                        "location_id (line has no fulfillment or assigned location)",
                    )
                )
                continue
            row["location_id"] = rest_id(line.location_id, f"lines[{index}].location_id")
        rows.append(row)
    if problems:
        raise InvalidRequest(problems, operation="refund")
    return rows


def _shipping_body(request: RefundRequest) -> dict[str, Any] | None:
    if request.shipping is None:
        return None
    if request.shipping.full:
        return {"full_refund": True}
    return {"amount": request.shipping.amount}


def refund_request_body(request: RefundRequest, currency: str) -> dict[str, Any]:
    """The body of ``POST orders/{id}/refunds/calculate.json``."""
    body: dict[str, Any] = {"currency": currency}
    shipping = _shipping_body(request)
    if shipping is not None:
        body["shipping"] = shipping
    rows = line_items_body(request)
    if rows:
        body["refund_line_items"] = rows
    return {"refund": body}


def refund_body(
    calculation: RefundCalculation,
    currency: str,
    *,
    notify: bool,
    note: str | None,
    discrepancy_reason: str | None,
) -> dict[str, Any]:
    """The body of ``POST orders/{id}/refunds.json``: suggested transactions become
    ``kind: "refund"`` with ``parent_id``, ``amount`` and ``gateway``; ``currency`` and ``notify``
    are always sent; the legacy refund-level ``restock`` flag never is.

    ``discrepancy_reason`` is sent when the allocations pay back less than Shopify calculated.
    """
    request = calculation.request
    body: dict[str, Any] = {"currency": currency, "notify": notify}
    if note:
        body["note"] = note
    shipping = _shipping_body(request)
    if shipping is not None:
        body["shipping"] = shipping
    rows = line_items_body(
        request.model_copy(
            update={
                "lines": [_request_line_from(calc_line, request) for calc_line in calculation.lines]
            }
        )
    )
    if rows:
        body["refund_line_items"] = rows
    body["transactions"] = [
        {
            "parent_id": rest_id(a.transaction_id, f"transactions[{i}].transaction_id"),
            "amount": a.amount.amount,
            "kind": "refund",
            "gateway": a.gateway,
        }
        for i, a in enumerate(calculation.transactions)
    ]
    paying = sum((a.amount.amount for a in calculation.transactions), Decimal(0))
    calculated = suggested_total(calculation)
    if calculated is None:
        calculated = sum((x.total.amount for x in calculation.lines), Decimal(0)) + (
            calculation.shipping.amount.amount if calculation.shipping is not None else Decimal(0)
        )
    if discrepancy_reason and paying < calculated:
        body["discrepancy_reason"] = discrepancy_reason
    return {"refund": body}


def _request_line_from(calc_line: RefundLine, request: RefundRequest) -> RefundLineRequest:
    """The request line a calculated line answers, with the calculated restock and location."""
    wanted = next((x for x in request.lines if x.line_id == calc_line.line_id), None)
    location = (wanted.location_id if wanted is not None else None) or calc_line.location_id
    restock = wanted.restock if wanted is not None and wanted.restock else calc_line.restock
    return RefundLineRequest(
        line_id=calc_line.line_id,
        quantity=calc_line.quantity,
        restock=restock,
        location_id=location,
    )


def cancel_body(reason: str, notify: bool, refund: Mapping[str, Any] | None) -> dict[str, Any]:
    """The body of ``POST orders/{id}/cancel.json`` (``email`` is Shopify's notify flag)."""
    body: dict[str, Any] = {"reason": reason, "email": notify}
    if refund is not None:
        body["refund"] = dict(refund)
    return body


# --- orders ------------------------------------------------------------------------------------
def _sum_fulfilled(order: Mapping[str, Any]) -> dict[str, int]:
    """Units fulfilled per line: successful fulfillments only (failed/cancelled ones ship nothing)."""
    fulfilled: dict[str, int] = {}
    for fulfillment in order.get("fulfillments") or []:
        if fulfillment.get("status") != "success":
            continue
        for item in fulfillment.get("line_items") or []:
            key = str(item["id"])
            fulfilled[key] = fulfilled.get(key, 0) + int(item.get("quantity") or 0)
    return fulfilled


def _fulfillment_locations(order: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for fulfillment in order.get("fulfillments") or []:
        if fulfillment.get("status") != "success" or fulfillment.get("location_id") is None:
            continue
        for item in fulfillment.get("line_items") or []:
            found.setdefault(str(item["id"]), str(fulfillment["location_id"]))
    return found


def assigned_locations(fulfillment_orders: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Order line id -> assigned location of the open fulfillment order that holds it."""
    found: dict[str, str] = {}
    live = ("open", "in_progress", "scheduled", "on_hold", "incomplete")
    for fo in fulfillment_orders:
        if fo.get("status") not in live or fo.get("assigned_location_id") is None:
            continue
        for item in fo.get("line_items") or []:
            found.setdefault(str(item["line_item_id"]), str(fo["assigned_location_id"]))
    return found


def needs_assigned_locations(order: Mapping[str, Any]) -> bool:
    """Whether some line has units neither fulfilled nor refunded (their location is on an FO)."""
    fulfilled = _sum_fulfilled(order)
    refunded = _refunded_quantities(order)
    for line in order.get("line_items") or []:
        key = str(line["id"])
        if (
            int(line.get("current_quantity", line.get("quantity") or 0))
            - max(fulfilled.get(key, 0) - refunded.get(key, 0), 0)
            > 0
        ):
            return True
    return False


def _refunded_quantities(order: Mapping[str, Any]) -> dict[str, int]:
    refunded: dict[str, int] = {}
    for refund in order.get("refunds") or []:
        for item in refund.get("refund_line_items") or []:
            key = str(item["line_item_id"])
            refunded[key] = refunded.get(key, 0) + int(item.get("quantity") or 0)
    return refunded


def _line(
    data: Mapping[str, Any],
    currency: str,
    refunded: int,
    fulfilled: int,
    location: str | None,
) -> LineItem:
    quantity = int(data.get("quantity") or 0)
    shopify_current = int(data.get("current_quantity", quantity))
    unit_price = (
        money_from_set(data.get("price_set"), currency)
        if data.get("price_set")
        else (_money(data.get("price"), currency))
    )
    discount = (
        money_from_set(data.get("total_discount_set"), currency)
        if data.get("total_discount_set")
        else _money(data.get("total_discount"), currency)
    )
    for allocation in data.get("discount_allocations") or []:
        discount = discount + money_from_set(allocation.get("amount_set"), currency)
    tax = Money.sum(
        (money_from_set(t.get("price_set"), currency) for t in data.get("tax_lines") or []),
        currency,
    )
    rates = [t.get("rate") for t in data.get("tax_lines") or [] if t.get("rate") is not None]
    requires_shipping = bool(data.get("requires_shipping", True))
    return LineItem(
        id=str(data["id"]),
        sku=_blank(data.get("sku")),
        title=str(data.get("name") or data.get("title") or ""),
        quantity=quantity,
        # Shopify's current_quantity also subtracts refunded units; the canonical one does not.
        current_quantity=min(quantity, shopify_current + refunded),
        fulfilled_quantity=fulfilled,
        refunded_quantity=refunded,
        unit_price=unit_price,
        total=unit_price * quantity - discount,
        total_discount=discount,
        total_tax=tax,
        tax_rate=str(rates[0]) if len(rates) == 1 else None,
        requires_shipping=requires_shipping,
        is_digital=not requires_shipping or bool(data.get("gift_card")),
        product_id=_sid(data.get("product_id")),
        variant_id=_sid(data.get("variant_id")),
        location_id=location,
        raw=dict(data),
    )


def order_from_rest(
    data: Mapping[str, Any],
    *,
    transactions: Iterable[Mapping[str, Any]] = (),
    fulfillment_orders: Iterable[Mapping[str, Any]] = (),
) -> Order:
    """A canonical Order from a REST order, its transactions and its fulfillment orders.

    ``LineItem.location_id`` is where stock for the line lives: the assigned location of the
    open fulfillment order holding its unfulfilled units, else the location of its successful
    fulfillment. The planner uses it for restocks that need a location.
    """
    order = data.get("order", data)
    shop_currency = str(order.get("currency") or "USD")
    currency = str(order.get("presentment_currency") or shop_currency)
    refunded = _refunded_quantities(order)
    fulfilled = _sum_fulfilled(order)
    assigned = assigned_locations(fulfillment_orders)
    shipped_from = _fulfillment_locations(order)
    lines = [
        _line(
            x,
            currency,
            refunded.get(str(x["id"]), 0),
            fulfilled.get(str(x["id"]), 0),
            assigned.get(str(x["id"])) or shipped_from.get(str(x["id"])),
        )
        for x in order.get("line_items") or []
    ]
    taxes_included = bool(order.get("taxes_included"))
    shipping = Money.zero(currency)
    for row in order.get("shipping_lines") or []:
        if row.get("is_removed"):
            continue
        bag = row.get("discounted_price_set") or row.get("price_set")
        shipping = shipping + money_from_set(bag, currency)
        if not taxes_included:
            for tax_line in row.get("tax_lines") or []:
                shipping = shipping + money_from_set(tax_line.get("price_set"), currency)
    if order.get("cancelled_at"):
        status, platform_status = OrderStatus.CANCELED, "cancelled"
    elif order.get("closed_at"):
        status, platform_status = OrderStatus.CLOSED, "closed"
    else:
        status, platform_status = OrderStatus.OPEN, "open"
    financial = order.get("financial_status")
    fulfillment = order.get("fulfillment_status")
    return Order(
        id=str(order["id"]),
        number=order.get("name"),
        platform=PLATFORM,
        currency=currency,
        shop_currency=shop_currency,
        status=status,
        platform_status=platform_status,
        financial_status=FinancialStatus.parse(financial),
        platform_financial_status=financial,
        fulfillment_status=_FULFILLMENT_STATUS.get(fulfillment, FulfillmentStatus.UNKNOWN),
        platform_fulfillment_status=fulfillment,
        email=_blank(order.get("email") or order.get("contact_email")),
        lines=lines,
        shipping_address=address_from_rest(order.get("shipping_address")),
        billing_address=address_from_rest(order.get("billing_address")),
        shipping=shipping,
        subtotal=money_from_set(order.get("subtotal_price_set"), currency),
        tax=money_from_set(order.get("total_tax_set"), currency),
        total=money_from_set(order.get("total_price_set"), currency),
        discount=money_from_set(order.get("total_discounts_set"), currency)
        if order.get("total_discounts_set")
        else None,
        taxes_included=taxes_included,
        transactions=[transaction_from_rest(t, currency) for t in transactions],
        refunds=[
            refund_from_rest(r, currency, taxes_included=taxes_included)
            for r in order.get("refunds") or []
        ],
        created_at=_dt(order.get("created_at")),
        updated_at=_dt(order.get("updated_at")),
        canceled_at=_dt(order.get("cancelled_at")),
        cancel_reason=order.get("cancel_reason"),
        note=order.get("note"),
        raw=dict(order),
    )


def order_body(order: Order) -> dict[str, Any]:
    """The body of ``POST orders.json`` for migrating a canonical order.

    Receipts are off and inventory is bypassed (a migrated order must not move stock again).
    Successful captures/sales become ``sale`` transactions so the financial status carries over.
    """
    currency = order.currency
    line_items = []
    for line in order.lines:
        item: dict[str, Any] = {
            "title": line.title or line.sku or f"line {line.id}",
            "quantity": line.quantity,
            "price": str(line.unit_price.amount),
            "requires_shipping": line.requires_shipping,
        }
        if line.sku:
            item["sku"] = line.sku
        if line.variant_id and line.variant_id.isdigit():
            item["variant_id"] = int(line.variant_id)
        if line.total_discount is not None and not line.total_discount.is_zero():
            item["total_discount"] = str(line.total_discount.amount)
        if line.total_tax is not None and not line.total_tax.is_zero():
            tax_line: dict[str, Any] = {"title": "Tax", "price": str(line.total_tax.amount)}
            if line.tax_rate is not None:
                tax_line["rate"] = Decimal(line.tax_rate)
            item["tax_lines"] = [tax_line]
        line_items.append(item)
    body: dict[str, Any] = {
        "currency": currency,
        "line_items": line_items,
        "taxes_included": order.taxes_included,
        "send_receipt": False,
        "send_fulfillment_receipt": False,
        "inventory_behaviour": "bypass",
    }
    if order.email:
        body["email"] = order.email
    if order.number:
        body["name"] = order.number
    if order.note:
        body["note"] = order.note
    if order.created_at is not None:
        body["processed_at"] = order.created_at.isoformat()
    if order.shipping_address is not None:
        body["shipping_address"] = address_body(order.shipping_address)
    if order.billing_address is not None:
        body["billing_address"] = address_body(order.billing_address)
    if not order.shipping.is_zero():
        body["shipping_lines"] = [{"title": "Shipping", "price": str(order.shipping.amount)}]
    paid = [t for t in order.captured_payments]
    if paid:
        body["transactions"] = [
            {
                "kind": "sale",
                "status": "success",
                "amount": str(t.amount.amount),
                "gateway": t.gateway or "manual",
            }
            for t in paid
        ]
        body["financial_status"] = "paid"
    else:
        body["financial_status"] = "pending"
    return {"order": body}


# --- fulfillment orders ------------------------------------------------------------------------
def fulfillment_order_from_rest(
    data: Mapping[str, Any], *, replaced_by: Iterable[str] = ()
) -> FulfillmentOrder:
    """A canonical FulfillmentOrder from a REST one.

    ``location_id`` is the top-level ``assigned_location_id`` (in Shopify's move example the
    nested ``assigned_location.location_id`` disagrees with it; the top-level field is the one
    the API documents as the assignment).
    """
    status = str(data.get("status") or "")
    holds = []
    for hold in data.get("fulfillment_holds") or []:
        platform_reason = str(hold.get("reason") or "other")
        holds.append(
            FulfillmentHold(
                id=_sid(hold.get("id")),
                reason=HOLD_REASON_FROM_REST.get(platform_reason, HoldReason.OTHER),
                platform_reason=platform_reason,
                note=hold.get("reason_notes"),
                raw=dict(hold),
            )
        )
    return FulfillmentOrder(
        id=str(data["id"]),
        order_id=str(data["order_id"]),
        status=_FO_STATUS.get(status, FulfillmentOrderStatus.UNKNOWN),
        platform_status=status or None,
        request_status=data.get("request_status"),
        location_id=_sid(data.get("assigned_location_id")),
        lines=[
            FulfillmentOrderLine(
                id=str(x["id"]),
                line_id=str(x["line_item_id"]),
                quantity=int(x.get("quantity") or 0),
                fulfillable_quantity=int(x.get("fulfillable_quantity") or 0),
                raw=dict(x),
            )
            for x in data.get("line_items") or []
        ],
        holds=holds,
        supported_actions=[str(a) for a in data.get("supported_actions") or []],
        replaced_by=list(replaced_by),
        created_at=_dt(data.get("created_at")),
        raw=dict(data),
    )


def fo_lines_body(lines: Mapping[str, int] | None) -> list[dict[str, Any]] | None:
    """``fulfillment_order_line_items`` from ``{fo line id: quantity}``; None for all lines."""
    if lines is None:
        return None
    return [
        {"id": rest_id(key, f"lines[{key}]"), "quantity": quantity}
        for key, quantity in lines.items()
    ]


def hold_body(
    reason: HoldReason,
    note: str | None,
    *,
    notify_merchant: bool,
    lines: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The body of ``POST fulfillment_orders/{id}/hold.json``."""
    hold: dict[str, Any] = {"reason": HOLD_REASON_TO_REST[reason]}
    if note:
        hold["reason_notes"] = note
    hold["notify_merchant"] = notify_merchant
    items = fo_lines_body(lines)
    if items is not None:
        hold["fulfillment_order_line_items"] = items
    return {"fulfillment_hold": hold}


def locations_from_rest(data: Mapping[str, Any]) -> list[Location]:
    """Movable locations from ``locations_for_move.json``."""
    found = []
    for row in data.get("locations_for_move") or []:
        if not row.get("movable", True):
            continue
        location = row.get("location") or {}
        found.append(Location(id=str(location["id"]), name=location.get("name"), raw=dict(row)))
    return found


# --- errors ------------------------------------------------------------------------------------
def _problems(errors: Any) -> tuple[str, list[Problem]]:
    if isinstance(errors, str):
        return errors, []
    if isinstance(errors, list):
        texts = [str(e) for e in errors]
        return "; ".join(texts) or "error", [Problem("", t) for t in texts]
    if isinstance(errors, Mapping):
        problems: list[Problem] = []
        for field, messages in errors.items():
            if isinstance(messages, list):
                problems.extend(Problem(str(field), str(m)) for m in messages)
            else:
                problems.append(Problem(str(field), str(messages)))
        return "; ".join(str(p) for p in problems) or "error", problems
    return str(errors), []


def error_from_rest(response: Response) -> PlatformError:
    """A typed error from a REST error response.

    Bodies are ``{"errors": <string | list | {field: [messages]}>}`` or, on some endpoints,
    ``{"error": "..."}``. 401/403 -> AuthenticationError, 404 -> NotFound, 429 -> RateLimited;
    a 422 about a fulfillment order's state -> IllegalTransition; anything else PlatformError
    with the status and the platform's field messages as ``problems``.
    """
    body = response.body
    errors: Any = None
    if isinstance(body, Mapping):
        errors = body.get("errors", body.get("error"))
    if errors is None:
        errors = (response.text or "").strip() or f"HTTP {response.status}"
    message, problems = _problems(errors)
    codes = {402: "payment_required", 406: "not_acceptable", 422: "unprocessable", 423: "locked"}
    if response.status == 422 and "fulfillment order" in message.lower():
        return IllegalTransition(
            message,
            status=422,
            platform=PLATFORM,
            problems=problems,
            details=body,
            code="unprocessable",
        )
    return error_for_status(
        PLATFORM,
        response,
        message,
        problems=problems,
        code=codes.get(response.status),
        details=body,
    )
