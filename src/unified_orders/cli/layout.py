"""Tables that fit the terminal: ids and money are never cut; other columns give way.

A table is laid out when it is printed, for the console's width. Each column has a kind:

- ``KEY`` (ids, order numbers, amounts): always shown, never cut;
- ``WORD`` (statuses, counts, location ids): never cut, but dropped when there is no room;
- ``WHEN`` (timestamps): shortened to what fits (full, then minutes, then the date), or dropped;
- ``TEXT`` (titles, notes, addresses): folded onto more lines, or dropped;
- ``LIST`` (comma-separated ids): folded between items only, or dropped.

Columns are dropped by their ``drop`` rank, highest first (rank 0: never dropped).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Column as RichColumn
from rich.table import Table

__all__ = ["Cell", "Column", "FitTable", "Kind", "refit"]

Cell = str | datetime | None

#: Shortest useful width of a folded text column.
TEXT_MIN = 8
#: Timestamp forms, longest first: the widest that fits is used.
WHEN_FORMS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M", "%Y-%m-%d")


class Kind(Enum):
    """How a column behaves when the table is too wide."""

    KEY = "key"
    WORD = "word"
    WHEN = "when"
    TEXT = "text"
    LIST = "list"


@dataclass(frozen=True)
class Column:
    """One column: its header, kind, alignment and drop rank (0: never dropped)."""

    header: str
    kind: Kind = Kind.TEXT
    drop: int = 0
    right: bool = False
    #: Left out when no row has a value in it.
    optional: bool = False


def _when(value: datetime, form: str) -> str:
    if form == WHEN_FORMS[0]:
        return value.isoformat(timespec="seconds")
    return value.strftime(form)


def _longest_word(text: str) -> int:
    return max((len(word) for word in text.split()), default=0)


@dataclass
class _Laid:
    column: Column
    index: int
    cells: list[Cell]
    minimum: int
    natural: int
    width: int = 0


def _measure(column: Column, index: int, cells: list[Cell]) -> _Laid:
    header = _longest_word(column.header)
    if column.kind is Kind.WHEN:
        stamps = [c for c in cells if isinstance(c, datetime)]
        shortest = max((len(_when(c, WHEN_FORMS[-1])) for c in stamps), default=0)
        longest = max((len(_when(c, WHEN_FORMS[0])) for c in stamps), default=0)
        return _Laid(column, index, cells, max(shortest, header), max(longest, header))
    texts = [part for c in cells if c for part in str(c).splitlines()]
    natural = max([len(t) for t in texts] + [len(column.header)])
    if column.kind in (Kind.KEY, Kind.WORD):
        widest = max((len(t) for t in texts), default=0)
        return _Laid(column, index, cells, max(widest, header), natural)
    if column.kind is Kind.LIST:
        items = [len(item) for t in texts for item in t.split(", ")]
        return _Laid(column, index, cells, max([*items, header]), natural)
    return _Laid(column, index, cells, min(natural, max(TEXT_MIN, header)), natural)


def _overhead(count: int) -> int:
    """Borders and padding of a boxed table with ``count`` columns."""
    return 3 * count + 1


def layout(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int) -> list[_Laid]:
    """The columns that fit ``width``, each with its width (KEY columns always kept)."""
    laid = [
        _measure(column, index, [row[index] for row in rows])
        for index, column in enumerate(columns)
    ]
    laid = [c for c in laid if not c.column.optional or any(c.cells)]
    while sum(c.minimum for c in laid) + _overhead(len(laid)) > width:
        droppable = [c for c in laid if c.column.drop and c.column.kind is not Kind.KEY]
        if not droppable:
            break
        laid.remove(max(droppable, key=lambda c: (c.column.drop, c.index)))
    for c in laid:
        c.width = c.minimum
    spare = width - sum(c.width for c in laid) - _overhead(len(laid))
    for c in laid:  # timestamps first: a longer form is all or nothing
        if c.column.kind is Kind.WHEN:
            for form in WHEN_FORMS:
                longest = max(
                    (len(_when(v, form)) for v in c.cells if isinstance(v, datetime)), default=0
                )
                if longest <= c.width + spare:
                    grown = max(longest, c.width)
                    spare -= grown - c.width
                    c.width = grown
                    break
    for growing in ([c for c in laid if _grows(c)], [c for c in laid if not _grows(c)]):
        while spare > 0 and any(c.width < c.natural for c in growing):
            for c in growing:
                if spare > 0 and c.width < c.natural:
                    c.width += 1
                    spare -= 1
    return laid


def _grows(laid: _Laid) -> bool:
    return laid.column.kind in (Kind.TEXT, Kind.LIST)


def _text(laid: _Laid, cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        for form in WHEN_FORMS:
            text = _when(cell, form)
            if len(text) <= laid.width:
                return text
        return _when(cell, WHEN_FORMS[-1])
    return cell


class FitTable:
    """A table laid out for the console's width when printed (see the module docstring)."""

    def __init__(
        self,
        title: str,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Cell]],
        *,
        show_header: bool = True,
    ) -> None:
        self.title = title
        self.columns = list(columns)
        self.rows = [list(row) for row in rows]
        self.show_header = show_header

    def table(self, width: int) -> Table:
        """The rich table for a console ``width`` columns wide."""
        laid = layout(self.columns, self.rows, width)
        table = Table(
            *[
                RichColumn(
                    c.column.header,
                    justify="right" if c.column.right else "left",
                    width=c.width,
                    overflow="fold",
                    style="bold" if not self.show_header and c.index == 0 else "",
                )
                for c in laid
            ],
            title=self.title,
            title_justify="left",
            show_header=self.show_header,
        )
        for row in self.rows:
            table.add_row(*(_text(c, row[c.index]) for c in laid))
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(options.max_width)


_MONEY_HEADERS = re.compile(r"amount|total|subtotal|tax|shipping|price|refundable")


def refit(table: Table) -> FitTable:
    """A plain rich table made to fit: its first column and amounts are keys, counts give way."""
    columns: list[Column] = []
    for index, rich_column in enumerate(table.columns):
        header = str(rich_column.header)
        if index == 0 or _MONEY_HEADERS.search(header):
            kind, drop = Kind.KEY, 0
        elif rich_column.justify == "right":
            kind, drop = Kind.WORD, index + 1
        else:
            kind, drop = Kind.TEXT, index + 1
        words = header.replace("_", " ")  # lets ``restocked_units`` wrap under a short count
        columns.append(Column(words, kind, drop, right=rich_column.justify == "right"))
    cells: list[list[Any]] = [list(c.cells) for c in table.columns]
    rows = [[str(column[i]) for column in cells] for i in range(table.row_count)]
    title = str(table.title) if table.title is not None else ""
    return FitTable(title, columns, rows)
