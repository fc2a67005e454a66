"""``sync``, ``report`` and ``export`` commands, as a typer app the main CLI mounts.

The commands get their stores from the CLI session when it offers them: ``ctx.obj.sync_stores``
called with the store names given (None for all) must return ``{name: AsyncStore or factory}``.
Without it (this app run on its own) they sync the built-in sandbox stores. Output follows the
session's ``json_mode`` / ``table_mode`` where present, else ``--json`` / ``--table``, else a table
on a terminal and JSON otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer

from ..sync.destination import DEFAULT_DB, is_postgres_url, target_text
from ..sync.export import ExportFormat, export
from ..sync.period import describe_period, is_empty, moment_text, parse_moment
from ..sync.progress import auto_progress
from ..sync.report import (
    GroupBy,
    ReportKind,
    report,
    report_json,
    report_table,
    unreadable_orders,
    unseen_parts,
)
from ..sync.runner import DEFAULT_WINDOW_DAYS, StoreSource, run_sync
from ..sync.schema import DATA_TABLES
from ..sync.sources import sandbox_stores
from .engine_opts import DEFAULT_TASK_QUEUE, EngineOpt, TaskQueueOpt, TemporalOpt
from .errors import CliError, ExitCode
from .fields import fields_of, pick, pick_rows
from .results import json_text, wrapped

__all__ = ["app", "resolve_stores"]

app = typer.Typer(
    help="Sync every store into one database (a DuckDB file or PostgreSQL); report and export "
    "from it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="FILE|URL",
        help="The DuckDB file, or a postgresql:// URL (pip install 'unified-orders[postgres]'). "
        f"Default: the stores config's database, else {DEFAULT_DB}.",
        envvar="UNIFIED_ORDERS_DB",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON output.")]
TableOpt = Annotated[bool, typer.Option("--table", help="Table output.")]


def resolve_db(ctx: typer.Context | None, db: str | None) -> str | Path:
    """The database: ``--db`` (or ``$UNIFIED_ORDERS_DB``), else the stores config's
    ``database``, else ``unified-orders.duckdb``; a URL stays text, anything else is a path."""
    if not db:
        config = getattr(ctx.obj, "config", None) if ctx is not None else None
        db = getattr(config, "database", None) or DEFAULT_DB
    return db if is_postgres_url(db) else Path(db).expanduser()


def resolve_stores(ctx: typer.Context | None, names: list[str] | None) -> Mapping[str, StoreSource]:
    """The stores to sync: the session's (``ctx.obj.sync_stores(names)``) or the sandboxes."""
    resolver = getattr(ctx.obj, "sync_stores", None) if ctx is not None else None
    if callable(resolver):
        stores: Mapping[str, StoreSource] = resolver(names)
        return stores
    available = sandbox_stores()
    if not names:
        return available
    missing = [name for name in names if name not in available]
    if missing:
        raise typer.BadParameter(
            f"unknown store(s) {', '.join(missing)}; stores: {', '.join(available) or 'none'}"
        )
    return {name: available[name] for name in names}


def _json_wanted(ctx: typer.Context, json_flag: bool, table_flag: bool) -> bool:
    if json_flag and table_flag:
        raise typer.BadParameter("give --json or --table, not both")
    if json_flag or table_flag:
        return json_flag
    if getattr(ctx.obj, "json_mode", False):
        return True
    if getattr(ctx.obj, "table_mode", False):
        return False
    return not sys.stdout.isatty()


def _print_table(table: Any) -> None:
    from rich.console import Console

    from .layout import refit

    Console().print(refit(table))


@app.command("sync")
def sync_command(
    ctx: typer.Context,
    stores: Annotated[
        list[str] | None, typer.Argument(help="Stores to sync (default: every configured store).")
    ] = None,
    db: DbOpt = None,
    full: Annotated[
        bool, typer.Option("--full", help="Re-read every order (and find deleted ones).")
    ] = False,
    lookback: Annotated[
        int, typer.Option("--lookback-minutes", help="Re-read this much before the watermark.")
    ] = 30,
    window_days: Annotated[
        int,
        typer.Option(
            "--window-days",
            help="Placed-date window re-read on platforms without an updated-at filter.",
        ),
    ] = DEFAULT_WINDOW_DAYS,
    details: Annotated[
        bool,
        typer.Option(
            "--details/--no-details", help="Read returns and fulfillment orders of changed orders."
        ),
    ] = True,
    keep_raw: Annotated[
        bool,
        typer.Option(
            "--raw/--no-raw",
            help="Keep each order's platform payload (compressed) in orders.raw.",
        ),
    ] = True,
    bulk: Annotated[
        bool,
        typer.Option(
            "--bulk/--no-bulk",
            help="Read full runs with the platform's bulk export (Shopify Bulk Operations).",
        ),
    ] = True,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            "--db-memory-limit",
            envvar="UNIFIED_ORDERS_DB_MEMORY_LIMIT",
            help="Cap DuckDB's memory (e.g. 512MB); beyond it DuckDB spills to DB.tmp. "
            "'none': DuckDB's own default (80 percent of RAM). Default: 128MB.",
        ),
    ] = None,
    processes: Annotated[
        int,
        typer.Option(
            "--processes",
            min=1,
            help="Sync the stores in this many worker processes, into PostgreSQL only: for "
            "many stores whose pages need more CPU than one process has.",
        ),
    ] = 1,
    json_flag: JsonOpt = False,
    table_flag: TableOpt = False,
    engine: EngineOpt = None,
    temporal: TemporalOpt = None,
    task_queue: TaskQueueOpt = DEFAULT_TASK_QUEUE,
) -> None:
    """Sync orders, refunds, returns and fulfillment orders of every store into the database."""
    as_json = _json_wanted(ctx, json_flag, table_flag)
    fields = fields_of(ctx, "sync")
    if engine is not None and processes != 1:
        raise typer.BadParameter(
            "--processes spreads a local sync; with --engine, start more workers instead"
        )
    if engine is not None:  # one workflow per store, on the workers (each with its own --db)
        from .engine_sync import sync_jobs, sync_on_engine

        jobs = sync_jobs(ctx, stores, full, lookback, window_days, details, keep_raw)
        sync_on_engine(engine, temporal, task_queue, jobs, as_json=as_json, fields=fields)
        return
    chosen = resolve_stores(ctx, stores)
    if not chosen:
        raise typer.BadParameter("no stores to sync (no adapters registered?)")
    summary = run_sync(
        chosen,
        resolve_db(ctx, db),
        lookback=timedelta(minutes=lookback),
        window_days=window_days,
        full=full,
        details=details,
        keep_raw=keep_raw,
        progress=auto_progress(sys.stderr),
        memory_limit=memory_limit,
        bulk=bulk,
        processes=processes,
    )
    if as_json:
        done = summary.to_dict()
        typer.echo(json_text(pick(done, fields) if fields else done))
    else:
        for result in summary.results:
            typer.echo(wrapped(f"{result.store} ({result.platform}): {result.describe()}"))
        typer.echo(f"wrote {summary.db_path} in {summary.seconds:.1f}s")
    if not summary.ok:
        # only stores another process is syncing (PostgreSQL): busy; else a store the platform
        # would not let us read: a platform error (the others finished either way)
        busy = all(result.busy for result in summary.failed)
        raise typer.Exit(int(ExitCode.BUSY if busy else ExitCode.PLATFORM))


def _require_db(db: str | Path) -> None:
    """A database file to read from must exist (``sync`` creates it)."""
    if isinstance(db, Path) and not db.exists():
        raise CliError(
            f"the database {db} does not exist: run `unified-orders sync` first (or give --db)",
            ExitCode.CONFIGURATION,
        )


def _when(value: str | None, option: str, now: datetime) -> datetime | date | None:
    if value is None:
        return None
    try:
        return parse_moment(value, now=now)
    except ValueError as error:
        raise typer.BadParameter(f"{option} {error}") from None


_MOMENT_HELP = (
    "a date (2026-12-01), an ISO datetime, today, yesterday, now, or a time ago (7d, 12h, 2w); UTC."
)


@app.command("report")
def report_command(
    ctx: typer.Context,
    kind: Annotated[ReportKind, typer.Argument(help="What to report on.")],
    since: Annotated[
        str | None,
        typer.Option("--since", help=f"From this moment (inclusive): {_MOMENT_HELP}"),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help=f"Up to this moment (exclusive): {_MOMENT_HELP}"),
    ] = None,
    group_by: Annotated[
        GroupBy,
        typer.Option(
            "--group-by",
            help="Group rows by platform, store, or UTC day, ISO week (2026-W49) or month "
            "(2026-12).",
        ),
    ] = GroupBy.PLATFORM,
    db: DbOpt = None,
    json_flag: JsonOpt = False,
    table_flag: TableOpt = False,
) -> None:
    """Refunds, returns or orders, grouped, with amounts in each shop's currency.

    A period with nothing in it prints no table (no JSON) but says so on stderr, and exits 0.
    """
    as_json = _json_wanted(ctx, json_flag, table_flag)
    now = datetime.now(UTC)
    start, end = _when(since, "--since", now), _when(until, "--until", now)
    if start is not None and end is not None and is_empty(start, end):
        raise typer.BadParameter(
            f"--since {since} ({moment_text(start)}) is not before --until {until} "
            f"({moment_text(end)}): that period is empty"
        )
    db_path = resolve_db(ctx, db)
    _require_db(db_path)
    rows = report(db_path, kind, since=start, until=end, group_by=group_by)
    for store, count in unreadable_orders(db_path).items():
        typer.echo(
            f"warning: {count} order(s) of store {store!r} could not be read by the last sync "
            "and are missing from this report (see the sync_errors table)",
            err=True,
        )
    for store, text in unseen_parts(db_path).items():
        typer.echo(
            f"warning: the last sync of store {store!r} did not read: {text}; this report may "
            "be short by it",
            err=True,
        )
    period = describe_period(start, end)
    if not rows:
        where = " ".join(part for part in (period, f"in {target_text(db_path)}") if part)
        typer.echo(f"no {kind.value} {where}", err=True)
        return
    if as_json:
        typer.echo(report_json(pick_rows(rows, fields_of(ctx, "report"), "report")), nl=False)
        return
    title = " ".join(part for part in (kind.value, "by", group_by.value, period) if part)
    shown = pick_rows(rows, fields_of(ctx, "report"), "report")
    _print_table(report_table(shown, f"{title} (shop currency)"))


@app.command("export")
def export_command(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="File format.")
    ] = ExportFormat.PARQUET,
    out: Annotated[
        Path, typer.Option("--out", help="Directory to write into.", file_okay=False)
    ] = Path("export"),
    tables: Annotated[
        list[str] | None,
        typer.Option(
            "--table-name", "-t", help=f"Tables (repeat; default all: {', '.join(DATA_TABLES)})."
        ),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Write each table to <out>/<table>.<format>."""
    as_json = _json_wanted(ctx, False, False)
    fields = fields_of(ctx, "export")
    db_path = resolve_db(ctx, db)
    _require_db(db_path)
    try:
        written = export(db_path, fmt, out, tables)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    except (OSError, duckdb.IOException) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise CliError(f"cannot write the export into {out}: {reason}", ExitCode.USAGE) from None
    for path in written:
        if as_json:  # one JSON line per file written
            record = {"table": path.stem, "format": ExportFormat(fmt).value, "path": str(path)}
            typer.echo(json_text(pick(record, fields) if fields else record))
        else:
            typer.echo(str(path))
