"""Exactly-once writes on platforms without idempotency keys.

The rule: a write whose response was lost (:class:`ResponseLost`: a timeout, a dropped
connection, a 5xx after sending) is never blindly repeated. The platform is re-read to find
whether the write took effect:

- found: the result found is returned, as if the response had arrived;
- not applied: the write is sent once more (at most once);
- cannot tell (several candidates, or the re-read itself failed): :class:`AmbiguousWrite`.

A 429 means "not processed" and is retried by the HTTP layer before it ever gets here. Where a
platform honours an idempotency key natively (Shopify GraphQL ``@idempotent``), the adapter marks
the write ``retry_safe`` and the HTTP layer simply repeats it with the same key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .adapter import Adapter, Op
from .errors import AmbiguousWrite, ResponseLost, UnifiedOrdersError
from .models import Order, OrderStatus, Refund, RefundCalculation, Return, ReturnRequest

__all__ = [
    "Reconciled",
    "exactly_once",
    "find_cancellation",
    "find_refund",
    "find_return",
    "new_idempotency_key",
]

T = TypeVar("T")


def new_idempotency_key() -> str:
    """A fresh idempotency key (a random UUID4 string)."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Reconciled(Generic[T]):
    """What a re-read established: ``found`` (it took effect), or not applied, or ``undecidable``."""

    found: T | None = None
    undecidable: str | None = None


def exactly_once(
    write: Callable[[], Op[T]],
    reconcile: Callable[[], Op[Reconciled[T]]],
    *,
    operation: str,
    idempotency_key: str,
    max_sends: int = 2,
) -> Op[T]:
    """Send ``write``; on a lost response, ``reconcile`` and either return, resend once, or raise."""
    sends = 0
    while True:
        sends += 1
        try:
            return (yield from write())
        except ResponseLost as lost:
            cause = str(lost)
        try:
            outcome = yield from reconcile()
        except UnifiedOrdersError as error:
            raise AmbiguousWrite(
                f"{operation}: {cause}; re-reading the platform to check failed too ({error}). "
                f"Check the platform before retrying with idempotency_key={idempotency_key!r}.",
                operation=operation,
                idempotency_key=idempotency_key,
            ) from error
        if outcome.found is not None:
            return outcome.found
        if outcome.undecidable is not None or sends >= max_sends:
            why = outcome.undecidable or "the write was lost every time it was sent"
            raise AmbiguousWrite(
                f"{operation}: {cause}; {why}. Check the platform before retrying with "
                f"idempotency_key={idempotency_key!r}.",
                operation=operation,
                idempotency_key=idempotency_key,
            )


def _same_lines(refund: Refund, calculation: RefundCalculation) -> bool:
    wanted = sorted((line.line_id, line.quantity) for line in calculation.lines)
    got = sorted((line.line_id, line.quantity) for line in refund.lines)
    return wanted == got


def find_refund(
    adapter: Adapter, before: Order, calculation: RefundCalculation
) -> Op[Reconciled[Refund]]:
    """Re-read the order; a new refund with the calculated total and lines is the one we sent."""
    after = yield from adapter.get_order(before.id)
    known = {refund.id for refund in before.refunds}
    new = [refund for refund in after.refunds if refund.id not in known]
    matching = [
        refund
        for refund in new
        if refund.total.amount == calculation.total.amount and _same_lines(refund, calculation)
    ]
    if len(matching) == 1:
        return Reconciled(found=matching[0])
    if len(matching) > 1:
        return Reconciled(undecidable=f"{len(matching)} new refunds match this request")
    return Reconciled()


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
