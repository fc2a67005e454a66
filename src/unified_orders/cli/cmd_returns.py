"""``returns create|get|list|approve|decline|close|cancel|reopen``."""

from __future__ import annotations

from typing import Annotated

import typer

from ..adapter import ReturnAction
from ..models import ReturnRequest
from .errors import CliError, ExitCode
from .lines import parse_return_line
from .output import return_tables, returns_table
from .params import NoteOpt, NotifyOpt, OrderArg, ReturnArg, StoreArg
from .session import session_of

__all__ = ["returns"]

returns = typer.Typer(
    help="Open returns and move them through their lifecycle.", no_args_is_help=True
)


@returns.command("create")
def create(
    ctx: typer.Context,
    store: StoreArg,
    order: OrderArg,
    line: Annotated[
        list[str] | None,
        typer.Option("--line", help="LINE_ID:QTY[:REASON] of a fulfilled line (repeat)."),
    ] = None,
    requested: Annotated[
        bool,
        typer.Option("--requested", help="Open it as a customer request awaiting approval."),
    ] = False,
    note: NoteOpt = None,
    notify: NotifyOpt = False,
    idempotency_key: Annotated[
        str | None, typer.Option(help="Key for exactly-once (default: a fresh one).")
    ] = None,
) -> None:
    """Open a return for fulfilled units."""
    if not line:
        raise CliError("give at least one --line LINE_ID:QTY", ExitCode.USAGE)
    session = session_of(ctx)
    request = ReturnRequest(
        lines=[parse_return_line(text) for text in line],
        requested=requested,
        note=note,
        notify=notify,
    )
    result = session.store(store).returns.create(order, request, idempotency_key=idempotency_key)
    session.output.item(result, return_tables)


@returns.command("get")
def get(ctx: typer.Context, store: StoreArg, return_id: ReturnArg) -> None:
    """Show one return."""
    session = session_of(ctx)
    session.output.item(session.store(store).returns.get(return_id), return_tables)


@returns.command("list")
def list_returns(ctx: typer.Context, store: StoreArg, order: OrderArg) -> None:
    """The returns of an order."""
    session = session_of(ctx)
    session.output.items(session.store(store).returns.list(order), returns_table)


def _action(action: ReturnAction, summary: str) -> None:
    def command(
        ctx: typer.Context, store: StoreArg, return_id: ReturnArg, note: NoteOpt = None
    ) -> None:
        session = session_of(ctx)
        namespace = session.store(store).returns
        result = getattr(namespace, action.value)(return_id, note=note)
        session.output.item(result, return_tables)

    command.__doc__ = summary
    returns.command(action.value)(command)


_action(ReturnAction.APPROVE, "Approve a requested return.")
_action(ReturnAction.DECLINE, "Decline a requested return.")
_action(ReturnAction.CLOSE, "Close a return.")
_action(ReturnAction.CANCEL, "Cancel a return.")
_action(ReturnAction.REOPEN, "Reopen a closed return.")
