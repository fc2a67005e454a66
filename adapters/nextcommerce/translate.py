"""Next Commerce (Admin API 2024-04-01) <-> canonical models, both ways. Pure functions, no I/O.

Conventions of the platform this module deals with:

- Money is a JSON string with at most two decimals; every amount comes as an ``*_excl_tax`` /
  ``*_incl_tax`` pair. Canonical amounts here are tax-inclusive (``Order.taxes_included`` is True)
  with the tax part beside them; the excl-tax figures stay in ``raw``.
- ``report_values`` repeats amounts in the store's reporting currency; they become ``Money.shop``.
- The order ``number`` is the order's only identifier; lines, transactions, refunds and
  fulfillment orders have integer ids, which become strings.
- Status enums are open: values the spec does not list (``partially_fulfilled``) or that are new map
  to ``unknown`` with the platform's own string kept beside them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from unified_orders.adapter import Response, error_for_status
from unified_orders.errors import IllegalTransition, InvalidRequest, PlatformError, Problem
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

PLATFORM = "nextcommerce"
CENT = Decimal("0.01")

__all__ = [
    "FINANCIAL_STATUS",
    "FULFILLMENT_ORDER_STATUS",
    "FULFILLMENT_STATUS",
    "HOLD_REASON_FROM_PLATFORM",
    "HOLD_REASON_TO_PLATFORM",
    "ORDER_STATUS",
    "address_from_platform",
    "address_to_platform",
    "calculate_request",
    "calculation_from_platform",
    "cancel_body",
    "create_order_body",
    "error_from_response",
    "fulfillment_order_from_platform",
    "fulfillment_orders_from_platform",
    "hold_body",
    "locations_from_platform",
    "money",
    "order_from_platform",
    "problems_from_body",
    "refund_body",
    "refund_from_platform",
    "shipping_excl_tax",
]

# --- status maps ---------------------------------------------------------------------------------
ORDER_STATUS: dict[str, OrderStatus] = {
    "open": OrderStatus.OPEN,
    "archived": OrderStatus.CLOSED,
    "canceled": OrderStatus.CANCELED,
    "cancelled": OrderStatus.CANCELED,
}

FINANCIAL_STATUS: dict[str, FinancialStatus] = {
    "pending": FinancialStatus.PENDING,
    "authorized": FinancialStatus.AUTHORIZED,
    "expiring": FinancialStatus.AUTHORIZED,  # an authorization about to lapse is still one
    "expired": FinancialStatus.VOIDED,  # INFERRED: a lapsed authorization can no longer be captured
    "paid": FinancialStatus.PAID,
    "voided": FinancialStatus.VOIDED,
    "refunded": FinancialStatus.REFUNDED,
    "partially_paid": FinancialStatus.PARTIALLY_PAID,
    "partially_refunded": FinancialStatus.PARTIALLY_REFUNDED,
    # partially_voided has no canonical twin: it maps to unknown, the platform value is kept.
}

FULFILLMENT_STATUS: dict[str, FulfillmentStatus] = {
    "unfulfilled": FulfillmentStatus.UNFULFILLED,
    "on_hold": FulfillmentStatus.UNFULFILLED,
    "rejected": FulfillmentStatus.UNFULFILLED,
    "processing": FulfillmentStatus.UNFULFILLED,
    "partially_fulfilled": FulfillmentStatus.PARTIALLY_FULFILLED,  # in the filter enum only
    "fulfilled": FulfillmentStatus.FULFILLED,
    "not_required": FulfillmentStatus.FULFILLED,  # nothing to ship (digital only)
    # incomplete (a fulfillment service gave up part-way) maps to unknown.
}

FULFILLMENT_ORDER_STATUS: dict[str, FulfillmentOrderStatus] = {
    "open": FulfillmentOrderStatus.OPEN,
    "processing": FulfillmentOrderStatus.IN_PROGRESS,
    "on_hold": FulfillmentOrderStatus.ON_HOLD,
    "incomplete": FulfillmentOrderStatus.INCOMPLETE,
    "closed": FulfillmentOrderStatus.CLOSED,
    "canceled": FulfillmentOrderStatus.CANCELED,
    "not_required": FulfillmentOrderStatus.CLOSED,  # nothing to ship from it
}

TRANSACTION_STATUS: dict[str, TransactionStatus] = {
    "succeeded": TransactionStatus.SUCCESS,
    "failed": TransactionStatus.FAILURE,
}

HOLD_REASON_TO_PLATFORM: dict[HoldReason, str] = {
    HoldReason.INCORRECT_ADDRESS: "address_incorrect",
    HoldReason.INVENTORY_OUT_OF_STOCK: "out_of_stock",
    HoldReason.HIGH_RISK_OF_FRAUD: "high_risk",
    HoldReason.AWAITING_PAYMENT: "awaiting_payment",
    HoldReason.OTHER: "other",
    HoldReason.UNKNOWN_DELIVERY_DATE: "other",
    HoldReason.AWAITING_RETURN_ITEMS: "other",
}

HOLD_REASON_FROM_PLATFORM: dict[str, HoldReason] = {
    "address_incorrect": HoldReason.INCORRECT_ADDRESS,
    "out_of_stock": HoldReason.INVENTORY_OUT_OF_STOCK,
    "high_risk": HoldReason.HIGH_RISK_OF_FRAUD,
    "awaiting_payment": HoldReason.AWAITING_PAYMENT,
    "other": HoldReason.OTHER,
}


# --- small helpers -------------------------------------------------------------------------------
def _dec(value: Any) -> Decimal:
    if type(value) is str and value:
        return Decimal(value)  # the usual case: a decimal string
    if value is None or value == "":
        return Decimal("0.00")
    if isinstance(value, float):  # never produced by jsonutil.loads; refuse to guess
        raise TypeError("Next Commerce amounts must not be floats")
    return Decimal(str(value))


def money(
    value: Any, currency: str, report: Mapping[str, Any] | None = None, key: str = ""
) -> Money:
    """Money from a decimal string, with its ``report_values`` twin as ``shop``.

    ``shop`` is left out where the report figure is the same amount in the same currency (the
    store reports in the order's currency): the amount already is the shop-currency figure.
    """
    amount = _dec(value)
    shop = None
    if report:
        report_currency = report.get("currency")
        report_value = report.get(key)
        if report_currency and report_value is not None:
            shop_amount, shop_currency = _dec(report_value), str(report_currency).upper()
            if shop_currency != currency.upper() or shop_amount != amount:
                shop = Money.of(shop_amount, shop_currency)
    return Money.of(amount, currency, shop=shop)


def _int(value: Any) -> int:
    """Coerce the spec's string-typed quantities (``"2"``) to int."""
    if value is None or value == "":
        return 0
    return int(Decimal(str(value)))


def _id(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _platform_int(value: str, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidRequest(
            [Problem(what, f"Next Commerce ids are integers; {value!r} is not one")]
        ) from None


def _amount(value: Decimal) -> str:
    """A Decimal as the platform's money string (two decimals)."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


# --- addresses ------------------------------------------------------------------------------------
def address_from_platform(body: Mapping[str, Any] | None) -> Address | None:
    """An Oscar-style address (``line4`` is the city, ``state``, ``postcode``) as canonical."""
    if not body:
        return None
    return Address(
        first_name=body.get("first_name") or None,
        last_name=body.get("last_name") or None,
        line1=body.get("line1") or None,
        line2=body.get("line2") or None,
        city=body.get("line4") or None,
        province_code=body.get("state") or None,
        postal_code=body.get("postcode") or None,
        country_code=body.get("country") or None,
        phone=body.get("phone_number") or None,
        raw=dict(body),
    )


REQUIRED_ADDRESS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "line1": "line1",
    "city": "line4",
    "country_code": "country",
}


def address_to_platform(address: Address, *, path: str = "address") -> dict[str, Any]:
    """A canonical address as the platform's; the spec requires name, line1, city and country.

    The canonical ``company`` has no field on Next Commerce and goes into ``line3``.
    """
    missing = [name for name in REQUIRED_ADDRESS if not getattr(address, name)]
    if missing:
        raise InvalidRequest(
            [
                Problem(f"{path}.{name}", "Next Commerce requires this address field")
                for name in missing
            ],
            operation="address",
        )
    body: dict[str, Any] = {
        "first_name": address.first_name,
        "last_name": address.last_name,
        "line1": address.line1,
        "line4": address.city,
        "country": (address.country_code or "").upper(),
    }
    optional = {
        "line2": address.line2,
        "line3": address.company,
        "state": address.province_code,
        "postcode": address.postal_code,
        "phone_number": address.phone,
    }
    body.update({key: value for key, value in optional.items() if value})
    return body


# --- transactions -----------------------------------------------------------------------------------
def _transaction_kind(body: Mapping[str, Any]) -> TransactionKind:
    kind = str(body.get("type") or "").lower()
    if kind == "debit":
        # A capture is a debit whose parent is the authorization (INFERRED from the docs' wording).
        return TransactionKind.CAPTURE if body.get("parent_id") else TransactionKind.SALE
    return {
        "authorize": TransactionKind.AUTHORIZATION,
        "authorization": TransactionKind.AUTHORIZATION,
        "refund": TransactionKind.REFUND,
        "void": TransactionKind.VOID,
    }.get(kind, TransactionKind.UNKNOWN)


def _gateway(body: Mapping[str, Any]) -> str | None:
    details = body.get("payment_details") or {}
    gateway = details.get("gateway") or {}
    name = gateway.get("name")
    return str(name) if name else body.get("payment_method") or None


def transaction_from_platform(body: Mapping[str, Any], currency: str) -> Transaction:
    """A ``TransactionObject`` / ``Transaction`` as canonical."""
    cur = body.get("currency") or currency
    report = body.get("report_values")
    refundable = None
    if body.get("amount_available_for_refund") is not None:
        refundable = Money.of(_dec(body["amount_available_for_refund"]), cur)
    status = str(body.get("status") or "")
    return Transaction(
        id=str(body["id"]),
        kind=_transaction_kind(body),
        platform_kind=body.get("type"),
        status=TRANSACTION_STATUS.get(status, TransactionStatus.UNKNOWN),
        platform_status=status,
        amount=money(body.get("amount"), cur, report, "amount"),
        parent_id=_id(body.get("parent_id")),
        gateway=_gateway(body),
        refundable=refundable,
        created_at=_when(body.get("date_created")),
        raw=dict(body),
    )


def _refund_transaction(body: Mapping[str, Any], currency: str) -> RefundTransaction:
    txn = transaction_from_platform(body, currency)
    return RefundTransaction(
        id=txn.id,
        kind=txn.kind if txn.kind is not TransactionKind.UNKNOWN else TransactionKind.REFUND,
        status=txn.status,
        platform_status=txn.platform_status,
        amount=txn.amount,
        parent_id=txn.parent_id,
        gateway=txn.gateway,
        created_at=txn.created_at,
        raw=dict(body),
    )


# --- refunds -------------------------------------------------------------------------------------------
def _restock(value: Any) -> Restock:
    try:
        return Restock(str(value))
    except ValueError:
        # The spec does not require restock_type on a refund line; a line without one moved no
        # stock, which is what no_restock says.
        return Restock.NO_RESTOCK


def _refund_status(transactions: list[RefundTransaction]) -> RefundStatus:
    """No refund-level status exists: the refund's transactions decide."""
    if not transactions:
        return RefundStatus.UNKNOWN
    statuses = {t.status for t in transactions}
    if statuses == {TransactionStatus.SUCCESS}:
        return RefundStatus.SUCCESS
    if statuses == {TransactionStatus.FAILURE}:
        return RefundStatus.FAILURE
    if TransactionStatus.SUCCESS in statuses and TransactionStatus.FAILURE in statuses:
        return RefundStatus.PARTIAL
    if TransactionStatus.FAILURE in statuses:
        return RefundStatus.FAILURE
    return RefundStatus.PENDING


def refund_from_platform(body: Mapping[str, Any], currency: str) -> Refund:
    """A ``Refund`` (from ``ordersRefundCreate`` or ``Order.refunds[]``) as canonical."""
    lines = []
    for item in body.get("refund_line_items") or []:
        report = item.get("report_values")
        excl = money(item.get("amount_excl_tax"), currency, report, "amount_excl_tax")
        incl = money(item.get("amount_incl_tax"), currency, report, "amount_incl_tax")
        lines.append(
            RefundLine(
                line_id=str(item["line_item_id"]),
                quantity=_int(item.get("quantity")),
                restock=_restock(item.get("restock_type")),
                location_id=_id(item.get("location_id")),
                subtotal=excl,
                tax=incl - excl,
                total=incl,
                raw=dict(item),
            )
        )
    adjustments = []
    shipping = None
    for item in body.get("adjustments") or []:
        report = item.get("report_values")
        excl = money(item.get("amount_excl_tax"), currency, report, "amount_excl_tax")
        incl = money(item.get("amount_incl_tax"), currency, report, "amount_incl_tax")
        adjustments.append(
            RefundAdjustment(
                kind=str(item.get("type")), amount=incl, tax=incl - excl, raw=dict(item)
            )
        )
        if item.get("type") == "refund_shipping":
            amount = incl if shipping is None else shipping.amount + incl
            tax = (
                incl - excl
                if shipping is None or shipping.tax is None
                else shipping.tax + incl - excl
            )
            shipping = RefundShipping(amount=amount, tax=tax)
    transactions = [_refund_transaction(t, currency) for t in body.get("transactions") or []]
    return Refund(
        id=str(body["id"]),
        order_id=str(body.get("order_number")),
        status=_refund_status(transactions),
        lines=lines,
        shipping=shipping,
        transactions=transactions,
        adjustments=adjustments,
        total=money(
            body.get("total_refund_amount"),
            currency,
            body.get("report_values"),
            "total_refund_amount",
        ),
        note=body.get("note") or None,
        created_at=_when(body.get("created_at")),
        raw=dict(body),
    )


# --- orders ---------------------------------------------------------------------------------------------
def _fulfilled_by_line(body: Mapping[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for fulfillment in body.get("fulfillments") or []:
        if fulfillment.get("status") == "canceled":
            continue
        for item in fulfillment.get("line_items") or []:
            key = str(item.get("order_line_id"))
            quantity = item.get("fulfilled_quantity", item.get("quantity"))
            counts[key] = counts.get(key, 0) + _int(quantity)
    return counts


def _refunded_by_line(body: Mapping[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for refund in body.get("refunds") or []:
        for item in refund.get("refund_line_items") or []:
            key = str(item.get("line_item_id"))
            counts[key] = counts.get(key, 0) + _int(item.get("quantity"))
    return counts


def _line_from_platform(
    body: Mapping[str, Any], currency: str, fulfilled: int, refunded: int
) -> LineItem:
    cur = body.get("currency") or currency
    report = body.get("report_values")
    quantity = _int(body.get("quantity"))
    # INFERRED: price_excl_tax / price_incl_tax are unit prices (the spec does not say).
    unit = money(body.get("price_incl_tax"), cur, report, "price_incl_tax")
    unit_excl = money(body.get("price_excl_tax"), cur, report, "price_excl_tax")
    rate = None
    rates = [t.get("rate") for t in body.get("tax_lines") or [] if t.get("rate") is not None]
    if rates:
        rate = str(rates[0])
    title = str(body.get("product_title") or "")
    if body.get("variant_title"):
        title = f"{title} - {body['variant_title']}" if title else str(body["variant_title"])
    requires_shipping = bool(body.get("requires_shipping", True))
    # (unit - unit_excl) * quantity without its shop figure: one Money, not three
    total_tax = Money.of((unit.amount - unit_excl.amount) * quantity, cur)
    return LineItem(
        id=str(body["id"]),
        sku=body.get("sku") or None,
        title=title,
        quantity=quantity,
        current_quantity=_int(body.get("current_quantity", quantity)),
        fulfilled_quantity=fulfilled,
        refunded_quantity=refunded,
        unit_price=unit,
        total=unit * quantity,
        total_discount=money(body.get("total_discount"), cur, report, "total_discount"),
        total_tax=total_tax,
        tax_rate=rate,
        requires_shipping=requires_shipping,
        # INFERRED: a line that needs no shipping is a digital product (restock rules differ).
        is_digital=not requires_shipping,
        product_id=_id(body.get("product_id")),
        variant_id=_id(body.get("variant_id")),
        raw=dict(body),
    )


def order_from_platform(body: Mapping[str, Any]) -> Order:
    """An ``Order`` (``ordersRetrieve`` and every order write) as canonical; id = the number."""
    currency = str(body["currency"])
    report = body.get("report_values") or {}
    fulfilled = _fulfilled_by_line(body)
    refunded = _refunded_by_line(body)
    lines = [
        _line_from_platform(
            line, currency, fulfilled.get(str(line["id"]), 0), refunded.get(str(line["id"]), 0)
        )
        for line in body.get("lines") or []
    ]
    total = money(body.get("total_incl_tax"), currency, report, "total_incl_tax")
    total_excl = money(body.get("total_excl_tax"), currency, report, "total_excl_tax")
    shipping = money(body.get("shipping_incl_tax"), currency, report, "shipping_incl_tax")
    shipping_excl = money(body.get("shipping_excl_tax"), currency, report, "shipping_excl_tax")
    tax = money(body.get("total_tax"), currency)
    if tax.shop is None and total.shop is not None and total_excl.shop is not None:
        tax = Money.of(tax.amount, currency, shop=total.shop - total_excl.shop)
    status = str(body.get("status") or "")
    payment = str(body.get("payment_status") or "")
    fulfillment = str(body.get("fulfillment_status") or "")
    user = body.get("user") or {}
    return Order(
        id=str(body["number"]),
        number=str(body["number"]),
        platform=PLATFORM,
        currency=currency,
        shop_currency=report.get("currency"),
        status=ORDER_STATUS.get(status, OrderStatus.UNKNOWN),
        platform_status=status or None,
        financial_status=FINANCIAL_STATUS.get(payment, FinancialStatus.UNKNOWN),
        platform_financial_status=payment or None,
        fulfillment_status=FULFILLMENT_STATUS.get(fulfillment, FulfillmentStatus.UNKNOWN),
        platform_fulfillment_status=fulfillment or None,
        email=user.get("email"),
        lines=lines,
        shipping_address=address_from_platform(body.get("shipping_address")),
        billing_address=address_from_platform(body.get("billing_address")),
        shipping=shipping,
        subtotal=total_excl - shipping_excl,
        tax=tax,
        total=total,
        discount=money(body.get("total_discount"), currency, report, "total_discount"),
        taxes_included=True,
        transactions=[
            transaction_from_platform(t, currency) for t in body.get("transactions") or []
        ],
        refunds=[refund_from_platform(r, currency) for r in body.get("refunds") or []],
        created_at=_when(body.get("date_placed") or body.get("created_at")),
        updated_at=_when(body.get("updated_at")),
        raw=dict(body),
    )


def create_order_body(order: Order) -> dict[str, Any]:
    """``CreateOrder`` for a canonical order (migration): paid externally, no receipt e-mail.

    Next Commerce lines name the *variant* product id (an integer of this store's catalogue), so
    each line needs ``variant_id`` or ``product_id`` holding one.
    """
    problems: list[Problem] = []
    lines: list[dict[str, Any]] = []
    for index, line in enumerate(order.lines):
        ref = line.variant_id or line.product_id
        if ref is None or not str(ref).isdigit():
            problems.append(
                Problem(
                    f"lines[{index}].variant_id",
                    "Next Commerce needs the integer variant product id of this store's catalogue "
                    f"(got {ref!r}); map products before importing",
                )
            )
            continue
        if line.current_quantity < 1:
            continue
        lines.append(
            {
                "product_id": int(ref),
                "quantity": line.current_quantity,
                "price": _amount(line.unit_price.amount),
            }
        )
    if order.currency and order.lines and not lines and not problems:
        problems.append(Problem("lines", "every line has quantity 0; nothing to import"))
    if problems:
        raise InvalidRequest(problems, operation="orders.create")
    body: dict[str, Any] = {
        "lines": lines,
        "currency": order.currency,
        "shipping_price": _amount(order.shipping.amount),
        "payment_method": "external",
        "payment_details": {"external_payment_method": f"import:{order.platform}"},
        "send_receipt": False,
    }
    status = {OrderStatus.CLOSED: "archived", OrderStatus.CANCELED: "canceled"}.get(
        order.status, "open"
    )
    body["status"] = status
    if order.created_at is not None:
        body["date_placed"] = order.created_at.isoformat()
    if order.shipping_address is not None:
        body["shipping_address"] = address_to_platform(
            order.shipping_address, path="shipping_address"
        )
    if order.billing_address is not None:
        body["billing_address"] = address_to_platform(order.billing_address, path="billing_address")
    elif order.shipping_address is not None:
        body["billing_same_as_shipping_address"] = True
    user: dict[str, Any] = {}
    if order.email:
        user["email"] = order.email
    source = order.shipping_address or order.billing_address
    if source is not None:
        if source.first_name:
            user["first_name"] = source.first_name
        if source.last_name:
            user["last_name"] = source.last_name
    if user:
        body["user"] = user
    return body


def cancel_body(reason: str, refund: bool, notify: bool) -> dict[str, Any]:
    """``CancelOrder``: the platform's notification default is on, ours is off."""
    return {"cancel_reason": reason, "full_refund": refund, "send_cancel_notification": notify}


# --- refund calculation ------------------------------------------------------------------------------
def shipping_excl_tax(order: Order, amount_incl_tax: Decimal) -> Decimal:
    """A tax-inclusive shipping amount as excl. tax, at the order's shipping tax ratio.

    Next Commerce takes refund shipping excl. tax; canonical shipping refunds are incl. tax.
    INFERRED: shipping tax is proportional (one rate), so excl = incl * shipping_excl/shipping_incl.
    """
    raw = order.raw if isinstance(order.raw, Mapping) else {}
    incl = _dec(raw.get("shipping_incl_tax"))
    excl = _dec(raw.get("shipping_excl_tax"))
    if incl <= 0 or excl == incl:
        return amount_incl_tax.quantize(CENT, rounding=ROUND_HALF_UP)
    return (amount_incl_tax * excl / incl).quantize(CENT, rounding=ROUND_HALF_UP)


def _refund_shipping_body(order: Order, request: RefundRequest) -> dict[str, Any] | None:
    if request.shipping is None:
        return None
    if request.shipping.full:
        return {"full_refund": True}
    assert request.shipping.amount is not None
    return {
        "amount_excl_tax": _amount(shipping_excl_tax(order, request.shipping.amount)),
        "full_refund": False,
    }


def calculate_request(order: Order, request: RefundRequest) -> dict[str, Any]:
    """``CalculateRefundRequest`` for a prepared request (restock types filled in)."""
    body: dict[str, Any] = {
        "refund_lines": [
            {
                "line_id": _platform_int(line.line_id, f"lines[{index}].line_id"),
                "quantity": line.quantity,
                **({"restock_type": line.restock.value} if line.restock is not None else {}),
            }
            for index, line in enumerate(request.lines)
        ]
    }
    shipping = _refund_shipping_body(order, request)
    if shipping is not None:
        body["refund_shipping"] = shipping
    return body


def calculation_from_platform(
    body: Mapping[str, Any], order: Order, request: RefundRequest
) -> RefundCalculation:
    """A ``CalculateRefundResponse`` as a canonical calculation, with its transaction allocation."""
    currency = str(body.get("currency") or order.currency)
    lines = []
    for item in body.get("refund_lines") or []:
        excl = money(item.get("amount_excl_tax"), currency)
        incl = money(item.get("amount_incl_tax"), currency)
        lines.append(
            RefundLine(
                line_id=str(item["line_id"]),
                quantity=_int(item.get("quantity")),
                restock=_restock(item.get("restock_type")),
                subtotal=excl,
                tax=money(item.get("total_tax"), currency)
                if item.get("total_tax")
                else incl - excl,
                total=incl,
                raw=dict(item),
            )
        )
    shipping = None
    ship = body.get("refund_shipping") or {}
    if request.shipping is not None:
        refundable = ship.get("refundable_amount")
        shipping = RefundShipping(
            amount=money(ship.get("amount_incl_tax"), currency),
            tax=money(ship.get("total_tax"), currency),
            maximum_refundable=money(refundable, currency)
            if refundable not in (None, "")
            else None,
            raw=dict(ship),
        )
    allocations = []
    for index, item in enumerate(body.get("transactions") or []):
        amount = _dec(item.get("amount"))
        if amount <= 0:
            continue
        if item.get("id") is None:
            raise PlatformError(
                f"the refund calculation's transactions[{index}] has no id, so the refund cannot "
                "name the payment to refund",
                platform=PLATFORM,
                code="calculation_without_transaction_id",
                details=dict(body),
            )
        refundable = item.get("refundable_amount")
        allocations.append(
            TransactionAllocation(
                transaction_id=str(item["id"]),
                amount=Money.of(amount, currency),
                maximum_refundable=money(refundable, currency) if refundable is not None else None,
                gateway=item.get("gateway_name") or item.get("payment_method") or None,
                raw=dict(item),
            )
        )
    total = money(body.get("amount_incl_tax"), currency)
    subtotal = money(body.get("amount_excl_tax"), currency)
    return RefundCalculation(
        order_id=order.id,
        request=request,
        lines=lines,
        shipping=shipping,
        transactions=allocations,
        subtotal=subtotal,
        tax=money(body.get("total_tax"), currency),
        total=total,
        raw=dict(body),
    )


def refund_body(calculation: RefundCalculation, note: str | None, notify: bool) -> dict[str, Any]:
    """``RefundOrder`` from a calculation: its allocation, lines, restock types and shipping."""
    problems: list[Problem] = []
    transactions = []
    for index, allocation in enumerate(calculation.transactions):
        try:
            txn_id = int(allocation.transaction_id)
        except ValueError:
            problems.append(
                Problem(
                    f"transactions[{index}].transaction_id", "must be a Next Commerce integer id"
                )
            )
            continue
        transactions.append({"id": txn_id, "amount": _amount(allocation.amount.amount)})
    if not transactions:
        problems.append(
            Problem(
                "transactions", "the calculation allocates the refund to no payment transaction"
            )
        )
    refund_lines = []
    for index, line in enumerate(calculation.lines):
        if line.quantity <= 0:
            continue
        refund_lines.append(
            {
                "line_id": _platform_int(line.line_id, f"lines[{index}].line_id"),
                "quantity": line.quantity,
                "restock_type": line.restock.value,
            }
        )
    if problems:
        raise InvalidRequest(problems, operation="refund")
    body: dict[str, Any] = {"transactions": transactions, "refund_lines": refund_lines}
    shipping = calculation.request.shipping
    if shipping is not None:
        if shipping.full:
            body["refund_shipping"] = {"full_refund": True}
        elif calculation.shipping is not None:
            tax = calculation.shipping.tax or Money.zero(calculation.shipping.amount.currency)
            excl = (calculation.shipping.amount - tax).amount
            body["refund_shipping"] = {"amount_excl_tax": _amount(excl), "full_refund": False}
    if note:
        body["note"] = note
    body["send_refund_notification"] = notify
    return body


# --- fulfillment orders ---------------------------------------------------------------------------------
def _hold_from_platform(body: Mapping[str, Any]) -> FulfillmentHold:
    reason = str(body.get("reason") or "")
    return FulfillmentHold(
        reason=HOLD_REASON_FROM_PLATFORM.get(reason, HoldReason.OTHER),
        platform_reason=reason or None,
        note=body.get("reason_message") or None,
        raw=dict(body),
    )


def fulfillment_order_from_platform(
    body: Mapping[str, Any], replaced_by: list[str] | None = None
) -> FulfillmentOrder:
    """A ``FulfillmentOrder`` as canonical (quantities typed as strings by the spec are coerced)."""
    status = str(body.get("status") or "")
    location = body.get("assigned_location") or {}
    lines = [
        FulfillmentOrderLine(
            id=str(item["id"]),
            line_id=str(item["order_line_id"]),
            quantity=_int(item.get("quantity", item.get("fulfillable_quantity"))),
            fulfillable_quantity=_int(item.get("fulfillable_quantity")),
            raw=dict(item),
        )
        for item in body.get("line_items") or []
    ]
    return FulfillmentOrder(
        id=str(body["id"]),
        order_id=str(body.get("order_number")),
        status=FULFILLMENT_ORDER_STATUS.get(status, FulfillmentOrderStatus.UNKNOWN),
        platform_status=status or None,
        request_status=body.get("request_status"),
        location_id=_id(location.get("id")),
        lines=lines,
        holds=[_hold_from_platform(h) for h in body.get("fulfillment_holds") or []],
        supported_actions=[str(a) for a in body.get("supported_actions") or []],
        replaced_by=replaced_by or [],
        created_at=_when(body.get("created_at")),
        raw=dict(body),
    )


def fulfillment_orders_from_platform(body: Any) -> list[FulfillmentOrder]:
    """``ordersFulfillmentOrdersRetrieve``: declared as one object, documented as a list; or a page."""
    if isinstance(body, Mapping) and isinstance(body.get("results"), list):
        items: list[Any] = body["results"]
    elif isinstance(body, Mapping):
        items = [body] if body.get("id") is not None else []
    elif isinstance(body, list):
        items = body
    else:
        items = []
    return [fulfillment_order_from_platform(item) for item in items]


def split_response(original_id: str, body: Mapping[str, Any], keys: list[str]) -> FulfillmentOrder:
    """The original fulfillment order of a split/move response, with the new ones' ids.

    ``keys`` are the response members that may hold fulfillment orders other than the original
    (``moved_fulfillment_order``, ``requested_…``/``unrequested_…``); ids differing from the
    original's are the fulfillment orders the operation created.
    """
    created: list[str] = []
    for key in keys:
        item = body.get(key)
        if isinstance(item, Mapping) and item.get("id") is not None:
            new_id = str(item["id"])
            if new_id != original_id and new_id not in created:
                created.append(new_id)
    original = body.get("original_fulfillment_order")
    if not isinstance(original, Mapping):
        raise PlatformError(
            "the response names no original_fulfillment_order", platform=PLATFORM, details=body
        )
    fo = fulfillment_order_from_platform(original, created)
    return fo.model_copy(update={"raw": dict(body)})


def hold_body(reason: HoldReason, note: str | None) -> dict[str, Any]:
    """``HoldFulfillment``; canonical reasons without a twin become ``other``, named in the message."""
    platform_reason = HOLD_REASON_TO_PLATFORM[reason]
    message = note
    if platform_reason == "other" and reason is not HoldReason.OTHER:
        message = f"{reason.value}: {note}" if note else reason.value
    body: dict[str, Any] = {"reason": platform_reason}
    if message:
        body["reason_message"] = message
    return body


def locations_from_platform(body: Any) -> list[Location]:
    """``availableLocationsRetrieve`` in either documented shape.

    The guide shows ``{"available_locations": [{"id", "name", "fulfillment_order_line_ids"}]}``;
    the spec declares ``available_locations`` an object, read here as ``{location id: name or
    {name, ...}}`` (or one location object with an ``id``).
    """
    payload = body.get("available_locations") if isinstance(body, Mapping) else body
    out: list[Location] = []
    if isinstance(payload, list):
        for item in payload:
            if isinstance(item, Mapping) and item.get("id") is not None:
                out.append(Location(id=str(item["id"]), name=item.get("name"), raw=dict(item)))
    elif isinstance(payload, Mapping):
        if payload.get("id") is not None and not isinstance(payload.get("id"), Mapping):
            out.append(Location(id=str(payload["id"]), name=payload.get("name"), raw=dict(payload)))
        else:
            for key, value in payload.items():
                if isinstance(value, Mapping):
                    location_id = value.get("id", key)
                    out.append(
                        Location(id=str(location_id), name=value.get("name"), raw=dict(value))
                    )
                else:
                    out.append(Location(id=str(key), name=str(value) if value else None, raw=value))
    return out


# --- errors ------------------------------------------------------------------------------------------------
def problems_from_body(body: Any, path: str = "") -> list[Problem]:
    """Flatten a DRF error body into Problems with dotted paths.

    ``{"refund_lines": [{}, {"quantity": ["too many"]}]}`` -> ``refund_lines[1].quantity: too many``;
    ``non_field_errors`` and ``detail`` have the empty path.
    """
    problems: list[Problem] = []
    if isinstance(body, Mapping):
        for key, value in body.items():
            if key in ("non_field_errors", "detail"):
                child = path
            else:
                child = f"{path}.{key}" if path else str(key)
            problems.extend(problems_from_body(value, child))
    elif isinstance(body, list):
        if all(not isinstance(item, Mapping | list) for item in body):
            problems.extend(Problem(path, str(item)) for item in body)
        else:
            for index, item in enumerate(body):
                if isinstance(item, Mapping | list):
                    problems.extend(problems_from_body(item, f"{path}[{index}]"))
                else:
                    problems.append(Problem(path, str(item)))
    elif body is not None and body != "":
        problems.append(Problem(path, str(body)))
    return problems


def error_from_response(response: Response) -> PlatformError:
    """A typed error from a DRF-style error body (``{"field": ["msg"]}``, ``{"detail": ...}``, lists)."""
    body = response.body
    detail = None
    code = None
    if isinstance(body, Mapping):
        detail = body.get("detail")
        code = body.get("code") if isinstance(body.get("code"), str) else None
        fields = {k: v for k, v in body.items() if k not in ("detail", "code")}
        problems = problems_from_body(fields)
    else:
        problems = problems_from_body(body)
    if detail is not None:
        message = str(detail)
    elif problems:
        message = "the request was refused"
    else:
        message = (response.text or f"HTTP {response.status}").strip()[:500]
    if response.status == 409:
        return IllegalTransition(
            message,
            status=response.status,
            code=code,
            platform=PLATFORM,
            problems=problems,
            details=body,
        )
    return error_for_status(PLATFORM, response, message, code=code, problems=problems, details=body)
