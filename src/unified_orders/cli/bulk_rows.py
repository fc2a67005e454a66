"""The rows of a bulk refund CSV and the refunds they make.

Row 1 is the first row after the header. A row that cannot be sent carries a :class:`Problem`
naming its row and CSV column (``row 3, column restock: ...``); it never stops the other rows.
Rows with the same store, order and group form ONE refund (all their lines, the shipping given
on any of them, their notes joined), so one bad row holds back its whole refund. Rows naming one
order by id and by number are grouped together once the orders are resolved (see
:func:`group_rows`). Reading the file is :mod:`.bulk_read`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ..models import (
    Money,
    RefundCalculation,
    RefundLineRequest,
    RefundRequest,
    ShippingRefund,
)

__all__ = [
    "COLUMNS",
    "OPTIONAL",
    "REFUNDS",
    "REQUIRED",
    "Batch",
    "Group",
    "Nouns",
    "Problem",
    "RefundRow",
    "Row",
    "group_rows",
    "hold_together",
]

REQUIRED = ("store", "order")
COLUMNS = ("store", "order", "line", "quantity", "restock", "location", "shipping", "note")
#: ``amount``: with a line, that line's own (lower) amount; alone, an amount-only refund.
#: ``all``: ``yes`` refunds everything left on the order (no other column with it).
OPTIONAL = ("group", "amount", "all")


@dataclass(frozen=True)
class Nouns:
    """What a bulk run makes, in words: ``refund`` / ``refunded`` / ``refunding``."""

    one: str
    done: str
    doing: str

    @property
    def already(self) -> str:
        """The outcome of a write an earlier run made: ``already-refunded``."""
        return f"already-{self.done}"


REFUNDS = Nouns("refund", "refunded", "refunding")


@dataclass(frozen=True)
class Problem:
    """Why rows cannot be sent: the row number(s), the CSV column (if one), and the message."""

    rows: tuple[int, ...]
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.rows[0]}" if len(self.rows) == 1 else f"rows {_numbers(self.rows)}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


def _numbers(rows: Sequence[int]) -> str:
    return ", ".join(str(n) for n in rows)


@dataclass
class Row:
    """One CSV row: its number, trimmed cells, and its problem (if it has one)."""

    number: int
    cells: dict[str, str]
    problem: Problem | None = None

    def cell(self, column: str) -> str:
        """A trimmed cell ('' when the column is absent or empty)."""
        return self.cells.get(column, "")

    @property
    def store(self) -> str:
        """The store cell."""
        return self.cell("store")

    @property
    def order(self) -> str:
        """The order cell, as written (an id or an order number)."""
        return self.cell("order")

    @property
    def label(self) -> str:
        """The group cell."""
        return self.cell("group")

    def refuse(self, column: str | None, message: str) -> None:
        """Mark the row as not to be sent (the first problem found is kept)."""
        if self.problem is None:
            self.problem = Problem((self.number,), column, message)


@dataclass
class RefundRow(Row):
    """A row of a bulk refund CSV: what it asks to refund."""

    line: RefundLineRequest | None = None
    shipping: ShippingRefund | None = None
    #: an amount-only refund (an ``amount`` with no line)
    amount: Decimal | None = None
    everything_left: bool = False


@dataclass
class Batch:
    """One write a bulk run makes (a refund, a shipment): the rows it came from, its key, and
    how it went."""

    store: str
    order: str
    label: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    key: str = ""
    #: keys of the same write hashed with the order cell as written (not the resolved id), as
    #: runs before order cells were resolved made them: a write done under one is done
    earlier_keys: list[str] = field(default_factory=list)
    outcome: str = ""
    message: str = ""
    #: the id of what was made (the refund, the shipment)
    made_id: str = ""

    @property
    def error(self) -> str | None:
        """Why this write cannot be made from the CSV alone (None: it can be tried)."""
        return "; ".join(str(p) for p in self.problems) or None

    @property
    def numbers(self) -> list[int]:
        """The CSV row numbers of this write."""
        return [number for number, _ in self.rows]

    @property
    def identity(self) -> str:
        """Store, order and group label: what may be written once."""
        return f"{self.store}|{self.order}|{self.label}"


@dataclass
class Group(Batch):
    """One refund to make: the rows it came from and the request they describe."""

    lines: list[RefundLineRequest] = field(default_factory=list)
    shipping: ShippingRefund | None = None
    notes: list[str] = field(default_factory=list)
    #: the row each of ``lines`` came from, and the rows that gave the shipping
    line_rows: list[int] = field(default_factory=list)
    shipping_rows: list[int] = field(default_factory=list)
    amount: Decimal | None = None
    amount_rows: list[int] = field(default_factory=list)
    everything_left: bool = False
    all_rows: list[int] = field(default_factory=list)
    calculation: RefundCalculation | None = None
    total: Money | None = None

    @property
    def refund_id(self) -> str:
        """The refund made (or found), once there is one."""
        return self.made_id

    @refund_id.setter
    def refund_id(self, value: str) -> None:
        self.made_id = value

    @property
    def request(self) -> RefundRequest:
        """The canonical refund request."""
        return RefundRequest(
            lines=self.lines,
            shipping=self.shipping,
            amount=self.amount,
            remaining=self.everything_left,
        )

    @property
    def note(self) -> str | None:
        """The rows' notes, joined."""
        return "; ".join(self.notes) or None

    def content_key(self, order: str | None = None) -> str:
        """The idempotency key: a hash of what is refunded (never of the note). Amounts and
        "everything left" enter it only when given, so keys of earlier files stay the same.
        ``order``: hash this spelling of the order instead of the resolved id."""
        shipping: str | None = None
        if self.shipping is not None:
            shipping = "full" if self.shipping.full else _plain(self.shipping.amount)
        content: dict[str, object] = {
            "store": self.store,
            "order": self.order if order is None else order,
            "group": self.label,
            "lines": sorted(
                [
                    line.line_id,
                    line.quantity,
                    line.restock.value if line.restock else "",
                    line.location_id or "",
                    *([_plain(line.amount)] if line.amount is not None else []),
                ]
                for line in self.lines
            ),
            "shipping": shipping,
        }
        if self.amount is not None:
            content["amount"] = _plain(self.amount)
        if self.everything_left:
            content["remaining"] = True
        digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        return f"uo-bulk-{digest[:40]}"


def _plain(amount: Decimal | None) -> str:
    return format(amount.normalize(), "f") if amount is not None else ""


def hold_together(group: Batch, one: str) -> None:
    """One bad row holds back the other rows of its write (``one``: ``refund``)."""
    bad = [p.rows[0] for p in group.problems]
    others = tuple(n for n in group.numbers if n not in bad)
    if bad and others:
        group.problems.append(
            Problem(others, None, f"not sent: part of one {one} with row {_numbers(bad)}")
        )


def group_rows(
    rows: Sequence[RefundRow], orders: Mapping[tuple[str, str], str] | None = None
) -> list[Group]:
    """Group rows into refunds by store, order and group label, in the order of their first row.

    ``orders`` maps ``(store, order cell)`` to the order's id as the library resolved it, so a
    row naming the order by number joins a row naming it by id (cells not in it are used as
    written). Every refund without a problem gets its content key."""
    groups: dict[tuple[str, str, str], Group] = {}
    for row in rows:
        order = (orders or {}).get((row.store, row.order), row.order)
        group = groups.setdefault((row.store, order, row.label), Group(row.store, order, row.label))
        group.rows.append((row.number, row.cells))
        _join(group, row)
    result = list(groups.values())
    for group in result:
        hold_together(group, "refund")
        asked = group.lines or group.shipping or group.amount or group.everything_left
        if not group.problems and not asked:
            group.problems.append(
                Problem(
                    tuple(group.numbers),
                    None,
                    "nothing to refund: give a line and quantity, shipping, an amount, or all=yes",
                )
            )
        if not group.problems:
            group.key = group.content_key()
            spellings = dict.fromkeys(cells.get("order", "") for _, cells in group.rows)
            group.earlier_keys = [group.content_key(s) for s in spellings if s != group.order]
    return result


def _join(group: Group, row: RefundRow) -> None:
    """Add a row's line, shipping and note to its refund, or its problem."""
    if row.problem is None and row.line is not None:
        if any(_clash(existing, row.line) for existing in group.lines):
            row.refuse(
                "line",
                f"line {row.line.line_id!r} appears twice in this refund (allowed only with "
                "two different restock values, for its unfulfilled and fulfilled units)",
            )
        else:
            group.lines.append(row.line)
            group.line_rows.append(row.number)
    if row.problem is None and row.shipping is not None:
        if group.shipping is not None and group.shipping != row.shipping:
            row.refuse("shipping", "a different shipping value was given for this refund")
        else:
            group.shipping = row.shipping
            group.shipping_rows.append(row.number)
    if row.problem is None and row.amount is not None:
        if group.amount is not None and group.amount != row.amount:
            row.refuse("amount", "a different amount was given for this refund")
        else:
            group.amount = row.amount
            group.amount_rows.append(row.number)
    if row.problem is None and row.everything_left:
        group.everything_left = True
        group.all_rows.append(row.number)
    if row.problem is not None:
        group.problems.append(row.problem)
    note = row.cell("note")
    if note and note not in group.notes:
        group.notes.append(note)


def _clash(first: RefundLineRequest, second: RefundLineRequest) -> bool:
    """Two requests for one line, unless they name two different explicit restock types."""
    if first.line_id != second.line_id:
        return False
    return first.restock is None or second.restock is None or first.restock == second.restock
