"""Payments and refunds: transactions, refunds, and the calculate-then-create refund bodies.

Next Commerce has no refund-level status (a refund's transactions decide it) and takes refund
shipping excl. tax, while canonical shipping refunds are incl. tax.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Any

from unified_orders.errors import InvalidRequest, PlatformError, Problem
from unified_orders.keys import note_with_key, split_note
from unified_orders.models import (
    Money,
    Order,
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
from unified_orders.models.currencies import known_minor_unit
from unified_orders.models.identities import total_of

from ..rules import MONEY_DECIMALS, cents, places
from .values import (
    PLATFORM,
    count_of,
    datetime_of,
    decimal_of,
    id_of,
    key_of,
    money,
    money_of,
    money_string,
    platform_int,
)

__all__ = [
    "TRANSACTION_STATUS",
    "amount_problems",
    "calculate_request",
    "calculation_from_platform",
    "refund_body",
    "refund_from_platform",
    "shipping_excl_tax",
    "transaction_from_platform",
]

TRANSACTION_STATUS: dict[str, TransactionStatus] = {
    "succeeded": TransactionStatus.SUCCESS,
    "failed": TransactionStatus.FAILURE,
}


# --- transactions -----------------------------------------------------------------------------------
_KINDS = {
    "authorize": TransactionKind.AUTHORIZATION,
    "authorization": TransactionKind.AUTHORIZATION,
    "refund": TransactionKind.REFUND,
    "void": TransactionKind.VOID,
}


def _transaction_kind(body: Mapping[str, Any]) -> TransactionKind:
    kind = str(body.get("type") or "").lower()
    if kind == "debit":
        # A capture is a debit whose parent is the authorization (INFERRED from the docs' wording).
        return TransactionKind.CAPTURE if body.get("parent_id") else TransactionKind.SALE
    return _KINDS.get(kind, TransactionKind.UNKNOWN)


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
        refundable = money_of(decimal_of(body["amount_available_for_refund"]), cur)
    status = str(body.get("status") or "")
    return Transaction.trusted(
        id=key_of(body, "id"),
        kind=_transaction_kind(body),
        platform_kind=body.get("type"),
        status=TRANSACTION_STATUS.get(status, TransactionStatus.UNKNOWN),
        platform_status=status,
        amount=money(body.get("amount"), cur, report, "amount"),
        parent_id=id_of(body.get("parent_id")),
        gateway=_gateway(body),
        refundable=refundable,
        created_at=datetime_of(body.get("date_created")),
        raw=dict(body),
    )


def _refund_transaction(body: Mapping[str, Any], currency: str) -> RefundTransaction:
    txn = transaction_from_platform(body, currency)
    return RefundTransaction.trusted(
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
    """A ``Refund`` (from ``ordersRefundCreate`` or ``Order.refunds[]``) as canonical.

    The idempotency key marker the adapter put at the end of the note (``[uo:KEY]``) becomes
    ``idempotency_key`` and is stripped from ``note``.
    """
    lines = []
    for item in body.get("refund_line_items") or []:
        report = item.get("report_values")
        excl = money(item.get("amount_excl_tax"), currency, report, "amount_excl_tax")
        incl = money(item.get("amount_incl_tax"), currency, report, "amount_incl_tax")
        lines.append(
            RefundLine.trusted(
                line_id=key_of(item, "line_item_id"),
                quantity=count_of(item.get("quantity")),
                restock=_restock(item.get("restock_type")),
                location_id=id_of(item.get("location_id")),
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
            RefundAdjustment.trusted(
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
            shipping = RefundShipping.trusted(amount=amount, tax=tax)
    transactions = [_refund_transaction(t, currency) for t in body.get("transactions") or []]
    raw_note = body.get("note")
    note, key = split_note(str(raw_note) if raw_note else None)
    return Refund.trusted(
        id=key_of(body, "id"),
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
        note=note or None,
        created_at=datetime_of(body.get("created_at")),
        idempotency_key=key,
        raw=dict(body),
    )


# --- refund calculation ------------------------------------------------------------------------------
def _amounts(request: RefundRequest) -> Iterator[tuple[str, Decimal]]:
    """Every amount a request names, with its field path."""
    if request.shipping is not None and request.shipping.amount is not None:
        yield "shipping.amount", request.shipping.amount
    if request.amount is not None:
        yield "amount", request.amount
    for index, line in enumerate(request.lines):
        if line.amount is not None:
            yield f"lines[{index}].amount", line.amount


def amount_problems(order: Order, request: RefundRequest) -> list[Problem]:
    """Amounts the platform cannot take, refused rather than rounded.

    Next Commerce money has at most two decimals, so 1.125 KWD (a currency with three) cannot be
    sent as it is, whether as shipping, an amount-only refund or a line amount (which travel as
    transaction amounts); rounding it would refund another amount.
    """
    problems = []
    allowed = known_minor_unit(order.currency)
    step = Decimal(1).scaleb(-MONEY_DECIMALS)
    for path, amount in _amounts(request):
        if not amount.is_finite():
            continue  # the core refuses it anyway
        lower = amount.quantize(step, rounding=ROUND_DOWN)
        upper = amount.quantize(step, rounding=ROUND_UP)
        # 1.250 fits (sent as 1.25); more decimals than the currency has is the core's problem
        if lower == amount or allowed is None or places(amount) > allowed:
            continue
        problems.append(
            Problem(
                path,
                f"Next Commerce takes amounts with at most {MONEY_DECIMALS} decimals, so "
                f"{amount} {order.currency} cannot be refunded there (it is not rounded); give "
                f"{lower} or {upper}",
            )
        )
    return problems


def shipping_excl_tax(order: Order, amount_incl_tax: Decimal) -> Decimal:
    """A tax-inclusive shipping amount as excl. tax, at the order's shipping tax ratio.

    Next Commerce takes refund shipping excl. tax; canonical shipping refunds are incl. tax.
    INFERRED: shipping tax is proportional (one rate), so excl = incl * shipping_excl/shipping_incl.
    """
    raw = order.raw if isinstance(order.raw, Mapping) else {}
    incl = decimal_of(raw.get("shipping_incl_tax"))
    excl = decimal_of(raw.get("shipping_excl_tax"))
    if incl <= 0 or excl == incl:
        return cents(amount_incl_tax)
    return cents(amount_incl_tax * excl / incl)


def _refund_shipping_body(order: Order, request: RefundRequest) -> dict[str, Any] | None:
    if request.shipping is None:
        return None
    if request.shipping.full:
        return {"full_refund": True}
    assert request.shipping.amount is not None
    return {
        "amount_excl_tax": money_string(shipping_excl_tax(order, request.shipping.amount)),
        "full_refund": False,
    }


def calculate_request(order: Order, request: RefundRequest) -> dict[str, Any]:
    """``CalculateRefundRequest`` for a prepared request (restock types filled in)."""
    body: dict[str, Any] = {
        "refund_lines": [
            {
                "line_id": platform_int(line.line_id, f"lines[{index}].line_id"),
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
            RefundLine.trusted(
                line_id=key_of(item, "line_id"),
                quantity=count_of(item.get("quantity")),
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
        shipping = RefundShipping.trusted(
            amount=money(ship.get("amount_incl_tax"), currency),
            tax=money(ship.get("total_tax"), currency),
            maximum_refundable=money(refundable, currency)
            if refundable not in (None, "")
            else None,
            raw=dict(ship),
        )
    allocations = []
    for index, item in enumerate(body.get("transactions") or []):
        amount = decimal_of(item.get("amount"))
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
                transaction_id=key_of(item, "id"),
                amount=Money.of(amount, currency),
                maximum_refundable=money(refundable, currency) if refundable is not None else None,
                gateway=item.get("gateway_name") or item.get("payment_method") or None,
                raw=dict(item),
            )
        )
    # the top-level amount_excl_tax and total_tax include shipping; canonical subtotal and tax
    # are the lines' (shipping, with its tax, is beside them)
    return RefundCalculation(
        order_id=order.id,
        request=request,
        lines=lines,
        shipping=shipping,
        transactions=allocations,
        subtotal=total_of((line.subtotal for line in lines), currency),
        tax=total_of((line.tax for line in lines), currency),
        total=money(body.get("amount_incl_tax"), currency),
        raw=dict(body),
    )


def refund_body(
    calculation: RefundCalculation, note: str | None, notify: bool, key: str | None = None
) -> dict[str, Any]:
    """``RefundOrder`` from a calculation: its allocation, lines, restock types and shipping.

    The platform has no field for an idempotency key, so ``key`` travels as a marker at the end of
    the refund's ``note`` (``"damaged [uo:KEY]"``), where a re-read of the order finds it.
    """
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
        transactions.append({"id": txn_id, "amount": money_string(allocation.amount.amount)})
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
                "line_id": platform_int(line.line_id, f"lines[{index}].line_id"),
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
            body["refund_shipping"] = {"amount_excl_tax": money_string(excl), "full_refund": False}
    text = note_with_key(note, key) if key else note
    if text:
        body["note"] = text
    body["send_refund_notification"] = notify
    return body
