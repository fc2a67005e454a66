"""``refunds calculate|create|list|get``, and bulk refunds from a CSV.

A refund is lines and/or shipping (``--line``, ``--shipping``; a line may carry ``@AMOUNT`` to
refund less than its price), an amount alone (``--amount``, a goodwill refund), or everything
left on the order (``--all``). The three kinds do not mix: combining them is a usage error
(exit 2) naming the flags.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..adapter import Capability
from ..keys import check_key
from ..models import RefundCalculation, RefundRequest
from ..writes import refunds_with_key
from .bulk import BulkOptions, run_bulk
from .completion import refund_lines
from .engine_opts import (
    DEFAULT_TASK_QUEUE,
    EngineOpt,
    TaskQueueOpt,
    TemporalOpt,
    engine_target,
)
from .errors import CliError, ExitCode
from .lines import parse_amount, parse_refund_line, parse_shipping
from .output import calculation_tables, fields_table, money, refund_tables, refunds_table
from .params import NoteOpt, NotifyOpt, OrderArg, StoreArg, YesOpt
from .session import Session, session_of

__all__ = ["refunds"]

refunds = typer.Typer(help="Preview, create, list and read refunds.", no_args_is_help=True)

RefundLinesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--line",
        help="LINE_ID:QTY[:RESTOCK[:LOCATION]], optionally ending in @AMOUNT. RESTOCK one of "
        "no_restock, cancel, return (left out: inferred from the line's state); @AMOUNT refunds "
        "the units for that amount (tax included) instead of their price, e.g. 1001:1@5.00. "
        "Repeat for more lines.",
        autocompletion=refund_lines,
    ),
]
ShippingOpt = Annotated[
    str | None, typer.Option("--shipping", help="Refund shipping: 'full' or an amount.")
]
AmountOpt = Annotated[
    str | None,
    typer.Option(
        "--amount",
        help="An amount-only (goodwill) refund, tax included, in the order's currency: no "
        "lines, no shipping (not with --line, --shipping or --all).",
    ),
]
AllOpt = Annotated[
    bool,
    typer.Option(
        "--all",
        help="Refund everything left: every refundable unit (restock inferred), the shipping "
        "left, and money the payments still hold (not with --line, --shipping or --amount).",
    ),
]


def _request(
    lines: list[str] | None, shipping: str | None, amount: str | None, everything: bool
) -> RefundRequest:
    """The request the flags describe; combinations of kinds are usage errors naming the flags."""
    given = [
        flag
        for flag, value in (("--line", lines), ("--shipping", shipping), ("--amount", amount))
        if value
    ]
    if everything and given:
        raise CliError(
            f"--all refunds everything left on the order; give no {' or '.join(given)} with it",
            ExitCode.USAGE,
        )
    if amount and len(given) > 1:
        others = " or ".join(flag for flag in given if flag != "--amount")
        raise CliError(
            f"--amount refunds an amount alone; give no {others} with it (to refund less for "
            "a line, give the line an amount: --line LINE_ID:QTY@AMOUNT)",
            ExitCode.USAGE,
        )
    if everything:
        return RefundRequest.everything_left()
    if amount:
        return RefundRequest(amount=parse_amount(amount, "--amount"))
    request = RefundRequest(
        lines=[parse_refund_line(text) for text in lines or []],
        shipping=parse_shipping(shipping),
    )
    if not request.lines and request.shipping is None:
        raise CliError("give --line, --shipping, --amount or --all", ExitCode.USAGE)
    return request


def _summary(request: RefundRequest) -> list[tuple[str, str]]:
    """The request as rows, where the platform gives no preview."""
    if request.remaining:
        return [("refund", "everything left")]
    if request.amount is not None:
        return [("amount", str(request.amount))]
    lines = ", ".join(
        f"{x.line_id}x{x.quantity}" + (f" for {x.amount}" if x.amount is not None else "")
        for x in request.lines
    )
    shipping = request.shipping
    shipped = "full" if shipping and shipping.full else str(shipping.amount) if shipping else ""
    return [("lines", lines), ("shipping", shipped)]


@refunds.command("calculate")
def calculate(
    ctx: typer.Context,
    store: StoreArg,
    order: OrderArg,
    line: RefundLinesOpt = None,
    shipping: ShippingOpt = None,
    amount: AmountOpt = None,
    everything: AllOpt = False,
) -> None:
    """Preview a refund: amounts, restock, transactions paid back. Nothing is sent."""
    session = session_of(ctx)
    request = _request(line, shipping, amount, everything)
    result = session.store(store).refunds.calculate(order, request)
    session.output.item(result, calculation_tables)


@refunds.command("create")
def create(
    ctx: typer.Context,
    store: Annotated[str | None, typer.Argument(help="Store name (not with --from-csv).")] = None,
    order: Annotated[
        str | None,
        typer.Argument(help="The order: number (#1001), id or GID (not with --from-csv)."),
    ] = None,
    line: RefundLinesOpt = None,
    shipping: ShippingOpt = None,
    amount: AmountOpt = None,
    everything: AllOpt = False,
    note: NoteOpt = None,
    notify: NotifyOpt = False,
    yes: YesOpt = False,
    idempotency_key: Annotated[
        str | None, typer.Option(help="Key for exactly-once (default: a fresh one).")
    ] = None,
    from_csv: Annotated[
        Path | None,
        typer.Option(
            "--from-csv",
            help="Bulk: a CSV with columns store, order, line, quantity, restock, location, "
            "shipping, note (and optionally group, amount, all).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    results: Annotated[
        Path | None,
        typer.Option(
            help="Bulk: the results CSV each run appends its rows' outcomes to "
            "(default: FILE.results.csv)."
        ),
    ] = None,
    retry_unfinished: Annotated[
        bool,
        typer.Option(
            "--retry-unfinished",
            help="Bulk: send again refunds an interrupted run left with an unknown outcome "
            "(check the platform first).",
        ),
    ] = False,
    encoding: Annotated[
        str,
        typer.Option(help="Bulk: the CSV's text encoding, e.g. latin-1 (default: UTF-8)."),
    ] = "utf-8-sig",
    engine: EngineOpt = None,
    temporal: TemporalOpt = None,
    task_queue: TaskQueueOpt = DEFAULT_TASK_QUEUE,
) -> None:
    """Create a refund: shows the preview, then asks (or needs --yes). Or a bulk run with --from-csv."""
    session = session_of(ctx)
    out = session.output
    if engine is not None and from_csv is None:
        raise CliError("--engine runs a bulk refund: give --from-csv FILE", ExitCode.USAGE)
    if from_csv is not None:
        if store or order or line or shipping or amount or everything or note or idempotency_key:
            raise CliError(
                "with --from-csv, the store, order, lines, shipping, amounts and note come from "
                "the file; give no STORE/ORDER/--line/--shipping/--amount/--all/--note/"
                "--idempotency-key",
                ExitCode.USAGE,
            )
        target = results or from_csv.with_name(f"{from_csv.stem}.results.csv")
        run_bulk(
            session,
            BulkOptions(
                source=from_csv,
                results=target,
                yes=yes,
                notify=notify,
                retry_unfinished=retry_unfinished,
                encoding=encoding,
                engine=engine_target(engine, temporal, task_queue),
            ),
        )
        return
    if store is None or order is None:
        raise CliError("give STORE and ORDER (or --from-csv FILE)", ExitCode.USAGE)
    request = _request(line, shipping, amount, everything)
    connected = session.store(store)
    if idempotency_key is not None and _made_earlier(
        session, store, order, request, idempotency_key, yes
    ):
        return
    preview: RefundCalculation | None = None
    if Capability.REFUNDS_CALCULATE in connected.capabilities:
        preview = connected.refunds.calculate(order, request)
    if out.tables:
        if preview is not None:
            out.item(preview, calculation_tables)
        else:
            out.console.print(
                fields_table(
                    "Refund (no preview on this platform)", [("order", order), *_summary(request)]
                )
            )
        out.note(f"customer notification: {'on' if notify else 'off'}")
    elif not yes:
        out.json_line(preview if preview is not None else {"order_id": order, "request": request})
    how_much = money(preview.total) if preview is not None else "the amount the platform computes"
    session.confirm(
        f"Refund {how_much} on order {order} of {store}?",
        yes=yes,
        what=f"the refund of order {order}",
    )
    refund = connected.refunds.create(
        order,
        preview if preview is not None else request,
        note=note,
        notify=notify,
        idempotency_key=idempotency_key,
    )
    out.item(refund, refund_tables)


def _made_earlier(
    session: Session, store: str, order: str, request: RefundRequest, key: str, yes: bool
) -> bool:
    """A retry with a key: when a refund of this order already carries it, show that refund (or
    its failure) instead of previewing and asking for a refund that will not be made again. One
    still pending or partial is read again, and finished where its writer stopped between its
    steps (asked first: that moves its money)."""
    check_key(key)
    connected = session.store(store)
    if Capability.ORDERS_GET not in connected.capabilities:
        return False
    found = refunds_with_key(connected.orders.get(order).refunds, key)
    if not found:
        return False
    if found[0].status in connected.adapter.unfinished_refund_statuses:
        session.output.note(
            f"refund {found[0].id} of order {order} carries idempotency key {key!r} and is "
            f"{found[0].status.value}: it is read again, and finished if its writer stopped "
            "between its steps (no second refund is made)"
        )
        session.confirm(
            f"Finish refund {found[0].id} ({money(found[0].total)}) on order {order} of {store}?",
            yes=yes,
            what=f"the refund of order {order}",
        )
    else:
        session.output.note(
            f"a refund of order {order} already carries idempotency key {key!r}: nothing is sent"
        )
    # the library returns the refund the key names (RefundFailed, exit 10, if it failed)
    refund = connected.refunds.create(order, request, idempotency_key=key)
    session.output.item(refund, refund_tables)
    return True


@refunds.command("list")
def list_refunds(ctx: typer.Context, store: StoreArg, order: OrderArg) -> None:
    """The refunds of an order."""
    session = session_of(ctx)
    session.output.items(session.store(store).refunds.list(order), refunds_table)


@refunds.command("get")
def get(
    ctx: typer.Context,
    store: StoreArg,
    refund_id: Annotated[
        str, typer.Argument(help="Refund id (on Shopify also gid://shopify/Refund/N).")
    ],
) -> None:
    """Show one refund (with the return it paid for, where the platform links them)."""
    session = session_of(ctx)
    session.output.item(session.store(store).refunds.get(refund_id), refund_tables)
