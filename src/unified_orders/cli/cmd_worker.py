"""``worker``: run the Temporal engine's workflows and activities in this process.

A worker reads the stores with its own stores config (``--config``; credentials never leave the
machine) and writes syncs to its own ``--db``. Start one per machine (or more); stop with Ctrl-C
or SIGTERM (running activities finish first).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..engine import RefundJob, RefundOutcome, require_temporal
from ..sync.destination import DEFAULT_DB, target_text
from .cmd_sync import resolve_db
from .engine_opts import DEFAULT_TASK_QUEUE, TaskQueueOpt, TemporalOpt
from .session import Session, session_of

__all__ = ["ConfigStores", "worker"]


class ConfigStores:
    """The worker's stores: each activity opens its store anew from the stores config (a fresh
    session, so a sandbox store's saved state is read and saved around each refund)."""

    def __init__(self, config_path: Path | None) -> None:
        self.config_path = config_path

    def sync_source(self, name: str) -> Any:
        """A factory of the async store (unknown names raise ConfigurationError)."""
        return Session(config_path=self.config_path).sync_stores([name])[name]

    def refund(self, job: RefundJob) -> RefundOutcome:
        """Make the refund once (see :func:`.bulk_engine.refund_on_worker`)."""
        from .bulk_engine import refund_on_worker

        return refund_on_worker(Session(config_path=self.config_path), job)


def worker(
    ctx: typer.Context,
    temporal: TemporalOpt = None,
    task_queue: TaskQueueOpt = DEFAULT_TASK_QUEUE,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="FILE|URL",
            envvar="UNIFIED_ORDERS_DB",
            help="Where syncs write: a DuckDB file (one worker per file) or a postgresql:// URL "
            f"that every worker shares. Default: the stores config's database, else {DEFAULT_DB}.",
            show_default=False,
        ),
    ] = None,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            "--db-memory-limit",
            envvar="UNIFIED_ORDERS_DB_MEMORY_LIMIT",
            help="Cap DuckDB's memory (e.g. 512MB), as for `sync`.",
        ),
    ] = None,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            min=1,
            help="Activities (store syncs, refunds) this worker runs at once.",
        ),
    ] = 8,
) -> None:
    """Run a Temporal worker for `sync --engine temporal` and bulk refunds."""
    session = session_of(ctx)
    require_temporal()
    from ..engine.activities import Activities
    from ..engine.client import blocking
    from ..engine.worker import run_worker

    config_path = ctx.find_root().params.get("config")
    destination = resolve_db(ctx, db)
    activities = Activities(
        ConfigStores(config_path), destination, memory_limit=memory_limit, say=session.output.note
    )

    def ready(address: str) -> None:
        session.output.note(
            f"worker ready: task queue {task_queue} on {address}, writing syncs to "
            f"{target_text(destination)} (Ctrl-C stops)"
        )

    blocking(run_worker(temporal, task_queue, activities, max_concurrent=concurrency, ready=ready))
    session.output.note("worker stopped")
