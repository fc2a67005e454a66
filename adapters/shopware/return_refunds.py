"""Returns that end in money: adding items, the return calculator, processing into a refund.

- Adding items: lines not in the return go through the Commercial add-items action; a line
  already in it grows by ``PATCH order-return-line-item/{id}`` (quantity and its pro-rata price).
  The platform notes and the sandbox have add-items refuse a line already in the return ("This
  order line item is already part of the return", shopware#13555), while the quick-start guide says
  it increases the quantity; the patch gives the same result on either. INFERRED: the price
  patched is the order line's, pro rata, as Commercial prices an item when it is added.
  Then the calculator runs, so the return's price matches its items. A lost answer is settled
  by the core, which re-reads the return's quantities.
- Calculating: ``POST _action/order/return/{id}/calculate``, then the return is read back. Its
  items (not cancelled) are a refund request planned over the order's captures as every Shopware
  refund is (:func:`unified_orders.planning.calculate`). An item the calculator prices lower than
  what was paid for its units pays back its own price; one priced higher pays what was paid (the
  order's promotions: INFERRED, the calculator prices items at the line's price before them). The
  return's ``amountTotal`` must agree with its items and shipping (one minor unit per line of
  rounding), else a typed ``calculation_mismatch`` error.
- Processing: refund first, then the return to ``done`` with its items ``returned``. The refund is
  the exactly-once capture refund of :mod:`.refunds` (ids derived from the key; the key in
  ``externalReference``), linked to the return in ``customFields`` (``RETURN_FIELD`` of
  :mod:`.translate.refunds`). Refund first, so a refund the payment handler refuses leaves the
  return open, and a crash between the two is recovered by running it again with the same key:
  the refund carrying the key is found, never made twice, and the return is closed. A refund
  linked to the return under another key is refused, never adopted. ``restock="return"`` records
  the units as restocked on the return's items (``restockQuantity``); Shopware has no restock
  switch on returns, and whether stock moves is the shop's own rule (INFERRED: core Shopware
  moves no stock for it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from unified_orders import planning
from unified_orders.adapter import Capability, Op, RefundOptions, Request, ReturnProcessOptions
from unified_orders.errors import (
    InvalidRequest,
    NotFound,
    PlatformError,
    Problem,
    RefundFailed,
)
from unified_orders.models import (
    Money,
    Order,
    Refund,
    RefundCalculation,
    RefundLineRequest,
    RefundRequest,
    RefundStatus,
    Restock,
    Return,
    ReturnLineRequest,
    ShippingRefund,
)
from unified_orders.writes import exactly_once, find_refund, finished_refund

from . import translate as t
from .platform import RETURNABLE_LINE_TYPES, calculated_taxes, dec, is_id, stable_id, tax_total
from .refunds import RefundsMixin
from .return_reads import ReturnReadsMixin
from .translate.values import calculated_price

__all__ = ["ReturnRefundsMixin"]

#: Return states that take no more items and cannot be processed (INFERRED for add-items: the
#: notes name no such rule; adding to a finished return would change what was settled).
CLOSED = frozenset({"done", "cancelled"})


class ReturnRefundsMixin(ReturnReadsMixin, RefundsMixin):
    """returns.add_items, returns.calculate, returns.process and refunds.get."""

    # --- adding items --------------------------------------------------------------------------
    def add_return_items(self, ret: Return, lines: Sequence[ReturnLineRequest]) -> Op[Return]:
        """Add units of order lines to a return; a line already in it grows."""
        wanted = _check_items(ret, lines)
        order = yield from self.get_order(ret.order_id)
        _check_types(order, wanted)
        current = {line.line_id: line for line in ret.lines}
        new = [w for w in wanted if w.line_id not in current]
        grown = [w for w in wanted if w.line_id in current]
        if new:
            yield from self._add_new_items(ret, new)
        raw = order.raw if isinstance(order.raw, Mapping) else {}
        prices = {str(li["id"]): li for li in raw.get("lineItems") or []}
        for w in grown:
            item = current[w.line_id]
            body = _grown_item(prices[w.line_id], item.quantity + w.quantity, order.currency)
            if w.note:
                body["internalComment"] = w.note
            yield from self._commercial_call(
                Request("PATCH", f"order-return-line-item/{item.id}", json=body, retry_safe=True),
                Capability.RETURNS_ADD_ITEMS,
                route_only=False,
            )
        yield from self._calculate_action(ret.id, Capability.RETURNS_ADD_ITEMS)
        return (yield from self.get_return(ret.id))

    def _add_new_items(self, ret: Return, new: list[ReturnLineRequest]) -> Op[None]:
        """The add-items action. Not repeatable (it adds units): a lost answer goes to the core,
        which settles it by re-reading the return's quantities."""
        body = {
            "orderLineItems": [
                {
                    "orderLineItemId": w.line_id,
                    "quantity": w.quantity,
                    **({"internalComment": c} if (c := w.note or w.reason) else {}),
                }
                for w in new
            ]
        }
        yield from self._commercial_call(
            Request(
                "POST", f"_action/order/{ret.order_id}/order-return/{ret.id}/add-items", json=body
            ),
            Capability.RETURNS_ADD_ITEMS,
            route_only=True,
        )
        return None

    def _calculate_action(self, return_id: str, operation: Capability) -> Op[None]:
        """The return calculator (it recomputes ``price``, ``amountTotal`` and ``amountNet``)."""
        yield from self._commercial_call(
            Request("POST", f"_action/order/return/{return_id}/calculate", retry_safe=True),
            operation,
            route_only=True,
        )
        return None

    # --- calculating ---------------------------------------------------------------------------
    def calculate_return(self, ret: Return, order: Order) -> Op[RefundCalculation]:
        """What refunding the return pays back, by the return calculator, allocated over the
        order's captures."""
        yield from self._calculate_action(ret.id, Capability.RETURNS_CALCULATE)
        raw = yield from self._return_raw(ret.id, Capability.RETURNS_CALCULATE)
        items = [
            item
            for item in raw.get("lineItems") or []
            if t.state_name(item, "state") != "cancelled" and int(item.get("quantity") or 0) > 0
        ]
        if not items:
            raise InvalidRequest(
                [Problem("return_id", f"return {ret.id} has no items to refund")],
                operation="returns.calculate",
            )
        cur = t.order_amounts(order.raw if isinstance(order.raw, Mapping) else {})
        cur = cur if cur.currency == order.currency else t.Amounts(order.currency)
        shipping = cur((raw.get("shippingCosts") or {}).get("totalPrice"))
        request = RefundRequest(
            lines=[
                RefundLineRequest(
                    line_id=str(item["orderLineItemId"]),
                    quantity=int(item["quantity"]),
                    restock=Restock.NO_RESTOCK,
                )
                for item in items
            ],
            shipping=ShippingRefund(amount=shipping.amount) if shipping.amount > 0 else None,
        )
        quantum = Money.zero(order.currency).quantum
        total = cur(raw.get("amountTotal"))
        priced = sum((_gross(item, raw) for item in items), shipping.amount)
        if abs(total.amount - priced) > quantum * len(items):
            raise PlatformError(
                f"return {ret.id}: the return calculator's total is {total.amount}, its items and "
                f"shipping come to {priced}",
                platform=self.platform,
                code="calculation_mismatch",
                problems=[Problem("amountTotal", f"{total.amount} != {priced}")],
            )
        calculation = self._planned(order, request)
        # an item the calculator prices lower than what was paid for its units pays back its own
        # price; one priced higher (the line before the order's promotions) pays what was paid
        lower = {
            str(item["orderLineItemId"]): gross
            for item in items
            for gross in [_gross(item, raw)]
            for line in calculation.lines
            if line.line_id == str(item["orderLineItemId"]) and gross < line.total.amount - quantum
        }
        if lower:
            request = request.model_copy(
                update={
                    "lines": [
                        line.model_copy(update={"amount": lower.get(line.line_id)})
                        for line in request.lines
                    ]
                }
            )
            calculation = self._planned(order, request)
        return calculation

    def _planned(self, order: Order, request: RefundRequest) -> RefundCalculation:
        prepared = planning.prepare(
            order,
            request,
            self.restock_policy,
            partial_refund_needs_capture=self.partial_refund_needs_capture,
            platform_problems=self.refund_problems(order, request),
        )
        calculation = planning.calculate(order, prepared)
        planning.cross_check(calculation, prepared, self.platform)
        return calculation

    # --- processing ----------------------------------------------------------------------------
    def process_return(
        self,
        ret: Return,
        order: Order,
        calculation: RefundCalculation | None,
        options: ReturnProcessOptions,
    ) -> Op[tuple[Return, Refund | None]]:
        """Refund what the return calculates (exactly once), record restocked units, then move
        the return to ``done`` and its items to ``returned``."""
        _check_processable(ret, options)
        key = options.idempotency_key or stable_id("return-refund", ret.id)
        refund = next((r for r in order.refunds if r.idempotency_key == key), None)
        if refund is None and calculation is not None and calculation.total.amount > 0:
            _check_not_refunded(order, ret, key)
            refund = yield from self._refund_return(ret, order, calculation, options, key)
        if refund is not None:
            refund = yield from finished_refund(
                self, order, refund, refund.idempotency_key or key, notify=options.notify
            )
            if refund.status in (RefundStatus.FAILURE, RefundStatus.PENDING):
                moved = (
                    "no money has moved"
                    if refund.status is RefundStatus.FAILURE
                    else "money may yet move (never refund it again under another key)"
                )
                raise RefundFailed(
                    f"refund {refund.id} for return {ret.id} is {refund.status.value} on the "
                    f"platform; {moved} and the return stays {ret.platform_status}. "
                    f"Processing again with idempotency_key={key!r} returns this refund",
                    refund=refund,
                )
        if options.restock is Restock.RETURN:
            for line in ret.lines:
                yield from self._commercial_call(
                    Request(
                        "PATCH",
                        f"order-return-line-item/{line.id}",
                        json={"restockQuantity": line.quantity},
                        retry_safe=True,
                    ),
                    Capability.RETURNS_PROCESS,
                    route_only=False,
                )
        if ret.platform_status != "done":
            yield from self.transition(
                "order_return",
                ret.id,
                "done",
                current=ret.platform_status,
                notify=options.notify,
                comment=options.note,
            )
        if ret.lines:
            yield from self._lines_returned(
                [line.id for line in ret.lines], Capability.RETURNS_PROCESS
            )
        return (yield from self.get_return(ret.id)), refund

    def _refund_return(
        self,
        ret: Return,
        order: Order,
        calculation: RefundCalculation,
        options: ReturnProcessOptions,
        key: str,
    ) -> Op[Refund]:
        refund_options = RefundOptions(
            note=options.note, notify=options.notify, idempotency_key=key
        )
        refund = yield from exactly_once(
            lambda: self._refund(order, calculation, refund_options, ret.id),
            lambda: find_refund(self, order, calculation, key),
            operation="returns.process",
            idempotency_key=key,
            settle=self.settings.settle,
        )
        return refund.model_copy(update={"idempotency_key": key})

    # --- refunds.get ---------------------------------------------------------------------------
    def get_refund(self, refund_id: str) -> Op[Refund]:
        """One refund by the id of a capture refund (any of those a multi-capture refund we
        wrote is made of: it reads as the one canonical refund)."""
        refund_id = self._check_id(refund_id, "refund_id")
        hits = yield from self._search(
            "order-transaction-capture-refund",
            {
                "ids": [refund_id],
                "associations": {"transactionCapture": {"associations": {"transaction": {}}}},
            },
        )
        hit = next((h for h in hits if h.get("id") == refund_id), None)
        if hit is None:
            raise NotFound(f"refund {refund_id} not found", status=404, platform=self.platform)
        txn = (hit.get("transactionCapture") or {}).get("transaction") or {}
        order_id = txn.get("orderId")
        if not isinstance(order_id, str):
            raise self._unreadable(f"the order of capture refund {refund_id}")
        order = yield from self.get_order(order_id)
        for refund in order.refunds:
            if any(part.id == refund_id for part in refund.transactions):
                return refund
        # deleted between the two reads
        raise NotFound(f"refund {refund_id} not found", status=404, platform=self.platform)


def _check_items(ret: Return, lines: Sequence[ReturnLineRequest]) -> list[ReturnLineRequest]:
    """The lines asked for, refused before any request when malformed."""
    problems: list[Problem] = []
    if not lines:
        problems.append(Problem("lines", "give at least one line"))
    if ret.platform_status in CLOSED:
        problems.append(
            Problem(
                "return_id",
                f"return {ret.id} is {ret.platform_status} and takes no more items; reopen it "
                "first (returns.reopen)",
            )
        )
    seen: set[str] = set()
    for index, wanted in enumerate(lines):
        if not is_id(wanted.line_id.strip().lower()):
            problems.append(
                Problem(f"lines[{index}].line_id", f"{wanted.line_id!r} is not a Shopware id")
            )
        if wanted.line_id in seen:
            problems.append(
                Problem(f"lines[{index}].line_id", f"line {wanted.line_id!r} appears twice")
            )
        seen.add(wanted.line_id)
        if wanted.quantity < 1:
            problems.append(Problem(f"lines[{index}].quantity", "must be at least 1"))
    if problems:
        raise InvalidRequest(problems, operation="returns.add_items")
    return [w.model_copy(update={"line_id": w.line_id.strip().lower()}) for w in lines]


def _check_types(order: Order, wanted: Sequence[ReturnLineRequest]) -> None:
    """Lines of the order of a type Commercial returns take (product, custom, container)."""
    problems: list[Problem] = []
    for index, w in enumerate(wanted):
        line = order.line(w.line_id)
        if line is None:
            problems.append(
                Problem(f"lines[{index}].line_id", f"order {order.id} has no line {w.line_id}")
            )
            continue
        kind = line.raw.get("type") if isinstance(line.raw, Mapping) else None
        if kind not in RETURNABLE_LINE_TYPES:
            problems.append(Problem(f"lines[{index}].line_id", f"a {kind} line cannot be returned"))
    if problems:
        raise InvalidRequest(problems, operation="returns.add_items")


def _grown_item(line: Mapping[str, Any], quantity: int, currency: str) -> dict[str, Any]:
    """The patch of a return item grown to ``quantity`` units: its price, pro rata."""
    price = line.get("price") or {}
    share = Decimal(quantity) / Decimal(int(line["quantity"]))
    total = Money.of(dec(price.get("totalPrice")) * share, currency).rounded().amount
    taxes = [
        {
            "tax": Money.of(dec(tax.get("tax")) * share, currency).rounded().amount,
            "taxRate": dec(tax.get("taxRate")),
            "price": Money.of(dec(tax.get("price")) * share, currency).rounded().amount,
        }
        for tax in calculated_taxes(price)
    ]
    return {
        "quantity": quantity,
        "price": calculated_price(dec(price.get("unitPrice")), total, quantity, taxes),
        "refundAmount": total,
    }


def _gross(item: Mapping[str, Any], raw: Mapping[str, Any]) -> Decimal:
    """An item's price with tax, whatever the return's tax status."""
    price = item.get("price") or {}
    total = dec(price.get("totalPrice"))
    status = (raw.get("price") or {}).get("taxStatus")
    return total + tax_total(price) if status == "net" else total


def _check_not_refunded(order: Order, ret: Return, key: str) -> None:
    """A return pays out once: a live refund linked to it under another key is not ours to
    adopt, and a second refund would pay twice."""
    for refund in order.refunds:
        if refund.return_id == ret.id and refund.status is not RefundStatus.FAILURE:
            raise InvalidRequest(
                [
                    Problem(
                        "idempotency_key",
                        f"return {ret.id} was already refunded by refund {refund.id} under "
                        f"another key ({refund.idempotency_key!r}, not {key!r}); process it with "
                        "that key, or with refund=False to close it",
                    )
                ],
                operation="returns.process",
            )


def _check_processable(ret: Return, options: ReturnProcessOptions) -> None:
    problems: list[Problem] = []
    if ret.platform_status == "cancelled":
        problems.append(
            Problem("return_id", f"return {ret.id} is cancelled; reopen it before processing")
        )
    if not ret.lines:
        problems.append(Problem("return_id", f"return {ret.id} has no items"))
    if options.restock is Restock.CANCEL:
        problems.append(
            Problem("restock", "returned units come back: restock 'return' or 'no_restock'")
        )
    if problems:
        raise InvalidRequest(problems, operation="returns.process")
