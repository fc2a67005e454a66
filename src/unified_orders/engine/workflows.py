"""The workflows: deterministic code that only schedules the activities (Temporal replays it).

Nothing here reads a platform, a file or the clock; the activities (:mod:`.activities`) do.
This module imports only the job types, so the workflow sandbox re-imports little.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from .jobs import (
        REFUND_ACTIVITY,
        SYNC_ACTIVITY,
        UNSETTLED,
        RefundJob,
        RefundOutcome,
        SyncJob,
    )

__all__ = ["WORKFLOWS", "RefundWorkflow", "SyncStoreWorkflow"]

#: A store's sync may take hours (a first sync of a large store); a crash is found by the
#: heartbeat timeout, not by this one.
SYNC_TIMEOUT = timedelta(days=2)
REFUND_TIMEOUT = timedelta(minutes=30)


@workflow.defn(name="unified-orders.sync")
class SyncStoreWorkflow:
    """Sync one store (workflow id ``sync:<store>``). An attempt that stops heartbeating (its
    worker died) is retried on any worker, and the runner resumes from the cursor the last
    written batch saved."""

    @workflow.run
    async def run(self, job: SyncJob) -> dict[str, Any]:
        """The store's ``StoreResult`` as a dict."""
        result: dict[str, Any] = await workflow.execute_activity(
            SYNC_ACTIVITY,
            job,
            result_type=dict,
            start_to_close_timeout=SYNC_TIMEOUT,
            heartbeat_timeout=timedelta(seconds=job.heartbeat_seconds),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=1),
                maximum_interval=timedelta(minutes=1),
                maximum_attempts=20,
            ),
        )
        return result


@workflow.defn(name="unified-orders.refund")
class RefundWorkflow:
    """Create one refund (workflow id: its idempotency key). The activity re-reads the order
    by key before sending, so an attempt retried after its worker died never refunds twice. A
    refund not made (or not known to be) fails the workflow with its outcome as the details."""

    @workflow.run
    async def run(self, job: RefundJob) -> RefundOutcome:
        """What became of the refund."""
        outcome: RefundOutcome = await workflow.execute_activity(
            REFUND_ACTIVITY,
            job,
            result_type=RefundOutcome,
            start_to_close_timeout=REFUND_TIMEOUT,
            heartbeat_timeout=timedelta(seconds=job.heartbeat_seconds),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=1),
                maximum_interval=timedelta(seconds=30),
                maximum_attempts=10,
            ),
        )
        if outcome.unsettled:
            # a failed workflow frees its id: a re-run (or --retry-unfinished) may try again
            raise ApplicationError(
                outcome.message or outcome.outcome,
                dataclasses.asdict(outcome),
                type=UNSETTLED,
                non_retryable=True,
            )
        return outcome


WORKFLOWS = [SyncStoreWorkflow, RefundWorkflow]
