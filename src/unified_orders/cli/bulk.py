"""Bulk refunds from a CSV file, safe to run again after an interruption.

Input columns: ``store, order, line, quantity, restock, location, shipping, note`` and optionally
``group``. Rows with the same store, order and group form ONE refund (all their lines, the
shipping given on any of them, their notes joined); give rows different ``group`` labels to make
separate refunds of one order. A row with no ``line`` may carry only ``shipping``.

Every refund gets an idempotency key derived from its content (store, order, group, lines,
shipping; not the note, so fixing a note's typo cannot cause a second refund). The key travels
to the platform with the refund, and is recorded in a ledger next to the results CSV
(``<results>.ledger.jsonl``, one fsynced JSON line per event) before the refund is sent and after
it succeeds. A re-run reads the ledger and the previous results CSV and:

- skips refunds already done (outcome ``already-refunded``);
- skips refunds that were being sent when the run stopped (outcome ``ambiguous``: check the
  order on the platform, then re-run with ``--retry-unfinished`` to send those again);
- refuses a group that was already refunded with different content (outcome ``conflict``);
- sends everything else, including refunds that failed before (nothing was refunded then); a
  refund the platform recorded as failed (a declined gateway) is retried under a new key
  (``<key>-2``, ``-3``...), since the old key names the failed refund.

Before calculating a refund still to be made, the run looks its key up on the order: a refund
that carries it (sent by a run killed before its ``done`` line, or by the same CSV run from another
folder) is ``already-refunded`` (or ``failed``, when the platform recorded it so) and is noted in
the ledger instead of being sent again. The whole run holds a lock on the ledger, so the same CSV
run twice at once runs one after the other. Sandbox stores are opened in one fixed order, so two
runs sharing them never wait on each other in a circle.

One bad row makes its refund ``invalid`` and never stops the others. Each row's outcome is
written to the results CSV as soon as its refund is done.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.progress import Progress

from ..adapter import Capability
from ..errors import AmbiguousWrite, RefundFailed, UnifiedOrdersError
from ..locks import path_lock
from ..models import Order, Refund, RefundStatus
from ..writes import refunds_with_key
from .bulk_files import (
    Ledger,
    Results,
    base_key,
    check_writable,
    ledger_path,
    previous_results,
    private_file,
    rewrite_in_input_order,
)
from .bulk_rows import Group, read_groups
from .errors import CliError, ExitCode, describe
from .output import money, records_table
from .session import Session

__all__ = ["BulkOptions", "Group", "ledger_path", "read_groups", "run_bulk"]

PROBLEMS = {"invalid", "failed", "ambiguous", "conflict"}


@dataclass(frozen=True)
class BulkOptions:
    """How to run a bulk refund."""

    source: Path
    results: Path
    yes: bool = False
    notify: bool = False
    retry_unfinished: bool = False
    encoding: str = "utf-8-sig"


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
    group.key = ledger.key_for(group.key)
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


def _preview(session: Session, groups: list[Group], ledger: Ledger) -> list[Group]:
    """Find on the platform the refunds a key already names (an earlier run that died before its
    ledger line, or the same CSV run from another folder), and calculate every refund still to be
    made (validation happens here; nothing is sent)."""
    pending = [g for g in groups if not g.outcome]
    session.open_stores(sorted({g.store for g in pending}))
    with _progress(session, "calculating", len(pending)) as advance:
        for group in pending:
            try:
                store = session.store(group.store)
                order: Order | str = group.order
                if Capability.ORDERS_GET in store.capabilities:
                    order = store.orders.get(group.order)
                    if _found_by_key(group, order, ledger):
                        advance()
                        continue
                if Capability.REFUNDS_CALCULATE in store.capabilities:
                    group.calculation = store.refunds.calculate(order, group.request)
                    group.total = group.calculation.total
            except UnifiedOrdersError as error:
                group.outcome, group.message = "invalid", describe(error, session.secrets)
            advance()
    return [g for g in pending if not g.outcome]


def _found_by_key(group: Group, order: Order, ledger: Ledger) -> bool:
    """Whether the platform already holds the refund this group's key names (then noted in the
    ledger, and not sent again)."""
    found = refunds_with_key(order.refunds, group.key)
    if not found:
        return False
    refund = found[0]
    group.refund_id = refund.id
    if refund.status in (RefundStatus.FAILURE, RefundStatus.PENDING):
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
    _record_done(ledger, group, refund, found_by_key=True)
    return True


def _record_done(ledger: Ledger, group: Group, refund: Refund, **extra: Any) -> None:
    ledger.record(
        group.key,
        "done",
        identity=group.identity,
        refund_id=refund.id,
        amount=str(refund.total.amount),
        currency=refund.total.currency,
        **extra,
    )


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
    except RefundFailed as error:
        # the platform recorded the refund, as failed: no money moved; a re-run tries again
        session.checkpoint(group.store)
        group.outcome, group.message = "failed", describe(error, session.secrets)
        group.refund_id = error.refund.id
        ledger.record(
            group.key,
            "refund-failed",
            base_key=base_key(group.key),
            refund_id=error.refund.id,
            error=group.message,
        )
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
    _record_done(ledger, group, refund)


def run_bulk(session: Session, options: BulkOptions) -> None:
    """Read, preview, confirm, refund, and report; exits 9 when some refunds did not happen.

    The ledger is locked for the whole run: a second run of the same results file waits."""
    groups = read_groups(options.source, options.encoding)
    ledger_file = ledger_path(options.results)
    check_writable(options.results)
    with path_lock(ledger_file, f"the bulk ledger {ledger_file}"):
        _run_locked(session, options, groups, Ledger(ledger_file))


def _run_locked(
    session: Session, options: BulkOptions, groups: list[Group], ledger: Ledger
) -> None:
    out = session.output
    previous = previous_results(options.results)
    for group in groups:
        _classify(group, ledger, previous, options.retry_unfinished)
    to_send = _preview(session, groups, ledger)
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
    with private_file(options.results) as handle:
        results = Results(handle)
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
    rewrite_in_input_order(options.results, groups)
    _report(session, groups, options, confirmed)


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
