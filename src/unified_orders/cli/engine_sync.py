"""``sync --engine temporal``: one workflow per store on the workers, results printed as the
in-process sync prints them.

This process needs only the store names (from the arguments, else its stores config): the
workers read the stores with their own config and write to their own ``--db``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import typer

from ..engine import SyncJob
from ..sync.sources import sandbox_stores
from .engine_opts import Engine, engine_target
from .errors import CliError, ExitCode
from .fields import pick
from .results import json_text, wrapped

__all__ = ["store_names", "sync_jobs", "sync_on_engine"]


def store_names(ctx: typer.Context, names: Sequence[str] | None) -> list[str]:
    """The stores to sync: those named, else every store of this process's config."""
    if names:
        return list(dict.fromkeys(names))
    config = getattr(ctx.obj, "config", None)
    if config is not None:
        return list(config.stores)
    return list(sandbox_stores())


def sync_jobs(
    ctx: typer.Context,
    names: Sequence[str] | None,
    full: bool,
    lookback_minutes: int,
    window_days: int,
    details: bool,
    keep_raw: bool,
) -> list[SyncJob]:
    """One job per store, carrying the sync options (never the destination: a worker writes to
    its own ``--db``, which may hold a password)."""
    for option in ("db", "memory_limit"):
        source = ctx.get_parameter_source(option)
        if getattr(source, "name", None) == "COMMANDLINE":
            flag = "--db" if option == "db" else "--db-memory-limit"
            raise CliError(
                f"with --engine, each worker writes to its own destination: give {flag} to "
                "`unified-orders worker`, not to `sync`",
                ExitCode.USAGE,
            )
    return [
        SyncJob(
            store=name,
            full=full,
            lookback_minutes=lookback_minutes,
            window_days=window_days,
            details=details,
            keep_raw=keep_raw,
        )
        for name in store_names(ctx, names)
    ]


def sync_on_engine(
    engine: Engine,
    address: str | None,
    queue: str,
    jobs: Sequence[SyncJob],
    *,
    as_json: bool,
    fields: Sequence[str] | None,
) -> None:
    """Start (or attach to) each store's sync workflow, wait for all, print the results; exits
    6 when a store failed, as the in-process sync does."""
    target = engine_target(engine, address, queue)  # first: it checks the extra is there
    assert target is not None
    from ..engine.client import blocking, run_syncs

    if target.heartbeat_seconds is not None:
        jobs = [replace(job, heartbeat_seconds=target.heartbeat_seconds) for job in jobs]
    started = time.monotonic()

    def say(workflow_id: str, attached: bool) -> None:
        if attached:
            typer.echo(
                f"{workflow_id} is already running (started by another command): waiting for it",
                err=True,
            )

    results = blocking(run_syncs(target.address, target.task_queue, jobs, say))
    seconds = time.monotonic() - started
    ok = all(result.ok for result in results)
    if as_json:
        done: dict[str, Any] = {
            "db_path": None,  # each worker's own --db
            "ok": ok,
            "seconds": round(seconds, 3),
            "stores": [vars(result) for result in results],
        }
        typer.echo(json_text(pick(done, fields) if fields else done))
    else:
        for result in results:
            typer.echo(wrapped(f"{result.store} ({result.platform}): {result.describe()}"))
        typer.echo(
            f"synced {len(results)} store(s) on the workers of task queue {target.task_queue} "
            f"in {seconds:.1f}s"
        )
    if not ok:
        raise typer.Exit(int(ExitCode.PLATFORM))
