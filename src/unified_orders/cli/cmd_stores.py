"""``stores list|check`` and ``coverage``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import UnifiedOrdersError
from .completion import store_names
from .errors import CliError, ExitCode, cli_terms, describe, exit_code_for
from .output import records_table
from .session import session_of

if TYPE_CHECKING:
    from rich.table import Table

    from ..adapter import Capability

__all__ = ["coverage", "stores"]

stores = typer.Typer(help="The configured stores.", no_args_is_help=True)

StoresArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Store names (default: every configured store).", autocompletion=store_names
    ),
]


@stores.command("list")
def list_stores(ctx: typer.Context) -> None:
    """List the configured stores (secrets never shown; variables by name only)."""
    session = session_of(ctx)
    config = session.config
    if config.path is None:
        session.output.note("no config file: showing the built-in sandbox stores")
    records = []
    for store in config.stores.values():
        for warning in store.warnings():
            session.warn_once(warning)
        settings = {k: v for k, v in store.describe().items() if k != "sandbox"}
        records.append(
            {
                "name": store.name,
                "platform": store.platform,
                "sandbox": store.sandbox,
                "source": store.source,
                "settings": settings,
            }
        )
    session.output.items(
        records, records_table("Stores", ["name", "platform", "sandbox", "source", "settings"])
    )


@stores.command("check")
def check_stores(ctx: typer.Context, names: StoresArg = None) -> None:
    """Connect, authenticate and read one order from each store."""
    from ..adapter import Capability

    session = session_of(ctx)
    chosen = names or list(session.config.stores)
    records: list[dict[str, Any]] = []
    failures: list[tuple[str, BaseException]] = []
    session.open_stores(chosen)
    for name in chosen:
        record: dict[str, Any] = {"store": name, "platform": None, "ok": False}
        try:
            store = session.store(name)
            record["platform"] = store.platform
            first = None
            if Capability.ORDERS_LIST in store.capabilities:
                first = next(iter(store.orders.list()), None)
            if first is not None and Capability.ORDERS_GET in store.capabilities:
                first = store.orders.get(first.id)
            record["order"] = first.id if first is not None else None
            record["ok"] = True
            record["detail"] = "read one order" if first is not None else "no orders to read"
        except UnifiedOrdersError as error:
            record["detail"] = describe(error, session.secrets)
            failures.append((name, error))
        records.append(record)
    session.output.items(
        records, records_table("Store check", ["store", "platform", "ok", "order", "detail"])
    )
    if failures:
        names_failed = ", ".join(name for name, _ in failures)
        raise CliError(
            f"{len(failures)} of {len(chosen)} store(s) failed the check: {names_failed}",
            exit_code_for(failures[0][1]),
        )


def coverage(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Stores to compare (default: every registered adapter's sandbox).",
            autocompletion=store_names,
        ),
    ] = None,
) -> None:
    """The capability matrix: what each platform (or store) can do, with hints for the gaps."""
    from ..adapter import Capability
    from ..connect import adapters, connect

    session = session_of(ctx)
    columns: dict[str, dict[Capability, str | None]] = {}
    if names:
        session.open_stores(names)
        for name in names:
            store = session.store(name)
            columns[name] = _matrix(store.capabilities, store.adapter.hint)
    else:
        for platform, info in adapters().items():
            if info.error is not None:
                session.warn_once(f"adapter {platform!r} failed to load: {info.error}")
                continue
            try:
                store = connect(platform, sandbox=True)
                columns[platform] = _matrix(store.capabilities, store.adapter.hint)
                store.close()
            except UnifiedOrdersError:
                columns[platform] = _matrix(info.capabilities, lambda _: "")
    if not columns:
        raise CliError("no adapters are registered", ExitCode.CONFIGURATION)
    rows = [
        {
            "capability": capability.value,
            "platforms": {
                column: (
                    {"supported": True}
                    if cells[capability] is None
                    else {"supported": False, "hint": cells[capability] or None}
                )
                for column, cells in columns.items()
            },
        }
        for capability in Capability
    ]
    session.output.items(rows, lambda records: _coverage_tables(records, list(columns)))


def _matrix(supported: frozenset[Capability], hint: Any) -> dict[Capability, str | None]:
    """None where supported, else the hint in CLI terms (maybe empty)."""
    from ..adapter import Capability

    return {c: None if c in supported else cli_terms(hint(c) or "") for c in Capability}


def _coverage_tables(rows: list[dict[str, Any]], columns: list[str]) -> list[Table]:
    from rich.table import Table

    matrix = Table(title="Coverage", title_justify="left")
    matrix.add_column("operation")
    for column in columns:
        matrix.add_column(column, justify="center")
    hints: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        cells = row["platforms"]
        matrix.add_row(
            row["capability"], *["yes" if cells[c]["supported"] else "-" for c in columns]
        )
        for column in columns:
            if not cells[column]["supported"] and cells[column].get("hint"):
                hints.setdefault((column, cells[column]["hint"]), []).append(row["capability"])
    gaps = Table(title="Not supported, and what to do instead", title_justify="left")
    gaps.add_column("where")
    gaps.add_column("operations")
    gaps.add_column("hint")
    for (column, hint), operations in hints.items():
        gaps.add_row(column, "\n".join(operations), hint)
    return [matrix, gaps] if hints else [matrix]
