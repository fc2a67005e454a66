"""``fulfillments list|hold|release|request|cancel-request|cancel|locations|move|ship|track``.

``ship`` ships with tracking (one fulfillment order, or many from a CSV: :mod:`.bulk_ship`),
``track`` replaces a shipment's tracking, ``cancel`` cancels a fulfillment order outright where the
platform has such a cancel (``cancel-request`` only asks a fulfillment service to cancel).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..keys import check_key
from ..models import HoldReason
from .bulk_opts import EncodingOpt, KeyOpt, ResultsOpt, RetryOpt, csv_option, results_path
from .errors import CliError, ExitCode
from .lines import parse_unit_lines
from .output import fulfillment_order_tables, fulfillment_orders_table, locations_table
from .params import FoArg, LinesOpt, NoteOpt, NotifyOpt, OrderArg, StoreArg, YesOpt
from .session import session_of
from .ship import (
    CompanyOpt,
    NumbersOpt,
    UrlsOpt,
    describe_lines,
    parse_tracking,
    ship_preview,
    shipment_tables,
)

__all__ = ["fulfillments"]

fulfillments = typer.Typer(
    help="Fulfillment orders: holds, requests, moves, shipments with tracking, cancels.",
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
    """Ask the fulfillment service to cancel (it may refuse); see `cancel` to cancel outright."""
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


@fulfillments.command("cancel")
def cancel(
    ctx: typer.Context, store: StoreArg, fulfillment_order: FoArg, yes: YesOpt = False
) -> None:
    """Cancel a fulfillment order outright (asks, or needs --yes); `cancel-request` asks a
    fulfillment service to cancel instead."""
    session = session_of(ctx)
    connected = session.store(store)
    session.confirm(
        f"Cancel fulfillment order {fulfillment_order} of {store}?",
        yes=yes,
        what=f"the cancel of fulfillment order {fulfillment_order}",
    )
    session.output.item(connected.fulfillments.cancel(fulfillment_order), fulfillment_order_tables)


ShipLinesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--line",
        help="FULFILLMENT_ORDER_LINE_ID:QTY to ship part of the lines (repeat; default: every "
        "unit left). Never widened: a platform that cannot ship part refuses.",
    ),
]


@fulfillments.command("ship")
def ship(
    ctx: typer.Context,
    store: Annotated[str | None, typer.Argument(help="Store name (not with --from-csv).")] = None,
    fulfillment_order: Annotated[
        str | None,
        typer.Argument(help="Fulfillment order id (on Shopify also its GID; not with --from-csv)."),
    ] = None,
    line: ShipLinesOpt = None,
    tracking_company: CompanyOpt = None,
    tracking_number: NumbersOpt = None,
    tracking_url: UrlsOpt = None,
    notify: NotifyOpt = False,
    yes: YesOpt = False,
    idempotency_key: KeyOpt = None,
    from_csv: Annotated[
        Path | None,
        csv_option(
            "store, order, fulfillment_order, line, quantity, tracking_company, "
            "tracking_number, tracking_url, notify (and optionally group)"
        ),
    ] = None,
    results: ResultsOpt = None,
    retry_unfinished: RetryOpt = False,
    encoding: EncodingOpt = "utf-8-sig",
) -> None:
    """Ship a fulfillment order with tracking: shows the shipment, then asks (or needs --yes).
    Or a bulk run with --from-csv."""
    session = session_of(ctx)
    tracking = parse_tracking(tracking_company, tracking_number, tracking_url)
    if from_csv is not None:
        if store or fulfillment_order or line or tracking or idempotency_key:
            raise CliError(
                "with --from-csv, the store, fulfillment order, lines and tracking come from the "
                "file; give no STORE/FULFILLMENT_ORDER/--line/--tracking-*/--idempotency-key",
                ExitCode.USAGE,
            )
        from .bulk import BulkOptions, run_bulk
        from .bulk_ship import SHIPPING

        target = results_path(from_csv, results)
        options = BulkOptions(from_csv, target, yes, notify, retry_unfinished, encoding)
        run_bulk(session, options, SHIPPING)
        return
    if store is None or fulfillment_order is None:
        raise CliError("give STORE and FULFILLMENT_ORDER (or --from-csv FILE)", ExitCode.USAGE)
    if idempotency_key is not None:
        check_key(idempotency_key)
    lines = parse_unit_lines(line) if line else None
    connected = session.store(store)
    out = session.output
    if out.tables:
        out.console.print(ship_preview(store, fulfillment_order, lines, tracking, notify))
    elif not yes:
        out.json_line(
            {
                "fulfillment_order_id": fulfillment_order,
                "lines": lines,
                "tracking": tracking,
                "notify": notify,
            }
        )
    session.confirm(
        f"Ship {describe_lines(lines)} of fulfillment order {fulfillment_order} of {store}?",
        yes=yes,
        what=f"the shipment of fulfillment order {fulfillment_order}",
    )
    shipment = connected.fulfillments.create(
        fulfillment_order,
        lines=lines,
        tracking=tracking,
        notify=notify,
        idempotency_key=idempotency_key,
    )
    out.item(shipment, shipment_tables)


@fulfillments.command("track")
def track(
    ctx: typer.Context,
    store: StoreArg,
    fulfillment: Annotated[
        str, typer.Argument(help="The shipment (fulfillment) id, as `ship` printed it.")
    ],
    tracking_company: CompanyOpt = None,
    tracking_number: NumbersOpt = None,
    tracking_url: UrlsOpt = None,
    notify: NotifyOpt = False,
) -> None:
    """Replace a shipment's tracking (numbers, carrier, links)."""
    session = session_of(ctx)
    tracking = parse_tracking(tracking_company, tracking_number, tracking_url)
    if not any(t.number or t.url for t in tracking):
        raise CliError("give --tracking-number (or --tracking-url)", ExitCode.USAGE)
    shipment = session.store(store).fulfillments.update_tracking(
        fulfillment, tracking, notify=notify
    )
    session.output.item(shipment, shipment_tables)
