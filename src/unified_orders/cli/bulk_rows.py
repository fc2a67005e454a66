"""The bulk refund CSV: its columns, and rows grouped into refunds with content-derived keys.

Rows with the same store, order and group form ONE refund (all their lines, the shipping given on
any of them, their notes joined). A bad row marks its refund invalid, naming the row; a row with
more cells than the header has columns (an unquoted ``4,99``) is bad, never read as less.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from ..models import Money, RefundCalculation, RefundLineRequest, RefundRequest, ShippingRefund
from .errors import CliError, ExitCode
from .lines import parse_quantity, parse_restock, parse_shipping

__all__ = ["COLUMNS", "Group", "read_groups"]

REQUIRED = ("store", "order")
COLUMNS = ("store", "order", "line", "quantity", "restock", "location", "shipping", "note")
OPTIONAL = ("group",)


@dataclass
class Group:
    """One refund to make: the rows it came from and the request they describe."""

    store: str
    order: str
    label: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    lines: list[RefundLineRequest] = field(default_factory=list)
    shipping: ShippingRefund | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    key: str = ""
    calculation: RefundCalculation | None = None
    outcome: str = ""
    message: str = ""
    refund_id: str = ""
    total: Money | None = None

    @property
    def identity(self) -> str:
        """Store, order and group label: what may be refunded once."""
        return f"{self.store}|{self.order}|{self.label}"

    @property
    def request(self) -> RefundRequest:
        """The canonical refund request."""
        return RefundRequest(lines=self.lines, shipping=self.shipping)

    @property
    def note(self) -> str | None:
        """The rows' notes, joined."""
        return "; ".join(self.notes) or None

    def content_key(self) -> str:
        """The idempotency key: a hash of what is refunded (never of the note)."""
        shipping: str | None = None
        if self.shipping is not None:
            shipping = "full" if self.shipping.full else _plain(self.shipping.amount)
        content = {
            "store": self.store,
            "order": self.order,
            "group": self.label,
            "lines": sorted(
                [
                    line.line_id,
                    line.quantity,
                    line.restock.value if line.restock else "",
                    line.location_id or "",
                ]
                for line in self.lines
            ),
            "shipping": shipping,
        }
        digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        return f"uo-bulk-{digest[:40]}"


def _plain(amount: Decimal | None) -> str:
    return format(amount.normalize(), "f") if amount is not None else ""


def _cell(row: Mapping[str, str | None], name: str) -> str:
    return (row.get(name) or "").strip()


def read_groups(path: Path, encoding: str = "utf-8-sig") -> list[Group]:
    """Read the CSV into refunds to make; a bad row marks its refund invalid, naming the row."""
    try:
        handle = path.open(newline="", encoding=encoding)
    except LookupError:
        raise CliError(f"unknown encoding {encoding!r}", ExitCode.USAGE) from None
    except OSError as error:
        raise CliError(f"cannot read {path}: {error}", ExitCode.USAGE) from None
    try:
        with handle:
            return _read(path, handle)
    except UnicodeError as error:
        where = (
            f"byte {error.start}: {error.reason}"
            if isinstance(error, UnicodeDecodeError)
            else str(error)
        )
        raise CliError(
            f"{path} is not {encoding.removesuffix('-sig').upper()} text ({where}); save it as "
            "UTF-8, or pass --encoding (e.g. --encoding latin-1)",
            ExitCode.VALIDATION,
        ) from None
    except csv.Error as error:
        raise CliError(f"{path}: not a readable CSV file ({error})", ExitCode.VALIDATION) from None


def _read(path: Path, handle: TextIO) -> list[Group]:
    reader = csv.DictReader(handle)
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS + OPTIONAL]
    if missing or unknown:
        problem = (
            f"missing column(s) {', '.join(missing)}"
            if missing
            else f"unknown column(s) {', '.join(unknown)}"
        )
        raise CliError(
            f"{path}: {problem}; expected columns {', '.join(COLUMNS)} (and optionally group)",
            ExitCode.VALIDATION,
        )
    groups: dict[tuple[str, str, str], Group] = {}
    for number, raw in enumerate(reader, start=1):
        extra = raw.get(None)
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        store, order, label = _cell(row, "store"), _cell(row, "order"), _cell(row, "group")
        group = groups.setdefault((store, order, label), Group(store, order, label))
        group.rows.append((number, row))
        try:
            if extra:
                # "4,99" in a quantity column splits into two cells: never read it as 4
                raise CliError(
                    f"{len(header) + len(extra)} cells but {len(header)} columns (extra: "
                    f"{', '.join(map(repr, extra))}); quote values that hold a comma",
                    ExitCode.VALIDATION,
                )
            _add_row(group, number, row)
        except CliError as error:
            if group.error is None:
                group.error = f"row {number}: {error}"
    result = list(groups.values())
    for group in result:
        if group.error is None and not group.lines and group.shipping is None:
            group.error = "nothing to refund: give a line and quantity, or shipping"
        if group.error is None:
            group.key = group.content_key()
    return result


def _add_row(group: Group, number: int, row: dict[str, str]) -> None:
    what = f"row {number}"
    if not group.store or not group.order:
        raise CliError("store and order are required", ExitCode.VALIDATION)
    line, quantity = _cell(row, "line"), _cell(row, "quantity")
    if line:
        if any(existing.line_id == line for existing in group.lines):
            raise CliError(f"line {line!r} appears twice in this refund", ExitCode.VALIDATION)
        group.lines.append(
            RefundLineRequest(
                line_id=line,
                quantity=parse_quantity(quantity, what),
                restock=parse_restock(_cell(row, "restock"), what),
                location_id=_cell(row, "location") or None,
            )
        )
    elif quantity or _cell(row, "restock") or _cell(row, "location"):
        raise CliError("quantity/restock/location given without a line", ExitCode.VALIDATION)
    shipping = parse_shipping(_cell(row, "shipping") or None)
    if shipping is not None:
        if group.shipping is not None and group.shipping != shipping:
            raise CliError(
                "a different shipping value was given for this refund", ExitCode.VALIDATION
            )
        group.shipping = shipping
    note = _cell(row, "note")
    if note and note not in group.notes:
        group.notes.append(note)
