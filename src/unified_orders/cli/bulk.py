"""Bulk refunds from a CSV file, safe to run again after an interruption.

Input columns: ``store, order, line, quantity, restock, location, shipping, note`` and optionally
``group``. Rows with the same store, order and group form ONE refund (all their lines, the
shipping given on any of them, their notes joined); give rows different ``group`` labels to make
separate refunds of one order. A row with no ``line`` may carry only ``shipping``.

Every refund gets an idempotency key derived from its content (store, order, group, lines,
shipping; not the note, so fixing a note's typo cannot cause a second refund). The key is passed
to the library (platforms with native idempotency dedupe on it) and recorded in a ledger next to
the results CSV (``<results>.ledger.jsonl``, one fsynced JSON line per event) before the refund is
sent and after it succeeds. A re-run reads the ledger and the previous results CSV and:

- skips refunds already done (outcome ``already-refunded``);
- skips refunds that were being sent when the run stopped (outcome ``ambiguous``: check the
  order on the platform, then re-run with ``--retry-unfinished`` to send those again);
- refuses a group that was already refunded with different content (outcome ``conflict``);
- sends everything else, including refunds that failed before (nothing was refunded then).

One bad row makes its refund ``invalid`` and never stops the others. Each row's outcome is
written to the results CSV as soon as its refund is done.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from rich.progress import Progress

from ..adapter import Capability
from ..errors import AmbiguousWrite, UnifiedOrdersError
from ..models import Money, RefundCalculation, RefundLineRequest, RefundRequest, ShippingRefund
from .errors import CliError, ExitCode, describe
from .lines import parse_quantity, parse_restock, parse_shipping
from .output import money, records_table
from .session import Session

__all__ = ["BulkOptions", "Group", "ledger_path", "read_groups", "run_bulk"]

REQUIRED = ("store", "order")
COLUMNS = ("store", "order", "line", "quantity", "restock", "location", "shipping", "note")
OPTIONAL = ("group",)
RESULT_COLUMNS = (
    "row",
    *COLUMNS,
    "group",
    "key",
    "outcome",
    "refund_id",
    "amount",
    "currency",
    "message",
)
DONE = {"refunded", "already-refunded"}
PROBLEMS = {"invalid", "failed", "ambiguous", "conflict"}


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


def read_groups(path: Path) -> list[Group]:
    """Read the CSV into refunds to make; a bad row marks its refund invalid, naming the row."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise CliError(f"cannot read {path}: {error}", ExitCode.USAGE) from None
    with handle:
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
            row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            store, order, label = _cell(row, "store"), _cell(row, "order"), _cell(row, "group")
            group = groups.setdefault((store, order, label), Group(store, order, label))
            group.rows.append((number, row))
            try:
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


def ledger_path(results: Path) -> Path:
    """The ledger next to a results CSV: ``x.results.csv`` -> ``x.results.ledger.jsonl``."""
    return results.with_suffix(".ledger.jsonl")


class Ledger:
    """Append-only JSON Lines of what was sent and done, fsynced line by line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last: dict[str, dict[str, Any]] = {}
        self.done_identity: dict[str, str] = {}
        if path.exists():
            for text in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(text)
                except ValueError:
                    continue  # a torn last line after a crash
                self._note(entry)

    def _note(self, entry: dict[str, Any]) -> None:
        self.last[entry["key"]] = entry
        if entry.get("event") == "done" and entry.get("identity"):
            self.done_identity[entry["identity"]] = entry["key"]

    def record(self, key: str, event: str, **data: Any) -> None:
        """Append one event and make it durable before going on."""
        entry = {"key": key, "event": event, "at": datetime.now(UTC).isoformat(), **data}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")
            out.flush()
            os.fsync(out.fileno())
        self._note(entry)


def _previous_results(path: Path) -> dict[str, str]:
    """Keys a previous results CSV records as refunded, with their refund ids."""
    done: dict[str, str] = {}
    if not path.exists():
        return done
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get("outcome") in DONE and row.get("key"):
                done[row["key"]] = row.get("refund_id") or ""
    return done


@dataclass(frozen=True)
class BulkOptions:
    """How to run a bulk refund."""

    source: Path
    results: Path
    yes: bool = False
    notify: bool = False
    retry_unfinished: bool = False


class _Results:
    """The results CSV, written row by row as refunds finish."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.writer = csv.DictWriter(handle, fieldnames=RESULT_COLUMNS)
        self.writer.writeheader()

    def write(self, group: Group) -> None:
        for index, (number, row) in enumerate(group.rows):
            record = {column: row.get(column, "") for column in COLUMNS}
            first = index == 0 and group.total is not None
            record.update(
                row=str(number),
                group=group.label,
                key=group.key,
                outcome=group.outcome,
                refund_id=group.refund_id,
                amount=str(group.total.amount) if first and group.total else "",
                currency=group.total.currency if first and group.total else "",
                message=group.message,
            )
            self.writer.writerow(record)
        self.handle.flush()


@contextmanager
def _progress(session: Session, label: str, total: int) -> Iterator[Any]:
    progress = Progress(console=session.output.err, disable=not session.output.err.is_terminal)
    with progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)


def _classify(group: Group, ledger: Ledger, previous: dict[str, str], retry: bool) -> None:
    """Decide from the ledger and previous results whether this refund is still to be made."""
    if group.error is not None:
        group.outcome, group.message = "invalid", group.error
        return
    entry = ledger.last.get(group.key)
    if entry is not None and entry["event"] == "done":
        group.outcome = "already-refunded"
        group.refund_id = entry.get("refund_id", "")
        group.message = f"refunded by an earlier run at {entry.get('at', '?')}"
    elif group.key in previous:
        group.outcome, group.refund_id = "already-refunded", previous[group.key]
        group.message = "recorded as refunded in the previous results CSV"
    elif entry is not None and entry["event"] in ("sending", "ambiguous") and not retry:
        group.outcome = "ambiguous"
        group.message = (
            "an earlier run sent this refund and its outcome is unknown; check the order on "
            "the platform, then re-run with --retry-unfinished to send it again"
        )
    elif ledger.done_identity.get(group.identity, group.key) != group.key:
        group.outcome = "conflict"
        group.message = (
            "this order (and group) was already refunded by an earlier run with different "
            "lines; put extra lines under a new group label"
        )


def _totals(groups: list[Group]) -> str:
    sums: dict[str, Decimal] = {}
    for group in groups:
        if group.total is not None:
            sums[group.total.currency] = sums.get(group.total.currency, Decimal(0))
            sums[group.total.currency] += group.total.amount
    return ", ".join(f"{amount} {currency}" for currency, amount in sorted(sums.items())) or "0"


def _preview(session: Session, groups: list[Group]) -> list[Group]:
    """Calculate every refund still to be made (validation happens here; nothing is sent)."""
    pending = [g for g in groups if not g.outcome]
    with _progress(session, "calculating", len(pending)) as advance:
        for group in pending:
            try:
                store = session.store(group.store)
                if Capability.REFUNDS_CALCULATE in store.capabilities:
                    group.calculation = store.refunds.calculate(group.order, group.request)
                    group.total = group.calculation.total
            except UnifiedOrdersError as error:
                group.outcome, group.message = "invalid", describe(error, session.secrets)
            advance()
    return [g for g in pending if not g.outcome]


def _send(session: Session, group: Group, ledger: Ledger, notify: bool) -> None:
    ledger.record(
        group.key, "sending", identity=group.identity, store=group.store, order=group.order
    )
    try:
        store = session.store(group.store)
        refund = store.refunds.create(
            group.order,
            group.calculation or group.request,
            note=group.note,
            notify=notify,
            idempotency_key=group.key,
        )
    except AmbiguousWrite as error:
        group.outcome, group.message = "ambiguous", describe(error, session.secrets)
        ledger.record(group.key, "ambiguous", error=group.message)
        return
    except UnifiedOrdersError as error:
        # refused before or by the platform: nothing was refunded, a re-run may try again
        group.outcome, group.message = "failed", describe(error, session.secrets)
        ledger.record(group.key, "failed", error=group.message)
        return
    except Exception as error:  # unknown whether it was sent: never resend blindly
        group.outcome, group.message = "ambiguous", describe(error, session.secrets)
        ledger.record(group.key, "ambiguous", error=group.message)
        return
    session.checkpoint(group.store)
    group.outcome, group.refund_id, group.total = "refunded", refund.id, refund.total
    group.message = ""
    ledger.record(
        group.key,
        "done",
        identity=group.identity,
        refund_id=refund.id,
        amount=str(refund.total.amount),
        currency=refund.total.currency,
    )


def run_bulk(session: Session, options: BulkOptions) -> None:
    """Read, preview, confirm, refund, and report; exits 9 when some refunds did not happen."""
    out = session.output
    groups = read_groups(options.source)
    ledger = Ledger(ledger_path(options.results))
    previous = _previous_results(options.results)
    for group in groups:
        _classify(group, ledger, previous, options.retry_unfinished)
    to_send = _preview(session, groups)
    counts = Counter(g.outcome for g in groups if g.outcome)
    out.note(
        f"{options.source}: {len(groups)} refund(s) from {sum(len(g.rows) for g in groups)} "
        f"row(s): {len(to_send)} to create totalling {_totals(to_send)}"
        + "".join(f", {n} {outcome}" for outcome, n in sorted(counts.items()))
    )
    if out.tables and to_send:
        out.console.print(
            records_table("Refunds to create", ["store", "order", "group", "lines", "total"])(
                [
                    {
                        "store": g.store,
                        "order": g.order,
                        "group": g.label,
                        "lines": ", ".join(f"{x.line_id}x{x.quantity}" for x in g.lines)
                        + (" +shipping" if g.shipping else ""),
                        "total": money(g.total) if g.total else "(not previewed)",
                    }
                    for g in to_send
                ]
            )
        )
    confirmed = True
    if to_send:
        try:
            session.confirm(
                f"Create {len(to_send)} refund(s) totalling {_totals(to_send)}?",
                yes=options.yes,
                what="the bulk refund",
            )
        except CliError:
            confirmed = False
    options.results.parent.mkdir(parents=True, exist_ok=True)
    with options.results.open("w", newline="", encoding="utf-8") as handle:
        results = _Results(handle)
        for group in groups:
            if group.outcome:
                results.write(group)
        if not confirmed:
            for group in to_send:
                group.outcome = "previewed"
                group.message = "not sent: the run was not confirmed"
                results.write(group)
        else:
            with _progress(session, "refunding", len(to_send)) as advance:
                for group in to_send:
                    _send(session, group, ledger, options.notify)
                    results.write(group)
                    advance()
    _rewrite_in_input_order(options.results, groups)
    _report(session, groups, options, confirmed)


def _rewrite_in_input_order(path: Path, groups: list[Group]) -> None:
    """Rewrite the finished results CSV (written as refunds finished) in the input's row order."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        results = _Results(handle)
        for group in sorted(groups, key=lambda g: g.rows[0][0]):
            results.write(group)
    os.replace(temporary, path)


def _report(session: Session, groups: list[Group], options: BulkOptions, confirmed: bool) -> None:
    out = session.output
    records = [
        {
            "store": g.store,
            "order": g.order,
            "group": g.label,
            "rows": [n for n, _ in g.rows],
            "key": g.key,
            "outcome": g.outcome,
            "refund_id": g.refund_id or None,
            "total": g.total,
            "message": g.message or None,
        }
        for g in groups
    ]
    out.items(
        records,
        records_table(
            "Bulk refund results", ["store", "order", "group", "outcome", "refund_id", "message"]
        ),
    )
    counts = Counter(g.outcome for g in groups)
    refunded = [g for g in groups if g.outcome == "refunded"]
    out.note(
        f"summary: {counts.get('refunded', 0)} refunded ({_totals(refunded)}), "
        f"{counts.get('already-refunded', 0)} already refunded, "
        + ", ".join(f"{counts.get(k, 0)} {k}" for k in sorted(PROBLEMS))
        + f"; results in {options.results}, ledger in {ledger_path(options.results)}"
    )
    if not confirmed:
        raise CliError(
            "the bulk refund was not confirmed; nothing was sent (pass --yes)",
            ExitCode.NOT_CONFIRMED,
        )
    problems = sum(counts.get(k, 0) for k in PROBLEMS)
    if problems:
        raise CliError(
            f"{problems} refund(s) did not go through; see {options.results}",
            ExitCode.BULK_INCOMPLETE,
        )
