"""``returns create|get|list|approve|decline|close|cancel|reopen|add-items|calculate|process``."""

from __future__ import annotations

from typing import Annotated

import typer

from ..adapter import Capability, ReturnAction
from ..keys import check_key
from ..models import Refund, Restock, Return, ReturnRequest
from ..operations.returns import process_key
from ..writes import refunds_with_key
from .errors import CliError, ExitCode
from .lines import parse_return_line
from .output import calculation_tables, money, refund_tables, return_tables, returns_table
from .params import NoteOpt, NotifyOpt, OrderArg, ReturnArg, StoreArg, YesOpt
from .session import Session, session_of

__all__ = ["returns"]

returns = typer.Typer(
    help="Open returns, move them through their lifecycle, and process them into refunds.",
    no_args_is_help=True,
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


@returns.command("add-items")
def add_items(
    ctx: typer.Context,
    store: StoreArg,
    return_id: ReturnArg,
    line: Annotated[
        list[str] | None,
        typer.Option("--line", help="LINE_ID:QTY[:REASON] of a shipped order line (repeat)."),
    ] = None,
) -> None:
    """Add units of order lines to an open return (a line already in it grows)."""
    if not line:
        raise CliError("give at least one --line LINE_ID:QTY", ExitCode.USAGE)
    session = session_of(ctx)
    lines = [parse_return_line(text) for text in line]
    session.output.item(session.store(store).returns.add_items(return_id, lines), return_tables)


@returns.command("calculate")
def calculate(ctx: typer.Context, store: StoreArg, return_id: ReturnArg) -> None:
    """Preview the refund of an open return's unprocessed units. Nothing is sent."""
    session = session_of(ctx)
    session.output.item(session.store(store).returns.calculate(return_id), calculation_tables)


_RESTOCKS = {"return": Restock.RETURN, "no_restock": Restock.NO_RESTOCK, "cancel": Restock.CANCEL}


@returns.command("process")
def process(
    ctx: typer.Context,
    store: StoreArg,
    return_id: ReturnArg,
    no_refund: Annotated[
        bool, typer.Option("--no-refund", help="Process the units without refunding them.")
    ] = False,
    restock: Annotated[
        str | None,
        typer.Option(
            "--restock",
            help="What happens to the returned units' stock: return (restock) or no_restock "
            "(left out: the platform's default, see its notes).",
        ),
    ] = None,
    note: NoteOpt = None,
    notify: NotifyOpt = False,
    yes: YesOpt = False,
    idempotency_key: Annotated[
        str | None,
        typer.Option(help="Key for exactly-once (default: one derived from the return)."),
    ] = None,
) -> None:
    """Process a return and refund what it calculates: shows the preview, then asks (or needs
    --yes). Exactly once: running it again returns the refund it made."""
    if restock is not None and restock not in _RESTOCKS:
        raise CliError(
            f"--restock {restock!r} is not one of {', '.join(_RESTOCKS)}", ExitCode.USAGE
        )
    check_key(idempotency_key)
    session = session_of(ctx)
    out = session.output
    connected = session.store(store)
    refund = not no_refund
    if refund and _processed_earlier(session, store, return_id, idempotency_key):
        return
    question = f"Process return {return_id} of {store} without a refund?"
    what = f"processing return {return_id}"
    if refund:
        preview = connected.returns.calculate(return_id)
        if out.tables:
            out.item(preview, calculation_tables)
        elif not yes:
            out.json_line(preview)
        question = f"Process return {return_id} of {store} and refund {money(preview.total)}?"
        what = f"the refund of return {return_id}"
    if out.tables:
        out.note(f"customer notification: {'on' if notify else 'off'}")
    session.confirm(question, yes=yes, what=what)
    processed, made = connected.returns.process(
        return_id,
        refund=refund,
        restock=None if restock is None else _RESTOCKS[restock],
        notify=notify,
        note=note,
        idempotency_key=idempotency_key,
    )
    _show(session, processed, made)


def _show(session: Session, processed: Return, made: Refund | None) -> None:
    """The return, then its refund: tables (or chosen fields) one after the other, or one JSON
    document ``{"return": ..., "refund": ...}``."""
    out = session.output
    if out.tables or out.fields is not None:
        out.item(processed, return_tables)
        if made is not None:
            out.item(made, refund_tables)
    else:
        out.json_line({"return": processed, "refund": made})


def _processed_earlier(session: Session, store: str, return_id: str, key: str | None) -> bool:
    """A re-run: when a refund of the return's order already carries the key, show it instead
    of previewing and asking for a refund that will not be made again."""
    connected = session.store(store)
    needed = (Capability.RETURNS_GET, Capability.ORDERS_GET, Capability.RETURNS_PROCESS)
    if not all(c in connected.capabilities for c in needed):
        return False
    ret = connected.returns.get(return_id)
    wanted = key or process_key(connected.platform, ret.id)
    if not refunds_with_key(connected.orders.get(ret.order_id).refunds, wanted):
        return False
    session.output.note(
        f"return {return_id} was processed with idempotency key {wanted!r}: nothing is sent"
    )
    processed, made = connected.returns.process(return_id, idempotency_key=key)
    _show(session, processed, made)
    return True
