"""Starting the workflows and waiting for their results (the CLI's side of the engine).

A sync workflow's id is ``sync:<store>`` and a refund workflow's id is the refund's idempotency
key. Temporal keeps at most one running workflow per id, so a second start of either while the
first runs attaches to it (and says so) instead of starting another. A refund workflow that
completed keeps its id (its result is returned again); one that failed may be started anew, and
its activity then finds by key whatever an earlier attempt made.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.envconfig import ClientConfig
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.runtime import Runtime, TelemetryConfig

from ..errors import ConfigurationError
from ..sync.runner import StoreResult
from .jobs import DEFAULT_ADDRESS, UNSETTLED, RefundJob, RefundOutcome, SyncJob
from .workflows import RefundWorkflow, SyncStoreWorkflow

__all__ = ["blocking", "connect", "run_refunds", "run_syncs", "sync_workflow_id"]

T = TypeVar("T")

#: Told which workflows were started and which were already running: ``(id, attached)``.
OnStart = Callable[[str, bool], None]


def sync_workflow_id(store: str) -> str:
    """The workflow id of a store's sync: one running sync per store."""
    return f"sync:{store}"


async def connect(address: str | None = None) -> Client:
    """A client of the Temporal server at ``address`` (``HOST:PORT``; None: Temporal's own
    client config, i.e. ``TEMPORAL_ADDRESS`` or the profile file, else ``localhost:7233``).

    Namespace, API key and TLS come from Temporal's client config (``TEMPORAL_NAMESPACE``,
    ``TEMPORAL_API_KEY``, ``TEMPORAL_TLS_*`` or a ``temporal.toml`` profile), as for the
    ``temporal`` CLI. The client runs on a runtime of its own that goes away with it (see
    :func:`blocking`).
    """
    try:
        config = ClientConfig.load_client_connect_config()
    except Exception as error:  # a malformed profile file
        raise ConfigurationError(f"Temporal client config: {error}") from None
    target = address or config.get("target_host") or DEFAULT_ADDRESS
    config["target_host"] = target
    try:
        return await Client.connect(**config, runtime=Runtime(telemetry=TelemetryConfig()))
    except Exception as error:  # the SDK reports an unreachable server as a RuntimeError
        raise ConfigurationError(
            f"cannot reach the Temporal server at {target} ({error}); start one "
            "(`temporal server start-dev`) or give its address with --temporal HOST:PORT"
        ) from None


def blocking(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to its end on a new event loop, then free its client and runtime while the
    interpreter is whole: a Temporal runtime still alive at interpreter exit can crash the
    process there (temporalio/sdk-python#300)."""
    try:
        return asyncio.run(work)
    finally:
        gc.collect()


async def _start(
    client: Client, run: Any, job: Any, workflow_id: str, queue: str, reuse: WorkflowIDReusePolicy
) -> tuple[WorkflowHandle[Any, Any], bool]:
    try:
        handle = await client.start_workflow(
            run,
            job,
            id=workflow_id,
            task_queue=queue,
            id_reuse_policy=reuse,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
    except WorkflowAlreadyStartedError:
        return client.get_workflow_handle(workflow_id), True
    return handle, False


async def run_syncs(
    address: str | None, queue: str, jobs: Sequence[SyncJob], on_start: OnStart | None = None
) -> list[StoreResult]:
    """Sync each job's store on the workers; one ``StoreResult`` per job, in order."""
    client = await connect(address)
    handles = []
    for job in jobs:
        workflow_id = sync_workflow_id(job.store)
        handle, attached = await _start(
            client,
            SyncStoreWorkflow.run,
            job,
            workflow_id,
            queue,
            WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        )
        if on_start is not None:
            on_start(workflow_id, attached)
        handles.append(handle)
    done = await asyncio.gather(*(h.result() for h in handles), return_exceptions=True)
    results = []
    for job, result in zip(jobs, done, strict=True):
        if isinstance(result, WorkflowFailureError):
            cause = result.cause or result
            results.append(StoreResult(job.store, "?", error=f"the sync workflow failed: {cause}"))
        elif isinstance(result, BaseException):
            raise result
        else:
            fields = {k: v for k, v in result.items() if k in StoreResult.__dataclass_fields__}
            for listed in ("unseen", "not_read"):  # an empty list travels as null
                fields[listed] = fields.get(listed) or []
            results.append(StoreResult(**fields))
    return results


def _unsettled(failure: WorkflowFailureError) -> RefundOutcome | None:
    """The outcome a refund workflow failed with (None: it failed otherwise)."""
    cause = failure.cause
    if isinstance(cause, ApplicationError) and cause.type == UNSETTLED and cause.details:
        details = cause.details[0]
        if isinstance(details, dict):
            return RefundOutcome(**details)
    return None


async def run_refunds(
    address: str | None, queue: str, jobs: Sequence[RefundJob], on_start: OnStart | None = None
) -> list[RefundOutcome]:
    """Create each job's refund on the workers; one outcome per job, in order."""
    client = await connect(address)
    handles = []
    for job in jobs:
        handle, attached = await _start(
            client,
            RefundWorkflow.run,
            job,
            job.key,
            queue,
            WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        )
        if on_start is not None:
            on_start(job.key, attached)
        handles.append(handle)
    done = await asyncio.gather(*(h.result() for h in handles), return_exceptions=True)
    outcomes: list[RefundOutcome] = []
    for result in done:
        unsettled = _unsettled(result) if isinstance(result, WorkflowFailureError) else None
        if unsettled is not None:
            outcomes.append(unsettled)
        elif isinstance(result, WorkflowFailureError):
            cause = result.cause or result
            outcomes.append(
                RefundOutcome(
                    "ambiguous",
                    message=f"the refund workflow failed ({cause}): its outcome is unknown; "
                    "check the order on the platform, then re-run with --retry-unfinished",
                )
            )
        elif isinstance(result, BaseException):
            raise result
        elif isinstance(result, dict):  # a handle we attached to carries no result type
            outcomes.append(RefundOutcome(**result))
        else:
            outcomes.append(result)
    return outcomes
