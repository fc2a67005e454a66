"""Refunds: capture refunds written, handed to the payment handler, then booked on the payment.

Shopware refunds are ``order_transaction_capture_refund`` records against a capture; the core
never creates captures, so a payment taken without one cannot be refunded here (a typed error
says why). One refund request may span captures: one capture refund per capture, sharing an
``externalReference`` so they read back as one canonical refund.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from unified_orders import planning
from unified_orders.adapter import CancelOptions, Op, RefundOptions, Request
from unified_orders.errors import (
    AmbiguousWrite,
    IllegalTransition,
    InvalidRequest,
    PlatformError,
    Problem,
    ResponseLost,
    UnifiedOrdersError,
    UnsupportedOperation,
)
from unified_orders.models import (
    Money,
    Order,
    Refund,
    RefundCalculation,
    RefundLine,
    RefundLineRequest,
    RefundRequest,
    ShippingRefund,
    TransactionAllocation,
)

from . import states
from . import translate as t
from .base import NO_CAPTURE, ShopwareBase
from .platform import calculated_taxes, dec, stable_id

__all__ = ["RefundRefused", "RefundsMixin"]

Pair = tuple[dict[str, Any], dict[str, Any]]
"""A capture and the order transaction (payment) it belongs to."""


class RefundRefused(PlatformError):
    """The payment handler refused a refund and its record was cancelled: a decided outcome."""


@dataclass(frozen=True)
class RefundPlan:
    """What a refund request writes, decided before any money moves."""

    key: str
    """The idempotency key: capture refund ids and the shared reference derive from it."""
    groups: list[tuple[TransactionAllocation, list[RefundLine]]]
    """One capture refund per allocation, with the whole lines it carries."""
    bookings: dict[str, tuple[str, str | None]]
    """Payment id -> (the state it is booked to, its state now)."""
    open_state_id: str
    line_rates: dict[str, Decimal | None]
    raw: Mapping[str, Any]

    @property
    def reference(self) -> str:
        """The ``externalReference`` every capture refund of this request carries."""
        return f"{t.EXTERNAL_PREFIX}{self.key}"

    def refund_id(self, index: int) -> str:
        """The id of the ``index``-th capture refund (the first one names the canonical refund)."""
        return stable_id("refund", self.key, index)


class RefundsMixin(ShopwareBase):
    """refunds.list, refunds.create, and the refund an order cancel asks for."""

    def list_refunds(self, order_id: str) -> Op[list[Refund]]:
        """Refunds of one order (capture refunds; a multi-capture refund we wrote comes as one)."""
        order = yield from self.get_order(order_id)
        return list(order.refunds)

    def create_refund(
        self, order: Order, calculation: RefundCalculation, options: RefundOptions
    ) -> Op[Refund]:
        """Write one capture refund per allocated capture, process it, then book the payment.

        Steps: check every allocation is a capture (else a typed error saying why), check the
        payments can be moved to refunded(_partially), create ``order_transaction_capture_refund``
        with positions, call ``/_action/order_transaction_capture_refund/{id}`` (the payment
        handler moves the money), then transition the order_transaction.
        """
        raw = (
            order.raw if isinstance(order.raw, Mapping) else (yield from self._order_raw(order.id))
        )
        captures = _captures(raw)
        self._require_captures(order, raw, calculation, captures)
        if not calculation.transactions:
            raise InvalidRequest(
                [Problem("", "nothing to refund: the total is zero")], operation="refund"
            )
        groups = self._assign(calculation)
        key = options.idempotency_key or stable_id("refund", order.id, calculation.total.amount)
        # Plan the bookkeeping before moving money: each payment must be able to reach its state.
        bookings = yield from self._plan_bookings(order, calculation, captures)
        refund_states = yield from self._states(states.REFUND_MACHINE)
        plan = RefundPlan(
            key=key,
            groups=groups,
            bookings=bookings,
            open_state_id=refund_states["open"],
            line_rates=_line_rates(raw),
            raw=raw,
        )
        try:
            return (yield from self._write_and_book(order, options, plan))
        except AmbiguousWrite:
            raise
        except UnifiedOrdersError as error:
            # Once a refund record exists money may have moved: a later failure that was not a
            # decided refusal leaves the outcome open, and the caller must be told so.
            if isinstance(error, RefundRefused):
                raise
            first = plan.refund_id(0)
            exists = yield from self._refund_exists(first)
            if not exists:
                raise
            raise AmbiguousWrite(
                f"refund {first} was written on order {order.id}, but a later step failed "
                f"({error}); check the order before retrying with idempotency_key={key!r}",
                operation="refunds.create",
                idempotency_key=key,
            ) from error

    def _require_captures(
        self,
        order: Order,
        raw: Mapping[str, Any],
        calculation: RefundCalculation,
        captures: Mapping[str, Pair],
    ) -> None:
        """Refuse, saying why, an allocation to a payment that has no capture."""
        for allocation in calculation.transactions:
            if allocation.transaction_id in captures:
                continue
            txn = next(
                (x for x in raw.get("transactions") or [] if x["id"] == allocation.transaction_id),
                None,
            )
            state = t.state_name(txn) if txn else None
            raise UnsupportedOperation(
                self.platform,
                "refunds.create",
                f"order {order.id}: payment {allocation.transaction_id} (state {state}) has "
                f"no capture. {NO_CAPTURE}",
            )

    def _plan_bookings(
        self, order: Order, calculation: RefundCalculation, captures: Mapping[str, Pair]
    ) -> Op[dict[str, tuple[str, str | None]]]:
        """The state each refunded payment is booked to; refused if one cannot get there."""
        bookings: dict[str, tuple[str, str | None]] = {}
        currency = order.currency
        for allocation in calculation.transactions:
            _, txn = captures[allocation.transaction_id]
            txn_id = str(txn["id"])
            if txn_id in bookings:
                continue
            new = Money.sum(
                (
                    a.amount
                    for a in calculation.transactions
                    if captures[a.transaction_id][1]["id"] == txn_id
                ),
                currency,
            )
            amount = t.money(txn["amount"]["totalPrice"], currency)
            target = states.payment_state_after_refund(_refunded(txn, currency) + new, amount)
            state = t.state_name(txn)
            if state != target:
                yield from self._check_reachable(txn_id, state, target)
            bookings[txn_id] = (target, state)
        return bookings

    def _check_reachable(self, txn_id: str, state: str | None, target: str) -> Op[None]:
        available = yield from self._available("order_transaction", txn_id)
        offered = {str(a["toStateName"]) for a in available}
        if not states.plan_path(states.TRANSACTION_MACHINE, str(state), target, offered):
            raise IllegalTransition(
                f"payment {txn_id} is {state!r} and cannot become {target!r}, so the "
                "refund was not sent (Shopware refunds only paid payments; an authorized "
                "one is cancelled instead)",
                state=state,
                possible=sorted({str(a["actionName"]) for a in available}),
                platform=self.platform,
                code="SYSTEM__ILLEGAL_STATE_TRANSITION",
            )
        return None

    def _refund_exists(self, refund_id: str) -> Op[bool]:
        """Whether a capture refund record exists (any state); False if that cannot be read."""
        try:
            state = yield from self._refund_state(refund_id)
        except UnifiedOrdersError:
            return True  # cannot tell: treat as possibly written
        return state is not None

    def _write_and_book(self, order: Order, options: RefundOptions, plan: RefundPlan) -> Op[Refund]:
        """Write and process each capture refund, move the payments, and read the refund back."""
        currency = order.currency
        for index, (allocation, lines) in enumerate(plan.groups):
            refund_id = plan.refund_id(index)
            lines_total = Money.sum((line.total for line in lines), currency)
            shipping_part = allocation.amount - lines_total
            body = t.refund_to_platform(
                refund_id=refund_id,
                capture_id=allocation.transaction_id,
                open_state_id=plan.open_state_id,
                reference=plan.reference,
                reason=options.note,
                lines=lines,
                line_rates=plan.line_rates,
                amount=allocation.amount,
                shipping_taxes=self._shipping_taxes(plan.raw, shipping_part),
            )
            yield from self._write_refund(refund_id, body)
            yield from self._process_refund(refund_id)
        for txn_id, (target, state) in plan.bookings.items():
            if state != target:
                yield from self.transition(
                    "order_transaction", txn_id, target, current=state, notify=options.notify
                )
        after = yield from self.get_order(order.id)
        first = plan.refund_id(0)
        for refund in after.refunds:
            if refund.id == first:
                return refund
        raise AmbiguousWrite(  # pragma: no cover - the refund was just written
            f"refund {first} was written but is not on order {order.id}",
            operation="refunds.create",
            idempotency_key=plan.key,
        )

    @staticmethod
    def _assign(
        calculation: RefundCalculation,
    ) -> list[tuple[TransactionAllocation, list[RefundLine]]]:
        """Put each refunded line on one capture whose allocation can hold it (whole lines)."""
        allocations = list(calculation.transactions)
        room = [a.amount for a in allocations]
        assigned: list[list[RefundLine]] = [[] for _ in allocations]
        for line in calculation.lines:
            for index, left in enumerate(room):
                if left >= line.total:
                    assigned[index].append(line)
                    room[index] = left - line.total
                    break
            else:
                raise UnsupportedOperation(
                    "shopware",
                    "refunds.create",
                    f"line {line.line_id} ({line.total}) does not fit on any one capture of this "
                    "refund; Shopware refund positions belong to one capture. Refund the lines "
                    "in separate requests",
                )
        return list(zip(allocations, assigned, strict=True))

    @staticmethod
    def _shipping_taxes(raw: Mapping[str, Any], part: Money) -> list[dict[str, Any]]:
        if part.amount <= 0:
            return []
        gross = t.shipping_gross(raw)
        taxes = calculated_taxes(raw.get("shippingCosts"))
        if not gross or not taxes:
            return []
        result = []
        for tax in taxes:
            share = (dec(tax["tax"]) * part.amount / gross).quantize(part.quantum, ROUND_HALF_UP)
            result.append({"tax": share, "taxRate": dec(tax["taxRate"]), "price": part.amount})
        return result

    def _refund_state(self, refund_id: str) -> Op[str | None]:
        hits = yield from self._search(
            "order-transaction-capture-refund",
            {"ids": [refund_id], "associations": {"stateMachineState": {}}},
        )
        return t.state_name(hits[0]) if hits else None

    def _write_refund(self, refund_id: str, body: Mapping[str, Any]) -> Op[None]:
        for attempt in range(2):
            try:
                yield Request("POST", "order-transaction-capture-refund", json=dict(body))
                return None
            except ResponseLost:
                state = yield from self._refund_state(refund_id)
                if state is not None:
                    return None
                if attempt:
                    raise
        return None  # pragma: no cover

    def _process_refund(self, refund_id: str) -> Op[None]:
        """Hand the refund to the payment handler; on refusal, cancel the unprocessed record."""
        try:
            yield Request("POST", f"_action/order_transaction_capture_refund/{refund_id}")
        except ResponseLost:
            state = yield from self._refund_state(refund_id)
            if state == "open":
                yield Request("POST", f"_action/order_transaction_capture_refund/{refund_id}")
        except PlatformError as error:
            state = yield from self._refund_state(refund_id)
            if state == "open":
                yield from self.transition(
                    "order_transaction_capture_refund", refund_id, "cancelled", current="open"
                )
            raise RefundRefused(
                f"the payment handler refused refund {refund_id} ({error.message}); the refund "
                f"record is now {'cancelled' if state == 'open' else state}. Refund through the "
                "payment provider instead",
                status=error.status,
                code=error.code,
                platform=self.platform,
                problems=error.problems,
                details=error.details,
            ) from error
        return None

    def _refund_everything(
        self, order: Order, raw: Mapping[str, Any], options: CancelOptions
    ) -> Op[None]:
        """Refund every refundable unit and the shipping left (an order cancel asked for it)."""
        lines = [
            RefundLineRequest(line_id=line.id, quantity=line.refundable_quantity)
            for line in order.lines
            if line.refundable_quantity > 0
        ]
        shipping = (
            ShippingRefund(full=True) if planning.shipping_remaining(order).amount > 0 else None
        )
        if not lines and shipping is None:
            return None
        request = planning.prepare(
            order,
            RefundRequest(lines=lines, shipping=shipping),
            self.restock_policy,
            partial_refund_needs_capture=False,
        )
        calculation = planning.calculate(order, request)
        key = f"cancel:{options.idempotency_key}"
        yield from self.create_refund(
            order, calculation, RefundOptions(note=options.reason, idempotency_key=key)
        )
        return None


def _captures(raw: Mapping[str, Any]) -> dict[str, Pair]:
    """Every capture of the order by id, with its payment."""
    captures: dict[str, Pair] = {}
    for txn in raw.get("transactions") or []:
        for capture in txn.get("captures") or []:
            captures[str(capture["id"])] = (dict(capture), dict(txn))
    return captures


def _refunded(txn: Mapping[str, Any], currency: str) -> Money:
    """What a payment's captures already paid back (refunds whose money left)."""
    return Money.sum(
        (
            t.money(r["amount"]["totalPrice"], currency)
            for c in txn.get("captures") or []
            for r in c.get("refunds") or []
            if (t.state_name(r) or "open") not in states.DEAD_REFUND_STATES
        ),
        currency,
    )


def _line_rates(raw: Mapping[str, Any]) -> dict[str, Decimal | None]:
    """Each line's tax rate where it has exactly one (None where it has several)."""
    return {
        str(li["id"]): (dec(taxes[0]["taxRate"]) if len(taxes) == 1 else None)
        for li in raw.get("lineItems") or []
        if (taxes := calculated_taxes(li.get("price")))
    }
