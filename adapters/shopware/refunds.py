"""Refunds: capture refunds written, handed to the payment handler, then booked on the payment.

Shopware refunds are ``order_transaction_capture_refund`` records against a capture; the core
never creates captures, so a payment taken without one cannot be refunded here (a typed error
says why). One refund request may span captures (:mod:`.assign` says which lines, or parts of
lines, each capture pays back): one capture refund per capture, sharing the ``externalReference``
``unified-orders:{idempotency key}`` so they read back as one canonical refund carrying the key.
A line refunded for less is a position carrying the money paid back; an amount-only refund is a
capture refund with no positions, its shipping part (none) named in ``customFields`` so it reads
back as a refund discrepancy, not as shipping (:func:`.assign.beyond_lines`).

Exactly once: capture refund ids derive from the key, Shopware refuses a second insert of an id,
and the payment handler processes a refund only while it is ``open``. So every step can be
checked and resumed by reading the record back: a lost answer is followed by a re-read (with
settle pauses) of that record, and a re-read that fails is an :class:`AmbiguousWrite`, never "not
written". A refusal of the process call is judged by the record's state afterwards: ``completed``
means the refund went through.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from unified_orders import planning
from unified_orders.adapter import CancelOptions, Op, Pause, RefundOptions, Request
from unified_orders.errors import (
    AmbiguousWrite,
    IllegalTransition,
    InvalidRequest,
    PlatformError,
    Problem,
    RefundFailed,
    ResponseLost,
    UnifiedOrdersError,
    UnsupportedOperation,
)
from unified_orders.models import (
    Money,
    Order,
    Refund,
    RefundCalculation,
    RefundLineRequest,
    RefundRequest,
    RefundStatus,
    ShippingRefund,
)
from unified_orders.writes import finished_refund, refunds_with_key

from . import states
from . import translate as t
from .assign import CaptureShare, assign, beyond_lines
from .base import NO_CAPTURE, ShopwareBase
from .platform import calculated_taxes, dec, stable_id

__all__ = ["RefundRefused", "RefundsMixin"]

log = logging.getLogger("unified_orders.shopware")

Pair = tuple[dict[str, Any], dict[str, Any]]
"""A capture and the order transaction (payment) it belongs to."""
PASSED = frozenset({"in_progress", "completed"})
"""Capture refund states the payment handler has taken over: the refund went through."""
ABSENT: frozenset[str | None] = frozenset({None})
"""Re-read a lost create while the record is not there yet."""
UNPROCESSED: frozenset[str | None] = frozenset({None, "open"})
"""Re-read a lost process call while the record is not processed yet."""


class RefundRefused(PlatformError):
    """The payment handler refused a refund and its record was cancelled: a decided outcome."""


@dataclass(frozen=True)
class RefundPlan:
    """What a refund request writes, decided before any money moves."""

    key: str
    """The idempotency key: capture refund ids and the shared reference derive from it."""
    shares: list[CaptureShare]
    """One capture refund per allocation, with the line parts it carries."""
    extras: list[tuple[Money, Money]]
    """What each capture refund pays beyond its lines: (shipping, an amount with no line)."""
    bookings: dict[str, tuple[str, str | None]]
    """Payment id -> (the state it is booked to, its state now)."""
    open_state_id: str
    line_rates: dict[str, Decimal | None]
    raw: Mapping[str, Any]
    return_id: str | None = None
    """The Commercial return the refund pays for (kept in ``customFields``), if any."""

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
        return (yield from self._refund(order, calculation, options, None))

    def _refund(
        self,
        order: Order,
        calculation: RefundCalculation,
        options: RefundOptions,
        return_id: str | None,
    ) -> Op[Refund]:
        """:meth:`create_refund`, linking the refund to ``return_id`` where it pays for a return."""
        raw = (
            order.raw if isinstance(order.raw, Mapping) else (yield from self._order_raw(order.id))
        )
        captures = _captures(raw)
        self._require_captures(order, raw, calculation, captures)
        if not calculation.transactions:
            raise InvalidRequest(
                [Problem("", "nothing to refund: the total is zero")], operation="refund"
            )
        key = options.idempotency_key or stable_id("refund", order.id, calculation.total.amount)
        # Plan the bookkeeping before moving money: each payment must be able to reach its state.
        bookings = yield from self._plan_bookings(order, calculation, captures)
        shares = assign(calculation)
        shipping = calculation.shipping.amount if calculation.shipping else None
        plan = RefundPlan(
            key=key,
            shares=shares,
            extras=beyond_lines(shares, shipping or Money.zero(order.currency)),
            bookings=bookings,
            open_state_id=(yield from self._state_id(states.REFUND_MACHINE, "open")),
            line_rates=_line_rates(raw),
            raw=raw,
            return_id=return_id,
        )
        ids = [plan.refund_id(index) for index in range(len(plan.shares))]
        # every record first, then the money: a writer that stops leaves a whole set of open
        # records (the same key finishes it) or a set short of PARTS_FIELD, none of it processed
        for index, share in enumerate(plan.shares):
            try:
                yield from self._write_refund(plan, index, share, options)
            except AmbiguousWrite:
                raise  # a lost first write (ResponseLost) is the core's to reconcile by key
            except UnifiedOrdersError:
                yield from self._cancel_unprocessed(ids[:index])  # no money has moved
                raise
        yield from self._process_all(order.id, key, ids, set(ids))
        yield from self._book(plan.bookings, ids[0], options)
        return (yield from self._read_back(order.id, ids[0], key))

    def resume_refund(self, order: Order, refund: Refund, options: RefundOptions) -> Op[Refund]:
        """Finish ``refund``, whose writer stopped between its steps (the core calls this only
        once nobody can be processing it: an open record is never processed while its handler
        may be running). A whole set of capture refunds: the open ones are processed and the
        payments booked. A set short of its :data:`~.translate.PARTS_FIELD` (the writer stopped
        while writing it, so none was processed): its records are cancelled, and it reads back
        failed, no money moved."""
        key = str(options.idempotency_key)
        raw = (
            order.raw if isinstance(order.raw, Mapping) else (yield from self._order_raw(order.id))
        )
        ours = {
            str(r["id"]): r
            for r in _capture_refunds(raw)
            if r.get("externalReference") == f"{t.EXTERNAL_PREFIX}{key}"
        }
        parts = max((_parts(r) for r in ours.values()), default=0)
        ids = [stable_id("refund", key, index) for index in range(max(parts, len(ours)))]
        if not ours or set(ours) - set(ids):
            return refund  # not written under the ids this key derives: not ours to process
        unprocessed = {i for i in ids if i in ours and (t.state_name(ours[i]) or "open") == "open"}
        if len(ours) < parts:
            yield from self._cancel_unprocessed([i for i in ids if i in unprocessed])
            return (yield from self._read_back(order.id, ids[0], key))
        yield from self._process_all(order.id, key, ids, unprocessed)
        after = yield from self._order_raw(order.id)
        cur = t.order_amounts(after)
        bookings = {
            str(txn["id"]): (
                states.payment_state_after_refund(
                    _refunded(txn, cur), cur(txn["amount"]["totalPrice"])
                ),
                t.state_name(txn),
            )
            for txn in after.get("transactions") or []
            if any(str(r["id"]) in ours for r in _capture_refunds({"transactions": [txn]}))
        }
        yield from self._book(bookings, ids[0], options)
        return (yield from self._read_back(order.id, ids[0], key))

    def _process_all(self, order_id: str, key: str, ids: list[str], todo: set[str]) -> Op[None]:
        """Process the capture refunds ``ids`` named in ``todo``, in order. A refusal cancels
        the ones not reached (so nothing of the request pays later); after one was paid it is
        an :class:`AmbiguousWrite` naming them. A lost answer leaves the rest open: the handler
        may yet pay that one, and the same key finishes the set."""
        for index, refund_id in enumerate(ids):
            if refund_id not in todo:
                continue
            try:
                yield from self._process_refund(refund_id, key)
            except AmbiguousWrite:
                raise
            except UnifiedOrdersError as error:
                yield from self._cancel_unprocessed([i for i in ids[index + 1 :] if i in todo])
                if index == 0:
                    raise  # decided before any money moved (a refusal)
                raise AmbiguousWrite(
                    f"refund {ids[0]} on order {order_id} paid back part of the request, then "
                    f"capture refund {refund_id} failed ({error}); the rest were cancelled. Check "
                    f"the order before retrying with idempotency_key={key!r}",
                    operation="refunds.create",
                    idempotency_key=key,
                    candidates=ids[: index + 1],
                ) from error
        return None

    def _cancel_unprocessed(self, ids: list[str]) -> Op[None]:
        """Cancel open capture refunds no handler was given, so none can pay later; one that
        cannot be cancelled is logged (it stays open, for the same key to find)."""
        for refund_id in ids:
            try:
                yield from self.transition(
                    "order_transaction_capture_refund", refund_id, "cancelled", current="open"
                )
            except UnifiedOrdersError as error:
                log.warning(
                    "shopware: capture refund %s could not be cancelled: %s", refund_id, error
                )
        return None

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
        cur = t.order_amounts(order.raw if isinstance(order.raw, Mapping) else {})
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
                order.currency,
            )
            amount = cur(txn["amount"]["totalPrice"])
            target = states.payment_state_after_refund(_refunded(txn, cur) + new, amount)
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

    # --- the steps, each checked by reading the record back ----------------------------------
    def _refund_state(self, refund_id: str) -> Op[str | None]:
        """The state of a capture refund, None when it does not exist; raises when unreadable."""
        hits = yield from self._search(
            "order-transaction-capture-refund",
            {"ids": [refund_id], "associations": {"stateMachineState": {}}},
        )
        hits = [hit for hit in hits if hit.get("id") == refund_id]
        if not hits:
            return None
        state = t.state_name(hits[0])
        if state is None:
            raise self._unreadable(f"the state of capture refund {refund_id}")
        return state

    def _read_state(
        self, refund_id: str, after: str, key: str, wait_while: frozenset[str | None] = frozenset()
    ) -> Op[str | None]:
        """The record's state after ``after`` went wrong, read again after each settle pause
        while it is in ``wait_while`` (the shop may apply a write late). A read that fails is an
        :class:`AmbiguousWrite`: "cannot tell" is never "not there"."""
        pauses = list(self.settings.settle) if wait_while else []
        while True:
            try:
                state = yield from self._refund_state(refund_id)
            except UnifiedOrdersError as error:
                raise AmbiguousWrite(
                    f"{after}, and reading capture refund {refund_id} back failed too ({error}); "
                    f"check the order before retrying with idempotency_key={key!r}",
                    operation="refunds.create",
                    idempotency_key=key,
                    candidates=[refund_id],
                ) from error
            if state not in wait_while or not pauses:
                return state
            yield Pause(seconds=pauses.pop(0))

    def _write_refund(
        self, plan: RefundPlan, index: int, share: CaptureShare, options: RefundOptions
    ) -> Op[None]:
        """Create the ``index``-th capture refund; done once the shop holds a record of that id."""
        refund_id = plan.refund_id(index)
        allocation, parts = share
        shipping_part, unlined = plan.extras[index]
        body = t.refund_to_platform(
            refund_id=refund_id,
            capture_id=allocation.transaction_id,
            open_state_id=plan.open_state_id,
            reference=plan.reference,
            reason=options.note,
            parts=parts,
            line_rates=plan.line_rates,
            amount=allocation.amount,
            shipping_taxes=self._shipping_taxes(plan.raw, shipping_part),
            shipping=shipping_part if unlined.amount > 0 else None,
            return_id=plan.return_id,
            of=len(plan.shares),
        )
        for attempt in range(2):
            try:
                yield Request("POST", "order-transaction-capture-refund", json=dict(body))
                return None
            except ResponseLost as lost:
                state = yield from self._read_state(
                    refund_id, f"creating {refund_id}", plan.key, ABSENT
                )
                if state is not None:
                    return None
                if attempt and index == 0:
                    raise  # nothing of this request exists: the core re-reads by key and decides
                if attempt:
                    raise AmbiguousWrite(
                        f"capture refund {refund_id} was lost twice ({lost})",
                        operation="refunds.create",
                        idempotency_key=plan.key,
                    ) from lost
            except PlatformError:
                # A refusal, unless our own earlier write landed late and this is its duplicate.
                state = yield from self._read_state(
                    refund_id, f"creating {refund_id} was refused", plan.key
                )
                if state is None:
                    raise
                return None
        return None  # pragma: no cover

    def _process_refund(self, refund_id: str, key: str) -> Op[None]:
        """Hand the refund to the payment handler (Shopware processes only an ``open`` record).

        The call is never repeated: a handler still talking to the payment provider leaves the
        record ``open``, and a second call would refund twice. After a lost answer the record is
        read back (with settle pauses): in progress or completed, it went through; still open, the
        outcome is an :class:`AmbiguousWrite`. A refusal is judged the same way: in progress or
        completed, it went through (our call was late or repeated); open, the handler refused
        and the unprocessed record is cancelled; failed or cancelled, it is refused.
        """
        try:
            yield Request("POST", f"_action/order_transaction_capture_refund/{refund_id}")
        except ResponseLost as lost:
            state = yield from self._read_state(
                refund_id, f"processing {refund_id}", key, UNPROCESSED
            )
            if state in PASSED:
                return None
            if state == "open":
                raise AmbiguousWrite(
                    f"the answer to processing capture refund {refund_id} was lost ({lost}) and "
                    "the record is still open: the payment handler may yet refund it, so it is "
                    "not processed again. Check it in the administration (process or cancel it)",
                    operation="refunds.create",
                    idempotency_key=key,
                    candidates=[refund_id],
                ) from lost
            raise self._refused(refund_id, state, None) from lost
        except PlatformError as error:
            state = yield from self._read_state(refund_id, f"processing {refund_id} failed", key)
            if state in PASSED:
                return None
            if state == "open":
                yield from self.transition(
                    "order_transaction_capture_refund", refund_id, "cancelled", current="open"
                )
                state = "cancelled"
            if isinstance(error, IllegalTransition):
                error = yield from self._state_named(error, states.REFUND_MACHINE)
            raise self._refused(refund_id, state, error) from error
        return None

    def _refused(
        self, refund_id: str, state: str | None, error: PlatformError | None
    ) -> RefundRefused:
        why = f" ({error.message})" if error is not None else ""
        return RefundRefused(
            f"the payment handler refused refund {refund_id}{why}; the refund record is now "
            f"{state or 'gone'}. Refund through the payment provider instead",
            status=error.status if error else None,
            code=error.code if error else None,
            platform=self.platform,
            problems=error.problems if error else (),
            details=error.details if error else None,
        )

    def _book(
        self, bookings: Mapping[str, tuple[str, str | None]], first: str, options: RefundOptions
    ) -> Op[None]:
        """Move each refunded payment to refunded(_partially). The money has moved by now, so a
        failure here does not undo or hide the refund: it is logged, and the next refund or
        cancel of the order books the payment from the refunds it reads."""
        for txn_id, (target, state) in bookings.items():
            if state == target:
                continue
            try:
                yield from self.transition(
                    "order_transaction", txn_id, target, current=state, notify=options.notify
                )
            except UnifiedOrdersError as error:
                log.warning(
                    "shopware: refund %s was made, but payment %s could not be booked as %s: %s",
                    first,
                    txn_id,
                    target,
                    error,
                )
        return None

    def _read_back(self, order_id: str, first: str, key: str) -> Op[Refund]:
        """The canonical refund just made (``first``: the id of its first capture refund); a
        failed read leaves it to the core's re-read by key."""
        try:
            after = yield from self.get_order(order_id)
        except UnifiedOrdersError as error:
            raise ResponseLost(
                f"refund {first} was made on order {order_id}, but reading it back failed ({error})"
            ) from error
        for refund in after.refunds:
            if refund.id == first:
                return refund
        raise AmbiguousWrite(  # pragma: no cover - the refund was just written
            f"refund {first} was written but is not on order {order_id}",
            operation="refunds.create",
            idempotency_key=key,
        )

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

    def _refund_everything(
        self, order: Order, raw: Mapping[str, Any], options: CancelOptions
    ) -> Op[None]:
        """Refund every refundable unit and the shipping left (an order cancel asked for it).
        Once per cancel key: a refund an earlier attempt made under it is finished (its writer
        may have stopped between its steps), never made again."""
        key = f"cancel:{options.idempotency_key}"
        made = refunds_with_key(order.refunds, key)
        if made and made[0].status is not RefundStatus.FAILURE:
            refund = yield from finished_refund(self, order, made[0], key)
            if refund.status is RefundStatus.PENDING:
                raise RefundFailed(
                    f"refund {refund.id}, made by an earlier attempt of this cancel, is still "
                    "pending on the platform: money may yet move, so the order is not cancelled "
                    f"yet. Cancel again with idempotency_key={options.idempotency_key!r} later",
                    refund=refund,
                )
            return None
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
        yield from self.create_refund(
            order, calculation, RefundOptions(note=options.reason, idempotency_key=key)
        )
        return None


def _parts(record: Mapping[str, Any]) -> int:
    """How many capture refunds the request of ``record`` wrote (1 where it does not say)."""
    fields = record.get("customFields")
    value = fields.get(t.PARTS_FIELD) if isinstance(fields, Mapping) else None
    return value if isinstance(value, int) and value > 0 else 1


def _capture_refunds(raw: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every capture refund of the order."""
    return [
        r
        for txn in raw.get("transactions") or []
        for capture in txn.get("captures") or []
        for r in capture.get("refunds") or []
    ]


def _captures(raw: Mapping[str, Any]) -> dict[str, Pair]:
    """Every capture of the order by id, with its payment."""
    captures: dict[str, Pair] = {}
    for txn in raw.get("transactions") or []:
        for capture in txn.get("captures") or []:
            captures[str(capture["id"])] = (dict(capture), dict(txn))
    return captures


def _refunded(txn: Mapping[str, Any], cur: t.Amounts) -> Money:
    """What a payment's captures already paid back (refunds whose money left)."""
    return cur.sum(
        cur(r["amount"]["totalPrice"])
        for c in txn.get("captures") or []
        for r in c.get("refunds") or []
        if (t.state_name(r) or "open") not in states.DEAD_REFUND_STATES
    )


def _line_rates(raw: Mapping[str, Any]) -> dict[str, Decimal | None]:
    """Each line's tax rate where it has exactly one (None where it has several)."""
    return {
        str(li["id"]): (dec(taxes[0]["taxRate"]) if len(taxes) == 1 else None)
        for li in raw.get("lineItems") or []
        if (taxes := calculated_taxes(li.get("price")))
    }
