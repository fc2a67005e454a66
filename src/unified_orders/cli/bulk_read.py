"""Reading a bulk CSV (refunds, shipments): its encoding, its header, and each row's cells.

The file is decoded whole (UTF-8 with or without a byte order mark, or ``--encoding``); a file
that is not text in that encoding is an error naming the byte, line and row where it stops
being so. Cells and column names are trimmed; the order cell is passed on as written (an id or
an order number). A cell that cannot be read marks its row with the column and why. What the
columns are and what a row means is a :class:`CsvSchema`; the refunds' is :data:`REFUND_CSV`.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Generic, TypeVar

from ..models import RefundLineRequest, Restock, ShippingRefund
from .bulk_rows import COLUMNS, OPTIONAL, REQUIRED, Group, RefundRow, Row, group_rows
from .errors import CliError, ExitCode
from .lines import parse_restock

__all__ = [
    "REFUND_CSV",
    "Bad",
    "CsvSchema",
    "quantity",
    "read_csv",
    "read_groups",
    "read_rows",
    "yes_or_no",
]

R = TypeVar("R", bound=Row)

_YES = {"yes", "y", "true", "1", "x"}
_NO = {"", "no", "n", "false", "0"}
_BOM = "\ufeff"


class Bad(Exception):
    """A cell that cannot be read: its column and what is wrong."""

    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(frozen=True)
class CsvSchema(Generic[R]):
    """The columns of one kind of bulk CSV, and how one of its rows is read."""

    required: tuple[str, ...]
    columns: tuple[str, ...]
    optional: tuple[str, ...]
    #: a row of this kind, from its number and cells
    row: Callable[[int, dict[str, str]], R]
    #: read the row's cells into what it asks for, raising :class:`Bad` for a cell that is wrong
    check: Callable[[R], None]


def read_rows(path: Path, encoding: str = "utf-8-sig") -> list[RefundRow]:
    """Read and check every row of a bulk refund CSV (file-level problems are errors, exit 2 or
    4)."""
    return read_csv(path, encoding, REFUND_CSV)


def read_csv(path: Path, encoding: str, schema: CsvSchema[R]) -> list[R]:
    """Read and check every row of the CSV (file-level problems are errors, exit 2 or 4)."""
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise CliError(f"unknown encoding {encoding!r}", ExitCode.USAGE) from None
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror or error}", ExitCode.USAGE) from None
    try:
        text = raw.decode(codec.name)
    except UnicodeDecodeError as error:
        raise _not_text(path, raw, error, codec.name) from None
    try:
        # a byte order mark is not a column name
        return _rows(path, text.removeprefix(_BOM), schema)
    except csv.Error as error:
        raise CliError(f"{path}: not a readable CSV file ({error})", ExitCode.VALIDATION) from None


def _not_text(path: Path, raw: bytes, error: UnicodeDecodeError, codec: str) -> CliError:
    """Name where the file stops being text in the encoding: the byte, its line and row."""
    before = raw[: error.start].decode(codec, errors="replace")
    line = before.count("\n") + 1
    records = sum(1 for _ in csv.reader(io.StringIO(before + "x", newline="")))
    where = "in the header" if records <= 1 else f"in row {records - 1}"
    name = codec.removesuffix("-sig").replace("_", "-").upper()
    return CliError(
        f"{path} is not {name} text: byte 0x{raw[error.start]:02x} at offset {error.start} "
        f"(line {line}, {where}) {error.reason}; save the file as UTF-8, or pass its encoding "
        "with --encoding (e.g. --encoding latin-1 or --encoding cp1252)",
        ExitCode.VALIDATION,
    )


def _rows(path: Path, text: str, schema: CsvSchema[R]) -> list[R]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    _check_header(path, header, schema)
    rows: list[R] = []
    number = 0
    for cells in reader:
        if not cells:
            continue  # a blank line
        number += 1
        if not any(cell.strip() for cell in cells):
            continue  # an empty spreadsheet row (",,,,"): nothing asked
        row = schema.row(
            number, {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
        )
        extra = cells[len(header) :]
        if extra:
            # "4,99" in a shipping column splits into two cells: never read it as 4
            row.refuse(
                None,
                f"{len(cells)} cells but {len(header)} columns (extra: "
                f"{', '.join(map(repr, extra))}); quote values that hold a comma",
            )
        _check(row, schema)
        rows.append(row)
    return rows


def _check(row: R, schema: CsvSchema[R]) -> None:
    """Read the row's cells, or mark its problem."""
    try:
        for column in schema.required:
            if not row.cell(column):
                raise Bad(column, f"empty; every row needs {_and(schema.required)}")
        schema.check(row)
    except Bad as bad:
        row.refuse(bad.column, bad.message)


def _and(columns: tuple[str, ...]) -> str:
    named = [f"an {c}" if c[0] in "aeiou" else f"a {c}" for c in columns]
    return ", ".join(named[:-1]) + f" and {named[-1]}" if len(named) > 1 else named[0]


def _check_header(path: Path, header: list[str], schema: CsvSchema[R]) -> None:
    known = schema.columns + schema.optional
    missing = [c for c in schema.required if c not in header]
    unknown = [c or "(empty)" for c in header if c not in known]
    twice = sorted({c for c in header if header.count(c) > 1})
    if missing:
        problem = f"missing column(s) {', '.join(missing)}"
    elif unknown:
        problem = f"unknown column(s) {', '.join(unknown)}"
    elif twice:
        problem = f"column(s) {', '.join(twice)} given twice"
    else:
        return
    raise CliError(
        f"{path}: {problem}; expected columns {', '.join(schema.columns)} (and optionally "
        f"{', '.join(schema.optional)}) in the first row",
        ExitCode.VALIDATION,
    )


def _check_row(row: RefundRow) -> None:
    """Read the row's cells into a line and shipping request."""
    line = row.cell("line")
    amount = _amount(row.cell("amount"))
    if line:
        row.line = RefundLineRequest(
            line_id=line,
            quantity=quantity(row.cell("quantity")),
            restock=_restock(row.cell("restock")),
            location_id=row.cell("location") or None,
            amount=amount,
        )
    else:
        given = [c for c in ("quantity", "restock", "location") if row.cell(c)]
        if given:
            raise Bad("line", f"empty, but {' and '.join(given)} given: which line?")
        row.amount = amount
    row.shipping = _shipping(row.cell("shipping"))
    row.everything_left = yes_or_no(row.cell("all"), "all", "yes (refund everything left)")
    if row.everything_left:
        given = [c for c in ("line", "shipping", "amount") if row.cell(c)]
        if given:
            raise Bad("all", f"yes refunds everything left; leave {', '.join(given)} empty")


#: The bulk refund CSV.
REFUND_CSV = CsvSchema(REQUIRED, COLUMNS, OPTIONAL, RefundRow, _check_row)


def quantity(text: str, what: str = "refund") -> int:
    """A quantity cell: a whole number of units, at least 1."""
    if not text:
        raise Bad("quantity", f"empty; give the number of units to {what}")
    try:
        units = int(text)
    except ValueError:
        raise Bad("quantity", f"{text!r} is not a whole number") from None
    if units < 1:
        raise Bad("quantity", f"must be at least 1, got {units}")
    return units


def _restock(text: str) -> Restock | None:
    try:
        return parse_restock(text, "restock")
    except CliError:
        raise Bad(
            "restock", f"{text!r} is not one of no_restock, cancel, return (or empty)"
        ) from None


def _amount(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Bad("amount", f"{text!r} is not an amount such as 4.99") from None
    if not amount.is_finite() or amount <= 0:
        raise Bad("amount", f"{text!r}: the amount must be a positive number")
    return amount


def yes_or_no(text: str, column: str, meaning: str) -> bool:
    """A yes/no cell (empty: no); ``meaning`` says what yes does, for the message."""
    if text.lower() in _YES:
        return True
    if text.lower() in _NO:
        return False
    raise Bad(column, f"{text!r}: expected {meaning} or empty")


def _shipping(text: str) -> ShippingRefund | None:
    if not text:
        return None
    if text.lower() == "full":
        return ShippingRefund(full=True)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Bad("shipping", f"{text!r}: expected 'full' or an amount such as 4.99") from None
    if not amount.is_finite() or amount <= 0:
        raise Bad("shipping", f"{text!r}: the amount must be a positive number")
    return ShippingRefund(amount=amount)


def read_groups(path: Path, encoding: str = "utf-8-sig") -> list[Group]:
    """Read the CSV into refunds, grouping rows by the order cell as written."""
    return group_rows(read_rows(path, encoding))
