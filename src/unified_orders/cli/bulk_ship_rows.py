"""The rows of a bulk shipping CSV and the shipments they make.

Columns: ``store, order`` (required), ``fulfillment_order, line, quantity, tracking_company,
tracking_number, tracking_url, notify`` and optionally ``group``. Rows with the same store, order,
fulfillment order cell and group form ONE shipment: the lines of all of them, the tracking of
all of them (one parcel per distinct tracking number; a number repeated on every line row counts
once). A shipment without any line ships every unit left on its fulfillment order. ``line`` is a
fulfillment-order line id or the order line id it ships. ``notify`` (yes/no; empty: the
``--notify`` flag) must agree across a shipment's rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..models import Tracking
from .bulk_read import Bad, CsvSchema, quantity, yes_or_no
from .bulk_rows import Batch, Nouns, Row, hold_together

__all__ = ["SHIPMENTS", "SHIP_CSV", "ShipGroup", "ShipRow", "group_shipments"]

#: What a bulk shipping run makes, in words.
SHIPMENTS = Nouns("shipment", "shipped", "shipping")
_REQUIRED = ("store", "order")
_COLUMNS = (
    "store",
    "order",
    "fulfillment_order",
    "line",
    "quantity",
    "tracking_company",
    "tracking_number",
    "tracking_url",
    "notify",
)
_OPTIONAL = ("group",)


@dataclass
class ShipRow(Row):
    """A row of a bulk shipping CSV: a line to ship and/or a parcel's tracking."""

    line: str | None = None
    quantity: int | None = None
    tracking: Tracking | None = None
    notify: bool | None = None

    @property
    def fulfillment_order(self) -> str:
        """The fulfillment order cell ('' : the order's one fulfillment order with units left)."""
        return self.cell("fulfillment_order")


def _check(row: ShipRow) -> None:
    line = row.cell("line")
    if line:
        row.line, row.quantity = line, quantity(row.cell("quantity"), "ship")
    elif row.cell("quantity"):
        raise Bad("line", "empty, but quantity given: which line?")
    company, number, url = (row.cell(f"tracking_{c}") for c in ("company", "number", "url"))
    if company and not (number or url):
        raise Bad("tracking_number", f"empty, but tracking_company {company!r} given")
    if number or url:
        row.tracking = Tracking(company=company or None, number=number or None, url=url or None)
    if row.cell("notify"):
        row.notify = yes_or_no(row.cell("notify"), "notify", "yes (notify the customer), no")


#: The bulk shipping CSV.
SHIP_CSV = CsvSchema(_REQUIRED, _COLUMNS, _OPTIONAL, ShipRow, _check)


@dataclass
class ShipGroup(Batch):
    """One shipment to make: its fulfillment order, lines and parcels, and the rows they came
    from."""

    #: the fulfillment order cell as written ('' : the one with units left, found when planning)
    fulfillment_order: str = ""
    #: line cell (fulfillment-order or order line id) -> units; empty: every unit left
    lines: dict[str, int] = field(default_factory=dict)
    line_rows: dict[str, int] = field(default_factory=dict)
    tracking: list[Tracking] = field(default_factory=list)
    notify: bool | None = None
    #: found when planning: the fulfillment order's id, and its lines by fulfillment-order line id
    fo_id: str = ""
    fo_lines: dict[str, int] | None = None

    @property
    def identity(self) -> str:
        """Store, order, fulfillment order cell and group label: what may be shipped once."""
        return f"{self.store}|{self.order}|{self.fulfillment_order}|{self.label}"

    def content_key(self, order: str | None = None) -> str:
        """The idempotency key: a hash of what ships and its tracking (never of ``notify``).
        ``order``: hash this spelling of the order instead of the resolved id."""
        content = {
            "kind": "shipment",
            "store": self.store,
            "order": self.order if order is None else order,
            "fulfillment_order": self.fulfillment_order,
            "group": self.label,
            "lines": sorted([line, units] for line, units in self.lines.items()),
            "tracking": sorted(
                [t.company or "", t.number or "", t.url or ""] for t in self.tracking
            ),
        }
        digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        return f"uo-ship-{digest[:40]}"


def group_shipments(
    rows: Sequence[ShipRow], orders: Mapping[tuple[str, str], str]
) -> list[ShipGroup]:
    """Group rows into shipments by store, order, fulfillment order cell and group label, in
    the order of their first row; every shipment without a problem gets its content key."""
    groups: dict[tuple[str, str, str, str], ShipGroup] = {}
    for row in rows:
        order = orders.get((row.store, row.order), row.order)
        where = (row.store, order, row.fulfillment_order, row.label)
        group = groups.get(where)
        if group is None:
            group = groups[where] = ShipGroup(
                row.store, order, row.label, fulfillment_order=row.fulfillment_order
            )
        group.rows.append((row.number, row.cells))
        _join(group, row)
    for group in groups.values():
        hold_together(group, SHIPMENTS.one)
        if not group.problems:
            group.key = group.content_key()
            spellings = dict.fromkeys(cells.get("order", "") for _, cells in group.rows)
            group.earlier_keys = [group.content_key(s) for s in spellings if s != group.order]
    return list(groups.values())


def _join(group: ShipGroup, row: ShipRow) -> None:
    """Add a row's line, parcel and notify to its shipment, or its problem."""
    if row.problem is None and row.line is not None and row.quantity is not None:
        if row.line in group.lines:
            row.refuse("line", f"line {row.line!r} appears twice in this shipment")
        else:
            group.lines[row.line] = row.quantity
            group.line_rows[row.line] = row.number
    tracking = row.tracking
    if row.problem is None and tracking is not None and tracking not in group.tracking:
        clash = [t for t in group.tracking if tracking.number and t.number == tracking.number]
        if clash:
            row.refuse(
                "tracking_number",
                f"{tracking.number!r} is given with another company or link in this shipment",
            )
        else:
            group.tracking.append(tracking)
    if row.problem is None and row.notify is not None:
        if group.notify is not None and group.notify != row.notify:
            row.refuse("notify", "a different notify value was given for this shipment")
        else:
            group.notify = row.notify
    if row.problem is not None:
        group.problems.append(row.problem)
