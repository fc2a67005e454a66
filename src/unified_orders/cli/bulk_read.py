"""Reading a bulk refund CSV: its encoding, its header, and each row's cells.

The file is decoded whole (UTF-8 with or without a byte order mark, or ``--encoding``); a file
that is not text in that encoding is an error naming the byte, line and row where it stops
being so. Cells and column names are trimmed; the order cell is passed on as written (an id or
an order number). A cell that cannot be read marks its row with the column and why.
"""

from __future__ import annotations

import codecs
import csv
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..models import RefundLineRequest, Restock, ShippingRefund
from .bulk_rows import COLUMNS, OPTIONAL, REQUIRED, Group, Row, group_rows
from .errors import CliError, ExitCode
from .lines import parse_restock

__all__ = ["read_groups", "read_rows"]

_YES = {"yes", "y", "true", "1", "x"}
_NO = {"", "no", "n", "false", "0"}
_BOM = "\ufeff"


class _Bad(Exception):
    """A cell that cannot be read: its column and what is wrong."""

    def __init__(self, column: str | None, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def read_rows(path: Path, encoding: str = "utf-8-sig") -> list[Row]:
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
        return _rows(path, text.removeprefix(_BOM))  # a byte order mark is not a column name
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


def _rows(path: Path, text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    _check_header(path, header)
    rows: list[Row] = []
    number = 0
    for cells in reader:
        if not cells:
            continue  # a blank line
        number += 1
        if not any(cell.strip() for cell in cells):
            continue  # an empty spreadsheet row (",,,,"): nothing asked
        row = Row(number, {name: cell.strip() for name, cell in zip(header, cells, strict=False)})
        extra = cells[len(header) :]
        if extra:
            # "4,99" in a shipping column splits into two cells: never read it as 4
            row.refuse(
                None,
                f"{len(cells)} cells but {len(header)} columns (extra: "
                f"{', '.join(map(repr, extra))}); quote values that hold a comma",
            )
        _check_row(row)
        rows.append(row)
    return rows


def _check_header(path: Path, header: list[str]) -> None:
    known = COLUMNS + OPTIONAL
    missing = [c for c in REQUIRED if c not in header]
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
        f"{path}: {problem}; expected columns {', '.join(COLUMNS)} (and optionally "
        f"{', '.join(OPTIONAL)}) in the first row",
        ExitCode.VALIDATION,
    )


def _check_row(row: Row) -> None:
    """Read the row's cells into a line and shipping request, or mark its problem."""
    try:
        for column in REQUIRED:
            if not row.cell(column):
                raise _Bad(column, "empty; every row needs a store and an order")
        line = row.cell("line")
        amount = _amount(row.cell("amount"))
        if line:
            row.line = RefundLineRequest(
                line_id=line,
                quantity=_quantity(row.cell("quantity")),
                restock=_restock(row.cell("restock")),
                location_id=row.cell("location") or None,
                amount=amount,
            )
        else:
            given = [c for c in ("quantity", "restock", "location") if row.cell(c)]
            if given:
                raise _Bad("line", f"empty, but {' and '.join(given)} given: which line?")
            row.amount = amount
        row.shipping = _shipping(row.cell("shipping"))
        row.everything_left = _yes(row.cell("all"))
        if row.everything_left:
            given = [c for c in ("line", "shipping", "amount") if row.cell(c)]
            if given:
                raise _Bad("all", f"yes refunds everything left; leave {', '.join(given)} empty")
    except _Bad as bad:
        row.refuse(bad.column, bad.message)


def _quantity(text: str) -> int:
    if not text:
        raise _Bad("quantity", "empty; give the number of units to refund")
    try:
        quantity = int(text)
    except ValueError:
        raise _Bad("quantity", f"{text!r} is not a whole number") from None
    if quantity < 1:
        raise _Bad("quantity", f"must be at least 1, got {quantity}")
    return quantity


def _restock(text: str) -> Restock | None:
    try:
        return parse_restock(text, "restock")
    except CliError:
        raise _Bad(
            "restock", f"{text!r} is not one of no_restock, cancel, return (or empty)"
        ) from None


def _amount(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _Bad("amount", f"{text!r} is not an amount such as 4.99") from None
    if not amount.is_finite() or amount <= 0:
        raise _Bad("amount", f"{text!r}: the amount must be a positive number")
    return amount


def _yes(text: str) -> bool:
    if text.lower() in _YES:
        return True
    if text.lower() in _NO:
        return False
    raise _Bad("all", f"{text!r}: expected yes (refund everything left) or empty")


def _shipping(text: str) -> ShippingRefund | None:
    if not text:
        return None
    if text.lower() == "full":
        return ShippingRefund(full=True)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _Bad("shipping", f"{text!r}: expected 'full' or an amount such as 4.99") from None
    if not amount.is_finite() or amount <= 0:
        raise _Bad("shipping", f"{text!r}: the amount must be a positive number")
    return ShippingRefund(amount=amount)


def read_groups(path: Path, encoding: str = "utf-8-sig") -> list[Group]:
    """Read the CSV into refunds, grouping rows by the order cell as written."""
    return group_rows(read_rows(path, encoding))
