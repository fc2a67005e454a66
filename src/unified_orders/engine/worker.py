"""A worker process: polls one task queue and runs the workflows and activities on it.

Start as many as there are machines (or cores to spare); each one syncs and refunds with its own
stores config and destination. SIGINT or SIGTERM stops it gracefully: it takes no new tasks and
lets the running activities finish (a SIGKILLed worker's activities are retried elsewhere once
their heartbeats stop).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from .activities import Activities
from .client import connect
from .workflows import WORKFLOWS

__all__ = ["run_worker"]


async def run_worker(
    address: str | None,
    queue: str,
    activities: Activities,
    *,
    max_concurrent: int = 8,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Run until SIGINT/SIGTERM; ``ready`` is called with the server's address once the worker
    polls the queue."""
    client = await connect(address)
    worker = Worker(
        client,
        task_queue=queue,
        workflows=WORKFLOWS,
        activities=activities.all(),
        max_concurrent_activities=max_concurrent,
        # no sticky cache: these workflows replay in two events, and without it a workflow whose
        # worker died goes on at once on another worker instead of after a sticky timeout
        max_cached_workflows=0,
        # the library is imported once, outside the workflow sandbox (workflows only use the
        # job dataclasses from it)
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules("unified_orders")
        ),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with worker:
            if ready is not None:
                ready(client.service_client.config.target_host)
            await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
