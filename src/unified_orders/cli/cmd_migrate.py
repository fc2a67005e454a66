"""``unified-orders migrate SOURCE TARGET``: copy orders from one store to another, never twice.

Each source order is created on the target carrying a marker of its source id, and recorded in
the id map (``migration_map`` in the ``--db`` database). A re-run skips unchanged orders and
reports changed ones; a run killed at any point resumes: an order created but not yet recorded is
found on the target by its marker and adopted, never created again. ``--dry-run`` checks every
order against the target (every problem at once) and writes nothing. Customers are never
notified and stock never moves.

Output: one line per order on a terminal (a table at the end), else one JSON summary object
(``source``, ``target``, ``dry_run``, ``counts``, ``orders``: each with ``outcome``,
``target_id``, ``not_carried``, ``problems``, ``differences``). Exit 0 when every order was
migrated, skipped or would be; 9 when some were refused, failed or left pending; 8 without
``--yes`` and no terminal to confirm on; 11 when another migration holds the database.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from ..migrate import (
    Endpoint,
    Migration,
    MigrationOptions,
    MigrationSummary,
    OrderResult,
    ProductMap,
    load_product_map,
    open_idmap,
    read_idmap,
)
from ..sync.period import parse_moment
from .cmd_sync import DbOpt, resolve_db
from .errors import CliError, ExitCode
from .results import json_text
from .session import session_of

__all__ = ["migrate_command"]

_MOMENT = "a date (2026-12-01), an ISO datetime, today, yesterday, or a time ago (7d, 2w); UTC"


def _moment(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = parse_moment(value, now=datetime.now(UTC))
    except ValueError as error:
        raise typer.BadParameter(f"{option} {error}") from None
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time(), UTC)


def _order_refs(path: Path | None) -> list[str] | None:
    """The ids or numbers in an ``--orders`` file: one a line; blank lines and ``#`` comments
    skipped (a line starting ``#`` and a digit is an order number)."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise typer.BadParameter(f"--orders {path}: {error.strerror}") from None
    refs = []
    for line in text.splitlines():
        ref = line.strip()
        if ref and not (ref.startswith("#") and not ref[1:2].isdigit()):
            refs.append(ref)
    return refs


def _line(result: OrderResult) -> str:
    name = result.source_number or result.source_id
    where = f" -> {result.target_id}" if result.target_id else ""
    text = f"{name}: {result.outcome}{where}"
    for label, items in (
        ("problem", result.problems),
        ("not carried", result.not_carried),
        ("differs", result.differences),
    ):
        text += "".join(f"\n    {label}: {item}" for item in items)
    return text


def _counts(summary: MigrationSummary) -> str:
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(summary.counts.items()))
    mode = "dry run, nothing written: " if summary.dry_run else ""
    hidden = f"; did not read: {'; '.join(summary.not_read)}" if summary.not_read else ""
    return f"{summary.source} -> {summary.target}: {mode}{counts or 'no orders selected'}{hidden}"


def migrate_command(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The store to copy orders from.")],
    target: Annotated[str, typer.Argument(help="The store to create them in.")],
    since: Annotated[
        str | None, typer.Option("--since", help=f"Orders placed from this moment: {_MOMENT}.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help=f"Orders placed before this moment: {_MOMENT}.")
    ] = None,
    orders: Annotated[
        Path | None,
        typer.Option(
            "--orders",
            help="A file of source order ids or numbers, one a line (instead of --since/--until).",
            dir_okay=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check every order against the target; write nothing."),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="At most N orders needing work (skipped don't count)."),
    ] = None,
    map_products: Annotated[
        Path | None,
        typer.Option(
            "--map-products",
            help="CSV with columns source (SKU, variant or product id) and target (the target's "
            "variant id). Default: by SKU, as custom lines where the target takes them.",
            dir_okay=False,
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Migrate without asking.")] = False,
    db: DbOpt = None,
    json_flag: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Copy orders from one store to another: resumable, never twice, no notifications."""
    session = session_of(ctx)
    if orders is not None and (since or until):
        raise typer.BadParameter("give --orders or --since/--until, not both")
    options = MigrationOptions(
        since=_moment(since, "--since"),
        until=_moment(until, "--until"),
        orders=_order_refs(orders),
        dry_run=dry_run,
        limit=limit,
        products=load_product_map(map_products) if map_products else ProductMap(),
    )
    database = resolve_db(ctx, db)
    session.open_stores([source, target])
    ends = Endpoint(source, session.store(source)), Endpoint(target, session.store(target))
    if not dry_run:
        session.confirm(
            f"Create orders of {source} in {target} (no notifications, no stock moves)?",
            yes=yes,
            what="the migration",
        )
    idmap = (read_idmap if dry_run else open_idmap)(database, source, target)
    json_out = json_flag or not session.output.tables
    err = session.output.err
    bar = Progress(console=err, disable=not err.is_terminal)
    total = len(options.orders) if options.orders is not None else None
    try:
        migration = Migration(*ends, idmap, options, after_write=lambda: session.checkpoint(target))
        with bar:
            task = bar.add_task(f"{source} -> {target}", total=total)

            def progress(result: OrderResult) -> None:
                bar.advance(task)
                if not json_out or err.is_terminal:
                    bar.console.print(_line(result), highlight=False, markup=False)

            summary = migration.run(progress)
    finally:
        if idmap is not None:
            idmap.close()
    if json_out:
        typer.echo(json_text(summary.as_dict()))
    else:
        session.output.console.print(_counts(summary), markup=False)
    if not summary.complete:
        raise CliError(_counts(summary), ExitCode.BULK_INCOMPLETE)
