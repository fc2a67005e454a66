"""Planning a bulk run, before anything is sent: each order read once, writes already done
found (in the ledger, the results CSV, or on the platform by key), the others checked (refunds
calculated here; shipments in :mod:`.bulk_ship`), and the plan shown: what will be sent, and
which rows will not and why.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.progress import Progress

from ..adapter import Capability
from ..errors import InvalidRequest, UnifiedOrdersError, UnsupportedOperation
from ..models import Order, Refund, RefundStatus
from ..writes import refunds_with_key
from .bulk_files import Ledger, base_key
from .bulk_rows import REFUNDS, Batch, Group, Nouns, Problem, Row
from .errors import describe
from .layout import Column, FitTable, Kind
from .output import money
from .session import Session

__all__ = [
    "HELD_BACK",
    "Orders",
    "Resolved",
    "classify",
    "in_csv_terms",
    "preview",
    "problems_of",
    "record_done",
    "resolve_orders",
    "show_plan",
    "show_refunds",
    "totals",
]

#: Outcomes decided before sending that keep a valid refund back (not invalid, not done).
HELD_BACK = ("ambiguous", "conflict", "failed")
#: Orders read while planning, by ``(store, order id)``.
Orders = dict[tuple[str, str], Order]


@contextmanager
def progress(session: Session, label: str, total: int) -> Iterator[Callable[[], None]]:
    """A progress bar on a terminal's stderr (nothing otherwise); yields "one more done"."""
    bar = Progress(console=session.output.err, disable=not session.output.err.is_terminal)
    with bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


@dataclass
class Resolved:
    """What reading each distinct order cell found."""

    #: the order id each ``(store, order cell)`` names (for grouping)
    ids: dict[tuple[str, str], str] = field(default_factory=dict)
    #: the orders read, by ``(store, order id)``
    orders: Orders = field(default_factory=dict)
    #: ``(store, order cell)`` that could not be read: the CSV column to blame, and why
    unresolved: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def refuse_unresolved(self, groups: Sequence[Batch]) -> None:
        """Make invalid the refunds still to be made (or already invalid) whose order could not
        be read; a refund the ledger records as done stays done: its order need not be
        readable."""
        for group in groups:
            if group.outcome not in ("", "invalid"):
                continue
            for number, cells in group.rows:
                failed = self.unresolved.get((cells.get("store", ""), cells.get("order", "")))
                if failed is not None:
                    group.problems.append(Problem((number,), *failed))
            if group.problems:
                group.outcome, group.message = "invalid", group.error or ""


def resolve_orders(session: Session, rows: Sequence[Row]) -> Resolved:
    """Read each distinct order cell once through the library (an id or an order number), so
    rows naming one order by id and by number group together. A cell that cannot be read (its
    store cannot be opened, no such order) is grouped as written."""
    cells = list(dict.fromkeys((r.store, r.order) for r in rows if r.store and r.order))
    session.open_stores(sorted({store for store, _ in cells}))
    found = Resolved()
    with progress(session, "reading orders", len(cells)) as advance:
        for name, cell in cells:
            advance()
            try:
                store = session.store(name)
            except UnifiedOrdersError as error:
                found.unresolved[name, cell] = ("store", describe(error, session.secrets))
                continue
            if Capability.ORDERS_GET not in store.capabilities:
                continue  # passed on as written; the platform checks it
            try:
                order = store.orders.get(cell)
            except UnifiedOrdersError as error:
                found.unresolved[name, cell] = ("order", in_csv_terms(error, session.secrets))
            else:
                found.ids[name, cell] = order.id
                found.orders.setdefault((name, order.id), order)
    return found


#: Request fields (``lines[0].quantity``) and the CSV columns they come from.
_FIELD_COLUMNS = {
    "line_id": "line",
    "quantity": "quantity",
    "restock": "restock",
    "location_id": "location",
    "amount": "amount",
}
_LINE_FIELD = re.compile(r"^lines\[(\d+)\](?:\.(\w+))?")


def in_csv_terms(error: UnifiedOrdersError, secrets: list[str]) -> str:
    """An error's message for a CSV row: without the library's field paths (the CSV column says
    where) and without a hint that speaks in command-line flags."""
    if isinstance(error, InvalidRequest) and error.problems:
        return "; ".join(p.message for p in error.problems)
    if isinstance(error, UnsupportedOperation):
        hint = str(getattr(error.hint, "cli", error.hint) or "")
        keep = hint and "--" not in hint and "store." not in hint
        return f"unsupported: {error.summary}" + (f": {hint}" if keep else "")
    return describe(error, secrets)


def problems_of(error: UnifiedOrdersError, group: Group, secrets: list[str]) -> list[Problem]:
    """The rows and CSV columns a refused refund request points at, with the messages."""
    every = tuple(group.numbers)
    if not isinstance(error, InvalidRequest) or not error.problems:
        return [Problem(every, None, in_csv_terms(error, secrets))]
    found: list[Problem] = []
    for problem in error.problems:
        line = _LINE_FIELD.match(problem.path)
        if line and int(line[1]) < len(group.line_rows):
            row = group.line_rows[int(line[1])]
            found.append(Problem((row,), _FIELD_COLUMNS.get(line[2] or ""), problem.message))
        elif problem.path.startswith("shipping") and group.shipping_rows:
            found.append(Problem(tuple(group.shipping_rows), "shipping", problem.message))
        elif problem.path == "amount" and group.amount_rows:
            found.append(Problem(tuple(group.amount_rows), "amount", problem.message))
        elif problem.path == "remaining" and group.all_rows:
            found.append(Problem(tuple(group.all_rows), "all", problem.message))
        elif problem.path in ("order_id", "order"):
            found.append(Problem(every, "order", problem.message))
        else:
            found.append(Problem(every, None, str(problem)))
    return found


def classify(
    group: Batch,
    ledger: Ledger,
    previous: dict[str, str],
    retry: bool,
    nouns: Nouns = REFUNDS,
) -> None:
    """Decide from the rows, the ledger and the results CSV whether this write is still to be
    made (its ``outcome`` stays empty) or not."""
    if group.error is not None:
        group.outcome, group.message = "invalid", group.error
        return
    group.key = ledger.key_for(group.key)
    entry = ledger.last.get(group.key)
    for key in group.earlier_keys:
        earlier = ledger.last.get(key)
        if key in previous or (earlier is not None and earlier["event"] == "done"):
            group.outcome = nouns.already
            group.made_id = previous.get(key) or (earlier or {}).get(f"{nouns.one}_id", "")
            group.message = f"{nouns.done} by an earlier run (that named the order as written)"
            return
    if entry is not None and entry["event"] == "done":
        group.outcome = nouns.already
        group.made_id = entry.get(f"{nouns.one}_id", "")
        group.message = f"{nouns.done} by an earlier run at {entry.get('at', '?')}"
    elif group.key in previous:
        group.outcome, group.made_id = nouns.already, previous[group.key]
        group.message = f"recorded as {nouns.done} in the results CSV"
    elif entry is not None and entry["event"] in ("sending", "ambiguous") and not retry:
        group.outcome = "ambiguous"
        group.message = (
            f"an earlier run sent this {nouns.one} and its outcome is unknown; check the order "
            "on the platform, then re-run with --retry-unfinished to send it again"
        )
    elif ledger.done_identity.get(group.identity, group.key) != group.key:
        group.outcome = "conflict"
        group.message = (
            f"this order (and group) was already {nouns.done} by an earlier run with different "
            "lines; put extra lines under a new group label"
        )


def preview(session: Session, groups: list[Group], ledger: Ledger, orders: Orders) -> list[Group]:
    """Find on the platform the refunds a key already names (an earlier run that died before its
    ledger line, or the same CSV run from another folder), and calculate every refund still to be
    made (the platform's checks happen here; nothing is sent). Returns the refunds to send."""
    pending = [g for g in groups if not g.outcome]
    with progress(session, "calculating", len(pending)) as advance:
        for group in pending:
            try:
                store = session.store(group.store)
                if Capability.REFUNDS_CREATE not in store.capabilities:
                    raise UnsupportedOperation(store.platform, Capability.REFUNDS_CREATE.value)
                order: Order | str = orders.get((group.store, group.order), group.order)
                unfinished = store.adapter.unfinished_refund_statuses
                if isinstance(order, Order) and _found_by_key(group, order, ledger, unfinished):
                    advance()
                    continue
                if Capability.REFUNDS_CALCULATE in store.capabilities:
                    group.calculation = store.refunds.calculate(order, group.request)
                    group.total = group.calculation.total
            except UnifiedOrdersError as error:
                group.problems += problems_of(error, group, session.secrets)
                group.outcome, group.message = "invalid", group.error or ""
            advance()
    return [g for g in pending if not g.outcome]


def _found_by_key(
    group: Group, order: Order, ledger: Ledger, unfinished: Collection[RefundStatus]
) -> bool:
    """Whether the platform already holds the refund this group's key names (then noted in the
    ledger, and not sent again; an ``unfinished`` one, pending say, is sent again under its own
    key, not calculated)."""
    found = [
        refund
        for key in (group.key, *group.earlier_keys)
        for refund in refunds_with_key(order.refunds, key)
    ]
    if not found:
        return False
    refund = found[0]
    group.refund_id = refund.id
    if refund.status in unfinished:
        # sent again under its own key (maybe an earlier spelling's), never a new one: the core
        # finishes what its writer left undone, or says it is still pending; never calculated
        # again (its units are already counted)
        group.key = refund.idempotency_key or group.key
        group.total = refund.total
        return True
    if refund.status is RefundStatus.FAILURE:
        group.outcome = "failed"
        group.message = (
            f"the platform holds refund {refund.id} under this key with status "
            f"{refund.status.value}: no money moved; run again to retry it under a new key"
        )
        ledger.record(
            group.key,
            "refund-failed",
            base_key=base_key(group.key),
            refund_id=refund.id,
            error=group.message,
        )
        return True
    group.outcome, group.total = "already-refunded", refund.total
    group.message = "found on the platform by its key (made by an earlier or concurrent run)"
    record_done(ledger, group, refund, found_by_key=True)
    return True


def record_done(ledger: Ledger, group: Group, refund: Refund, **extra: Any) -> None:
    """The ledger's ``done`` line for a refund that exists."""
    ledger.record(
        group.key,
        "done",
        identity=group.identity,
        refund_id=refund.id,
        amount=str(refund.total.amount),
        currency=refund.total.currency,
        **extra,
    )


def totals(groups: Sequence[Group]) -> str:
    """The groups' totals per currency: ``57.50 USD, 10.00 EUR`` (``0`` for none)."""
    sums: dict[str, Decimal] = {}
    for group in groups:
        if group.total is not None:
            sums[group.total.currency] = sums.get(group.total.currency, Decimal(0))
            sums[group.total.currency] += group.total.amount
    return ", ".join(f"{amount} {currency}" for currency, amount in sorted(sums.items())) or "0"


def show_plan(
    session: Session,
    source: Path,
    groups: Sequence[Batch],
    to_send: Sequence[Batch],
    nouns: Nouns,
    sending: str,
) -> None:
    """Before asking: how many rows will be sent (``sending``: as what), are invalid, already
    done or held back; then each invalid row with its column and why."""
    out = session.output
    rows: Counter[str] = Counter()
    for group in groups:
        state = "send" if group in to_send else group.outcome
        rows[state] += len(group.rows)
    held = ", ".join(f"{rows[k]} {k}" for k in HELD_BACK if rows[k])
    out.note(
        f"{source}: {rows.total()} row(s): {rows['send']} valid to send as {sending}; "
        f"{rows['invalid']} invalid (not sent); {rows[nouns.already]} already done"
        + (f"; held back: {held}" if held else "")
    )
    invalid = [(g, p) for g in groups if g.outcome == "invalid" for p in g.problems]
    if invalid and out.tables:
        out.console.print(
            FitTable(
                "Invalid rows (not sent)",
                [
                    Column("row", Kind.KEY, right=True),
                    Column("store", Kind.WORD, 2),
                    Column("order", Kind.KEY),
                    Column("column", Kind.WORD, 1),
                    Column("problem", Kind.TEXT),
                ],
                [
                    [", ".join(map(str, p.rows)), g.store, g.order, p.column or "", p.message]
                    for g, p in invalid
                ],
            )
        )
    elif invalid:
        for group, problem in invalid:
            out.note(f"invalid: {problem} (store {group.store}, order {group.order})")


def show_refunds(session: Session, to_send: Sequence[Group]) -> None:
    """The refunds to create, after the plan."""
    out = session.output
    orders = [(g.store, g.order) for g in to_send]
    again = len(orders) - len(set(orders))
    if again:
        out.note(
            f"{again} refund(s) are of an order refunded earlier in this file: they are "
            "calculated again when sent (their totals above may then be lower)"
        )
    if out.tables and to_send:
        out.console.print(
            FitTable(
                "Refunds to create",
                [
                    Column("rows", Kind.LIST, 3),
                    Column("store", Kind.WORD, 2),
                    Column("order", Kind.KEY),
                    Column("group", Kind.WORD, 1, optional=True),
                    Column("lines", Kind.TEXT),
                    Column("total", Kind.KEY, right=True),
                ],
                [
                    [
                        ", ".join(map(str, g.numbers)),
                        g.store,
                        g.order,
                        g.label,
                        _what(g),
                        money(g.total) if g.total else "(not previewed)",
                    ]
                    for g in to_send
                ],
            )
        )


def _what(group: Group) -> str:
    """What a refund takes back, in short: ``L1 x2 (5.00), shipping``."""
    if group.everything_left:
        return "everything left"
    parts = [
        f"{x.line_id} x{x.quantity}" + (f" ({x.amount})" if x.amount is not None else "")
        for x in group.lines
    ]
    if group.shipping is not None:
        parts.append("shipping" if group.shipping.full else f"shipping {group.shipping.amount}")
    if group.amount is not None:
        parts.append(f"amount {group.amount}")
    return ", ".join(parts)
