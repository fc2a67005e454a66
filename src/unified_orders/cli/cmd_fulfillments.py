"""``fulfillments list|hold|release|request|cancel-request|locations|move``."""

from __future__ import annotations

from typing import Annotated

import typer

from ..models import HoldReason
from .lines import parse_unit_lines
from .output import fulfillment_order_tables, fulfillment_orders_table, locations_table
from .params import FoArg, LinesOpt, NoteOpt, NotifyOpt, OrderArg, StoreArg
from .session import session_of

__all__ = ["fulfillments"]

fulfillments = typer.Typer(
    help="Fulfillment orders: holds, fulfillment requests, moves between locations.",
    no_args_is_help=True,
)
MessageOpt = Annotated[str | None, typer.Option("--message", help="A message to the fulfiller.")]


@fulfillments.command("list")
def list_fos(ctx: typer.Context, store: StoreArg, order: OrderArg) -> None:
    """The fulfillment orders of an order."""
    session = session_of(ctx)
    session.output.items(session.store(store).fulfillments.list(order), fulfillment_orders_table)


@fulfillments.command("hold")
def hold(
    ctx: typer.Context,
    store: StoreArg,
    fulfillment_order: FoArg,
    reason: Annotated[HoldReason, typer.Option(help="Why it is held.")] = HoldReason.OTHER,
    note: NoteOpt = None,
) -> None:
    """Put a fulfillment order on hold."""
    session = session_of(ctx)
    result = session.store(store).fulfillments.hold(fulfillment_order, reason=reason, note=note)
    session.output.item(result, fulfillment_order_tables)


@fulfillments.command("release")
def release(ctx: typer.Context, store: StoreArg, fulfillment_order: FoArg) -> None:
    """Release the holds on a fulfillment order."""
    session = session_of(ctx)
    result = session.store(store).fulfillments.release_hold(fulfillment_order)
    session.output.item(result, fulfillment_order_tables)


@fulfillments.command("request")
def request(
    ctx: typer.Context,
    store: StoreArg,
    fulfillment_order: FoArg,
    line: LinesOpt = None,
    message: MessageOpt = None,
    notify: NotifyOpt = False,
) -> None:
    """Ask the fulfillment service to ship (some of) the lines."""
    session = session_of(ctx)
    result = session.store(store).fulfillments.request_fulfillment(
        fulfillment_order, lines=parse_unit_lines(line or []), message=message, notify=notify
    )
    session.output.item(result, fulfillment_order_tables)


@fulfillments.command("cancel-request")
def cancel_request(
    ctx: typer.Context, store: StoreArg, fulfillment_order: FoArg, message: MessageOpt = None
) -> None:
    """Ask the fulfillment service to cancel."""
    session = session_of(ctx)
    result = session.store(store).fulfillments.request_cancellation(
        fulfillment_order, message=message
    )
    session.output.item(result, fulfillment_order_tables)


@fulfillments.command("locations")
def locations(ctx: typer.Context, store: StoreArg, fulfillment_order: FoArg) -> None:
    """Locations the fulfillment order can move to."""
    session = session_of(ctx)
    found = session.store(store).fulfillments.available_locations(fulfillment_order)
    session.output.items(found, locations_table)


@fulfillments.command("move")
def move(
    ctx: typer.Context,
    store: StoreArg,
    fulfillment_order: FoArg,
    location: Annotated[str, typer.Argument(help="Location id to move to (see `locations`).")],
    line: LinesOpt = None,
) -> None:
    """Move (some lines of) a fulfillment order to another location."""
    session = session_of(ctx)
    result = session.store(store).fulfillments.move(
        fulfillment_order, location, lines=parse_unit_lines(line or [])
    )
    session.output.item(result, fulfillment_order_tables)
