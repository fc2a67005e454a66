"""Bulk refunds on the Temporal engine (``refunds create --from-csv ... --engine temporal``).

The run reads, plans, shows and asks exactly as in-process (:mod:`.bulk`); then, instead of
sending the refunds itself, it starts one workflow per refund with the refund's idempotency key as
the workflow id and waits for them. The ledger and the results CSV are written here, as in-process:
``sending`` before the workflows start, then each refund's outcome.

On a worker, :func:`refund_on_worker` makes one refund: it re-reads the order and returns a
refund that already carries the key (made by an earlier attempt whose worker died after the
platform's answer), else creates it through the library's exactly-once path.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ..adapter import Capability
from ..engine import RefundJob, RefundOutcome, require_temporal
from ..errors import AmbiguousWrite, RefundFailed, UnifiedOrdersError
from ..models import Money, Refund, RefundRequest, RefundStatus
from ..writes import refunds_with_key
from .bulk_files import PENDING_EVENT, Ledger, base_key
from .bulk_plan import in_csv_terms
from .bulk_rows import Group
from .engine_opts import EngineTarget
from .errors import describe
from .session import Session

__all__ = ["refund_on_worker", "send_on_engine"]


def _made(refund: Refund, *, found_by_key: bool = False) -> RefundOutcome:
    return RefundOutcome(
        "refunded",
        refund_id=refund.id,
        amount=str(refund.total.amount),
        currency=refund.total.currency,
        found_by_key=found_by_key,
    )


def refund_on_worker(session: Session, job: RefundJob) -> RefundOutcome:
    """Make ``job``'s refund once (on a worker, with its stores config); closes ``session``."""
    try:
        store = session.store(job.store)
        if Capability.ORDERS_GET in store.capabilities:
            found = refunds_with_key(store.orders.get(job.order).refunds, job.key)
            # an unfinished one (pending) goes to refunds.create under its key, which finishes
            # or reports it
            unfinished = store.adapter.unfinished_refund_statuses
            if found and found[0].status not in unfinished:
                refund = found[0]
                if refund.status is RefundStatus.FAILURE:
                    return RefundOutcome(
                        "failed",
                        refund_id=refund.id,
                        message=f"the platform holds refund {refund.id} under this key with "
                        "status failure: no money moved; run again to retry it under a new key",
                    )
                return _made(refund, found_by_key=True)
        refund = store.refunds.create(
            job.order,
            RefundRequest.model_validate(job.request),
            note=job.note,
            notify=job.notify,
            idempotency_key=job.key,
        )
        return _made(refund)
    except AmbiguousWrite as error:
        return RefundOutcome("ambiguous", message=describe(error, session.secrets))
    except RefundFailed as error:
        # the platform recorded the refund, as failed (no money moved) or still pending
        pending = error.refund.status is RefundStatus.PENDING
        return RefundOutcome(
            "pending" if pending else "failed",
            refund_id=error.refund.id,
            message=describe(error, session.secrets),
        )
    except UnifiedOrdersError as error:
        # refused before or by the platform: nothing was refunded
        return RefundOutcome("failed", message=in_csv_terms(error, session.secrets))
    except Exception as error:  # unknown whether it was sent: never resend blindly
        return RefundOutcome("ambiguous", message=describe(error, session.secrets))
    finally:
        session.close()  # saves a sandbox store's state before the outcome is reported


def _job(group: Group, notify: bool, target: EngineTarget) -> RefundJob:
    job = RefundJob(
        store=group.store,
        order=group.order,
        key=group.key,
        request=group.request.model_dump(mode="json"),
        note=group.note,
        notify=notify,
    )
    if target.heartbeat_seconds is not None:
        job = replace(job, heartbeat_seconds=target.heartbeat_seconds)
    return job


def _settle(group: Group, outcome: RefundOutcome, ledger: Ledger, *, theirs: bool) -> None:
    """Put the outcome on the group and in the ledger, as the in-process run does; ``theirs``:
    the workflow was started by another run (the same key submitted twice at once)."""
    group.outcome, group.message = outcome.outcome, outcome.message
    group.refund_id = outcome.refund_id
    if outcome.outcome == "refunded":
        group.total = Money(amount=Decimal(outcome.amount), currency=outcome.currency)
        extra = {"found_by_key": True} if outcome.found_by_key or theirs else {}
        if theirs:
            group.outcome = "already-refunded"
            group.message = (
                "made by another run of the same refund (same idempotency key) on the engine"
            )
        ledger.record(
            group.key,
            "done",
            identity=group.identity,
            refund_id=outcome.refund_id,
            amount=outcome.amount,
            currency=outcome.currency,
            **extra,
        )
    elif outcome.outcome == "failed" and outcome.refund_id:
        ledger.record(
            group.key,
            "refund-failed",
            base_key=base_key(group.key),
            refund_id=outcome.refund_id,
            error=outcome.message,
        )
    elif outcome.outcome == "pending":
        ledger.record(group.key, PENDING_EVENT, refund_id=outcome.refund_id, error=outcome.message)
    else:
        ledger.record(group.key, outcome.outcome, error=outcome.message)


def _waves(groups: list[Group]) -> list[list[Group]]:
    """The refunds in rounds: each order's first refund, then each order's second, ... so two
    refunds of one order never run at once (on two machines, no lock would keep them apart)."""
    waves: list[list[Group]] = []
    seen: dict[tuple[str, str], int] = {}
    for group in groups:
        order = (group.store, group.order)
        seen[order] = seen.get(order, -1) + 1
        if seen[order] == len(waves):
            waves.append([])
        waves[seen[order]].append(group)
    return waves


def send_on_engine(
    session: Session, ledger: Ledger, to_send: list[Group], notify: bool, target: EngineTarget
) -> None:
    """Send ``to_send`` as workflows (all at once, but one refund of an order at a time) and wait
    for every outcome."""
    require_temporal()
    from ..engine.client import blocking, run_refunds

    # the workers open the stores now: let go of the sandbox states this run read
    session.close()
    attached: set[str] = set()

    def started(workflow_id: str, was_running: bool) -> None:
        if was_running:
            attached.add(workflow_id)

    for wave in _waves(to_send):
        for group in wave:
            ledger.record(
                group.key, "sending", identity=group.identity, store=group.store, order=group.order
            )
        jobs = [_job(group, notify, target) for group in wave]
        outcomes = blocking(run_refunds(target.address, target.task_queue, jobs, started))
        for group, outcome in zip(wave, outcomes, strict=True):
            _settle(group, outcome, ledger, theirs=group.key in attached)
