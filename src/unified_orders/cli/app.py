"""The ``unified-orders`` typer app: global options, error handling, and the command groups."""

from __future__ import annotations

import os
import sys
import traceback
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .. import __version__
from ..http import redact
from . import cmd_fulfillments, cmd_orders, cmd_refunds, cmd_returns, cmd_stores, cmd_sync
from .errors import describe, exit_code_for
from .session import Session

__all__ = ["app", "main"]

#: Flags that may be written anywhere on the command line (before a ``--``).
_GLOBAL_FLAGS = ("--json", "--table", "--debug")


class RootGroup(TyperGroup):
    """The root command: global flags anywhere, and every error as one line plus an exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Move global flags written after the subcommand to the front, where Click expects them."""
        if "--" in args:
            cut = args.index("--")
            head, tail = args[:cut], args[cut:]
        else:
            head, tail = args, []
        hoisted = [a for a in head if a in _GLOBAL_FLAGS]
        rest = [a for a in head if a not in _GLOBAL_FLAGS]
        return super().parse_args(ctx, hoisted + rest + tail)

    def invoke(self, ctx: Any) -> Any:
        """Run the command; save sandbox stores; turn errors into one line and an exit code."""
        try:
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("default")
                    try:
                        return super().invoke(ctx)
                    finally:
                        _show(caught)
            finally:
                if isinstance(ctx.obj, Session):
                    ctx.obj.close()
        except (typer.Exit, typer.TyperException, typer.Abort):
            raise
        except BrokenPipeError:
            # the reader went away (``orders list | head``): not an error; stop writing quietly
            _silence_stdout()
            raise typer.Exit(0) from None
        except (Exception, KeyboardInterrupt) as error:
            session = ctx.obj if isinstance(ctx.obj, Session) else None
            debug = session.debug if session else bool(ctx.params.get("debug"))
            secrets = session.secrets if session else []
            if debug:
                text = "".join(traceback.format_exception(error))
                sys.stderr.write(redact(text, secrets))
            line = describe(error, secrets)
            code = exit_code_for(error)
            if code == 1 and not debug:
                line += " (run again with --debug for the traceback)"
            typer.echo(line, err=True)
            raise typer.Exit(int(code)) from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _show(caught: list[warnings.WarningMessage]) -> None:
    """Library warnings (a plugin that failed to load, ...) as one ``warning:`` line each."""
    seen: set[str] = set()
    for item in caught:
        text = str(item.message)
        if text not in seen:
            seen.add(text)
            typer.echo(f"warning: {text}", err=True)


app = typer.Typer(
    cls=RootGroup,
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
        bool, typer.Option("--json", help="JSON output (JSON Lines for lists), even on a terminal.")
    ] = False,
    table_mode: Annotated[
        bool, typer.Option("--table", help="Table output, even when stdout is not a terminal.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Global options; they may be written anywhere on the command line."""
    if json_mode and table_mode:
        raise typer.BadParameter("give --json or --table, not both")
    ctx.obj = Session(config_path=config, json_mode=json_mode, table_mode=table_mode, debug=debug)


app.add_typer(cmd_stores.stores, name="stores")
app.add_typer(cmd_stores.sandbox, name="sandbox")
app.command("coverage")(cmd_stores.coverage)
app.add_typer(cmd_orders.orders, name="orders")
app.add_typer(cmd_refunds.refunds, name="refunds")
app.add_typer(cmd_returns.returns, name="returns")
app.add_typer(cmd_fulfillments.fulfillments, name="fulfillments")
app.command("sync")(cmd_sync.sync_command)
app.command("report")(cmd_sync.report_command)
app.command("export")(cmd_sync.export_command)


def main() -> None:
    """Entry point of the ``unified-orders`` console script and ``python -m unified_orders``."""
    app(prog_name="unified-orders")
