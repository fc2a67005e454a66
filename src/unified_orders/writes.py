"""Exactly-once writes: a key that travels with the write, and a re-read that finds it.

The rule: a write whose response was lost (:class:`ResponseLost`: a timeout, a dropped
connection, a 5xx after sending, a 2xx answer that cannot be read) is never blindly repeated.
The platform is re-read to find whether the write took effect:

- found *by our idempotency key* (which the adapter stores on the platform: a note marker,
  ``externalReference``): the result found is returned, as if the response had arrived;
- not found: the platform is re-read again after a bounded settle wait (a platform may apply a
  write after our timeout), then the write is sent once more (at most once);
- cannot tell (several candidates, objects that look like ours but do not carry our key, or the
  re-read itself failed): :class:`AmbiguousWrite`. A write that cannot be proven ours is never
  adopted.

A 429 means "not processed" and is retried by the HTTP layer before it ever gets here. Where a
platform honours an idempotency key natively (Shopify GraphQL ``@idempotent``), the adapter marks
the write ``retry_safe`` and the HTTP layer simply repeats it with the same key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

from .adapter import Adapter, Op, Pause, RefundOptions, Request, Response
from .errors import (
    AmbiguousWrite,
    IllegalTransition,
    PlatformError,
    ResponseLost,
    UnifiedOrdersError,
)
from .models import (
    Order,
    OrderStatus,
    Refund,
    RefundCalculation,
    Return,
    ReturnRequest,
)

__all__ = [
    "Reconciled",
    "exactly_once",
    "find_cancellation",
    "find_refund",
    "find_return",
    "new_idempotency_key",
    "refunds_with_key",
]

T = TypeVar("T")


def new_idempotency_key() -> str:
    """A fresh idempotency key (a random UUID4 string)."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Reconciled(Generic[T]):
    """What a re-read established: ``found`` (it took effect), or not applied, or ``undecidable``.

    ``latest`` is what the re-read saw (the order, for a refund), so a resend can be checked
    against it; ``candidates`` are ids of look-alikes that cannot be proven ours.
    """

    found: T | None = None
    undecidable: str | None = None
    latest: Any = None
    candidates: tuple[str, ...] = field(default=())


@dataclass
class _Sent:
    writes_answered: int = 0


def _watch(op: Op[T], sent: _Sent) -> Generator[Request, Response, T]:
    """Delegate to ``op``, counting the write requests the platform answered."""
    try:
        request = next(op)
        while True:
            try:
                response = yield request
            except GeneratorExit:
                op.close()
                raise
            except BaseException as error:  # delivered into the operation, as ``yield from`` would
                request = op.throw(error)
            else:
                if request.is_write and not isinstance(request, Pause):
                    sent.writes_answered += 1
                request = op.send(response)
    except StopIteration as stop:
        result: T = stop.value
        return result


def unsettled(error: PlatformError, what: str) -> PlatformError | ResponseLost:
    """An error met after a write was sent: a refusal (a 4xx other than 429, an illegal
    transition) stays what it is; anything else (429, 5xx, an unreadable answer, a failed read
    after the write) leaves ``what`` maybe applied, so it becomes a lost response that the
    exactly-once logic settles by re-reading the platform."""
    if isinstance(error, IllegalTransition):
        return error
    if error.status is not None and 400 <= error.status < 500 and error.status != 429:
        return error
    return ResponseLost(f"{what} may have been applied: {error}")


def exactly_once(
    write: Callable[[], Op[T]],
    reconcile: Callable[[], Op[Reconciled[T]]],
    *,
    operation: str,
    idempotency_key: str,
    max_sends: int = 2,
    settle: Sequence[float] = (),
    before_resend: Callable[[Reconciled[T]], None] | None = None,
) -> Op[T]:
    """Send ``write``; on a lost response, ``reconcile`` and either return, resend once, or raise.

    ``settle`` are the pauses (seconds) between further re-reads while the write is not found;
    ``before_resend`` checks the last re-read before the write is sent again (it raises to stop).
    """
    sends = 0
    while True:
        sends += 1
        sent = _Sent()
        try:
            return (yield from _watch(write(), sent))
        except ResponseLost as lost:
            cause = str(lost)
        except UnifiedOrdersError:
            raise
        except Exception as error:
            if not sent.writes_answered:
                raise
            # the platform answered the write, but its answer made no sense to the adapter: it
            # may have applied it, so this is a lost response, not a failure
            cause = f"the platform's answer could not be read ({type(error).__name__}: {error})"
        outcome = yield from _reconcile_settled(
            reconcile, settle, operation=operation, key=idempotency_key, cause=cause
        )
        if outcome.found is not None:
            return outcome.found
        if outcome.undecidable is not None or sends >= max_sends:
            why = outcome.undecidable or "the write was lost every time it was sent"
            raise AmbiguousWrite(
                f"{operation}: {cause}; {why}. Check the platform before retrying with "
                f"idempotency_key={idempotency_key!r}.",
                operation=operation,
                idempotency_key=idempotency_key,
                candidates=outcome.candidates,
            )
        if before_resend is not None:
            before_resend(outcome)


def _reconcile_settled(
    reconcile: Callable[[], Op[Reconciled[T]]],
    settle: Sequence[float],
    *,
    operation: str,
    key: str,
    cause: str,
) -> Op[Reconciled[T]]:
    waits = list(settle)
    while True:
        try:
            outcome = yield from reconcile()
        except UnifiedOrdersError as error:
            raise AmbiguousWrite(
                f"{operation}: {cause}; re-reading the platform to check failed too ({error}). "
                f"Check the platform before retrying with idempotency_key={key!r}.",
                operation=operation,
                idempotency_key=key,
            ) from error
        if outcome.found is not None or outcome.undecidable is not None or not waits:
            return outcome
        yield Pause(seconds=waits.pop(0))


def _same_lines(refund: Refund, calculation: RefundCalculation) -> bool:
    wanted = sorted((line.line_id, line.quantity) for line in calculation.lines)
    got = sorted((line.line_id, line.quantity) for line in refund.lines)
    return wanted == got


def refunds_with_key(refunds: Sequence[Refund], key: str) -> list[Refund]:
    """The refunds that carry idempotency key ``key``."""
    return [refund for refund in refunds if refund.idempotency_key == key]


def in_flight(adapter: Adapter, refund: Refund) -> bool:
    """Whether an unfinished ``refund`` may be another caller's write in progress: young enough,
    or of unknown age."""
    created = refund.created_at
    if created is None or created.tzinfo is None:
        return True
    return (datetime.now(UTC) - created).total_seconds() < adapter.in_flight_seconds


def finished_refund(
    adapter: Adapter, order: Order, refund: Refund, key: str, *, notify: bool = False
) -> Op[Refund]:
    """``refund`` (found by ``key`` on ``order``) once it is finished, or as it is after a bounded
    wait.

    A recent unfinished refund (:attr:`~Adapter.unfinished_refund_statuses`) may be another
    caller's write still in progress (Shopware makes a capture refund open, then processes it),
    so it is re-read for a while before it is judged. One still unfinished and past
    :attr:`~Adapter.in_flight_seconds` is nobody's write in progress: the adapter finishes what
    its writer left undone (:meth:`~Adapter.resume_refund`).
    """
    unfinished = adapter.unfinished_refund_statuses
    waits = list(adapter.in_flight_settle) if in_flight(adapter, refund) else []
    while refund.status in unfinished and waits:
        yield Pause(seconds=waits.pop(0))
        order = yield from adapter.get_order(order.id)
        again = refunds_with_key(order.refunds, key)
        if again:
            refund = again[0]
    if refund.status in unfinished and not in_flight(adapter, refund):
        refund = yield from adapter.resume_refund(
            order, refund, RefundOptions(notify=notify, idempotency_key=key)
        )
    return refund


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


W = TypeVar("W", bound=_Identified)


def carrying_key(ours: Sequence[W], latest: Any, noun: str) -> Reconciled[W] | None:
    """What the writes found carrying our key establish: the one (found), several
    (undecidable), or None when none carries it."""
    if len(ours) == 1:
        return Reconciled(found=ours[0], latest=latest)
    if len(ours) > 1:
        return Reconciled(
            undecidable=f"{len(ours)} {noun} carry this key",
            latest=latest,
            candidates=tuple(x.id for x in ours),
        )
    return None


def find_refund(
    adapter: Adapter, before: Order, calculation: RefundCalculation, key: str
) -> Op[Reconciled[Refund]]:
    """Re-read the order; the refund carrying our key is ours. Where the adapter cannot store keys,
    a new refund that merely looks like ours is a candidate, never adopted."""
    after = yield from adapter.get_order(before.id)
    by_key = carrying_key(refunds_with_key(after.refunds, key), after, "refunds")
    if by_key is not None:
        return by_key
    if adapter.stores_idempotency_keys:
        return Reconciled(latest=after)
    known = {refund.id for refund in before.refunds}
    alike = [
        refund
        for refund in after.refunds
        if refund.id not in known
        and refund.total.amount == calculation.total.amount
        and _same_lines(refund, calculation)
    ]
    if alike:
        return Reconciled(
            undecidable=(
                f"{len(alike)} new refund(s) look like this one but carry no key, so they may be "
                "someone else's; none was adopted"
            ),
            latest=after,
            candidates=tuple(r.id for r in alike),
        )
    return Reconciled(latest=after)


def find_cancellation(adapter: Adapter, before: Order) -> Op[Reconciled[Order]]:
    """Re-read the order; if it is now canceled, the cancel took effect."""
    after = yield from adapter.get_order(before.id)
    if after.status is OrderStatus.CANCELED:
        return Reconciled(found=after)
    return Reconciled()


def find_return(
    adapter: Adapter, before: list[Return], order: Order, request: ReturnRequest
) -> Op[Reconciled[Return]]:
    """Re-read the order's returns; a new one with the requested lines is the one we sent."""
    after = yield from adapter.list_returns(order.id)
    known = {r.id for r in before}
    wanted = sorted((line.line_id, line.quantity) for line in request.lines)
    matching = [
        r
        for r in after
        if r.id not in known and sorted((x.line_id, x.quantity) for x in r.lines) == wanted
    ]
    if len(matching) == 1:
        return Reconciled(found=matching[0])
    if len(matching) > 1:
        return Reconciled(undecidable=f"{len(matching)} new returns match this request")
    return Reconciled()
