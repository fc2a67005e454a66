"""Shipping from the command line: tracking flags, and what a shipment looks like in a table.

Tracking is ``--tracking-company`` (one carrier for the shipment), ``--tracking-number``
(repeatable: one parcel each) and ``--tracking-url`` (repeatable: none, one per number, or one
alone without a number). Platforms that keep one number per shipment refuse several, saying so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import typer

from ..models import Fulfillment, Tracking
from .errors import CliError, ExitCode
from .layout import Column, FitTable, Kind
from .output import fields_table

__all__ = [
    "CompanyOpt",
    "NumbersOpt",
    "UrlsOpt",
    "describe_lines",
    "describe_tracking",
    "parse_tracking",
    "ship_preview",
    "shipment_tables",
]

CompanyOpt = Annotated[
    str | None,
    typer.Option("--tracking-company", help="The carrier, e.g. UPS or DHL Express."),
]
NumbersOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tracking-number",
        help="A tracking number; repeat for a shipment of several parcels (where the platform "
        "keeps several).",
    ),
]
UrlsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tracking-url",
        help="The tracking link; repeat to give one per --tracking-number, in the same order.",
    ),
]


def parse_tracking(
    company: str | None, numbers: Sequence[str] | None, urls: Sequence[str] | None
) -> list[Tracking]:
    """The parcels the flags describe (none when no flag is given); a mismatch is exit 2."""
    numbers, urls = list(numbers or []), list(urls or [])
    if any(not n for n in numbers) or any(not u for u in urls):
        raise CliError("--tracking-number and --tracking-url need a value", ExitCode.USAGE)
    if len(set(numbers)) != len(numbers):
        raise CliError("a --tracking-number is given twice", ExitCode.USAGE)
    if not numbers:
        if len(urls) > 1:
            raise CliError(
                "several --tracking-url need as many --tracking-number (one link per parcel)",
                ExitCode.USAGE,
            )
        if company or urls:
            return [Tracking(company=company or None, url=urls[0] if urls else None)]
        return []
    if urls and len(urls) != len(numbers):
        raise CliError(
            f"{len(urls)} --tracking-url for {len(numbers)} --tracking-number: give one link "
            "per number, in the same order, or none",
            ExitCode.USAGE,
        )
    return [
        Tracking(company=company or None, number=number, url=urls[index] if urls else None)
        for index, number in enumerate(numbers)
    ]


def describe_tracking(tracking: Sequence[Tracking]) -> str:
    """``UPS 1Z999 (https://...), UPS 1Z998`` ('' for none)."""
    return ", ".join(
        " ".join(p for p in (t.company, t.number) if p) + (f" ({t.url})" if t.url else "")
        for t in tracking
    )


def describe_lines(lines: Mapping[str, int] | None) -> str:
    """``FO_LINE x2, FO_LINE x1``, or every unit left."""
    if lines is None:
        return "every unit left"
    return ", ".join(f"{line_id} x{quantity}" for line_id, quantity in lines.items())


def ship_preview(
    store: str,
    fulfillment_order: str,
    lines: Mapping[str, int] | None,
    tracking: Sequence[Tracking],
    notify: bool,
) -> FitTable:
    """What ``fulfillments ship`` will send, shown before it asks."""
    return fields_table(
        "Shipment to create",
        [
            ("store", store),
            ("fulfillment order", fulfillment_order),
            ("lines", describe_lines(lines)),
            ("tracking", describe_tracking(tracking) or "(none)"),
            ("notify customer", "yes" if notify else "no"),
        ],
    )


def shipment_tables(shipment: Fulfillment) -> list[Any]:
    """One shipment: its fields, then its lines."""
    status = shipment.status.value
    if shipment.platform_status and shipment.platform_status.lower() != status:
        status += f" ({shipment.platform_status})"
    head = fields_table(
        f"Shipment {shipment.id}",
        [
            ("order", shipment.order_id),
            ("fulfillment order", shipment.fulfillment_order_id or ""),
            ("status", status),
            ("tracking", describe_tracking(shipment.tracking)),
            ("location", shipment.location_id or ""),
            (
                "created",
                shipment.created_at.isoformat(timespec="seconds") if shipment.created_at else "",
            ),
            ("idempotency key", shipment.idempotency_key or ""),
        ],
    )
    columns = [Column("line", Kind.KEY), Column("qty", Kind.WORD, 1, right=True)]
    rows = [[x.line_id, str(x.quantity)] for x in shipment.lines]
    if any(x.fo_line_id for x in shipment.lines):
        columns.insert(1, Column("fulfillment order line", Kind.KEY))
        for row, x in zip(rows, shipment.lines, strict=True):
            row.insert(1, x.fo_line_id or "")
    lines = FitTable(f"Lines shipped ({len(shipment.lines)})", columns, rows)
    return [head, lines]
