"""The ``unified-orders`` typer app: the global options and the table of commands.

Each command lives in its own module, imported only when that command runs (see
:mod:`.root`), so ``--help``, ``--version`` and light commands start fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import __version__
from .root import Lazy, RootGroup

__all__ = ["COMMANDS", "app", "main"]

_CLI = "unified_orders.cli"

#: Every command, in the order ``--help`` lists them, with the summary it shows there (a test
#: checks each summary against the command's own help).
COMMANDS = {
    "stores": Lazy(f"{_CLI}.cmd_stores:stores", "The configured stores."),
    "sandbox": Lazy(
        f"{_CLI}.cmd_sandbox:sandbox",
        "The sandbox stores: reset their saved state, or serve them to other processes.",
    ),
    "coverage": Lazy(
        f"{_CLI}.cmd_stores:coverage",
        "The capability matrix: what each platform (or store) can do, with hints for the gaps.",
    ),
    "orders": Lazy(
        f"{_CLI}.cmd_orders:orders", "Read, list, cancel orders and change shipping addresses."
    ),
    "refunds": Lazy(f"{_CLI}.cmd_refunds:refunds", "Preview, create, list and read refunds."),
    "returns": Lazy(
        f"{_CLI}.cmd_returns:returns",
        "Open returns, move them through their lifecycle, and process them into refunds.",
    ),
    "fulfillments": Lazy(
        f"{_CLI}.cmd_fulfillments:fulfillments",
        "Fulfillment orders: holds, requests, moves, shipments with tracking, cancels.",
    ),
    "migrate": Lazy(
        f"{_CLI}.cmd_migrate:migrate_command",
        "Copy orders from one store to another: resumable, never twice, no notifications.",
    ),
    "sync": Lazy(
        f"{_CLI}.cmd_sync:sync_command",
        "Sync orders, refunds, returns and fulfillment orders of every store into the database.",
    ),
    "report": Lazy(
        f"{_CLI}.cmd_sync:report_command",
        "Refunds, returns or orders, grouped, with amounts in each shop's currency.",
    ),
    "export": Lazy(
        f"{_CLI}.cmd_sync:export_command", "Write each table to <out>/<table>.<format>."
    ),
    "webhooks": Lazy(
        f"{_CLI}.cmd_webhooks:webhooks",
        "Receive webhook deliveries into the database, and manage the stores' subscriptions.",
    ),
    "worker": Lazy(
        f"{_CLI}.cmd_worker:worker",
        "Run a Temporal worker for `sync --engine temporal` and bulk refunds.",
    ),
    "completion": Lazy(
        f"{_CLI}.completion:completion",
        "Print the shell completion script (bash, zsh or fish) for unified-orders.",
    ),
}


class UnifiedOrders(RootGroup):
    """The ``unified-orders`` root command."""

    lazy_commands = COMMANDS


app = typer.Typer(
    cls=UnifiedOrders,
    name="unified-orders",
    help=(
        "One command line for post-purchase order work on Next Commerce, Shopify and Shopware: "
        "refunds, returns, fulfillment holds and moves, cancellations, address changes. "
        "With no config file, the sandbox stores (sandbox-nextcommerce, sandbox-shopify, "
        "sandbox-shopware) are ready to try."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"unified-orders {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Stores config (TOML). Default: $UNIFIED_ORDERS_CONFIG, else config.toml in "
            "the user config dir, else the built-in sandbox stores.",
            dir_okay=False,
        ),
    ] = None,
    json_mode: Annotated[
        bool,
        typer.Option(
            "--json",
            help="JSON output, one object per line (JSON Lines), even on a terminal; errors as "
            "one JSON object on stderr.",
        ),
    ] = False,
    table_mode: Annotated[
        bool, typer.Option("--table", help="Table output, even when stdout is not a terminal.")
    ] = False,
    fields: Annotated[
        str | None,
        typer.Option(
            "--fields",
            metavar="NAME,...",
            help="Show only these fields (JSON keys or table columns), in this order.",
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Global options; they may be written anywhere on the command line."""
    from .fields import parse_fields
    from .session import Session

    if json_mode and table_mode:
        raise typer.BadParameter("give --json or --table, not both")
    ctx.obj = Session(
        config_path=config,
        json_mode=json_mode,
        table_mode=table_mode,
        debug=debug,
        fields=parse_fields(fields),
    )


def main() -> None:
    """Entry point of the ``unified-orders`` console script and ``python -m unified_orders``."""
    from .completion import prepare_completion

    prepare_completion()
    app(prog_name="unified-orders")
