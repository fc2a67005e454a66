"""Bulk writes from a CSV file, safe to run again after an interruption: refunds
(``refunds create --from-csv``, :mod:`.bulk_refund`) and shipments (``fulfillments ship
--from-csv``, :mod:`.bulk_ship`). Each kind (:class:`.bulk_kind.BulkKind`) says what its rows
mean; everything below (ledger, lock, confirmation, results, Ctrl-C, exit codes) is shared, and
is told here for refunds.

Input columns: ``store, order, line, quantity, restock, location, shipping, note`` and optionally
``group``, ``amount`` (a line's own lower amount; without a line, an amount-only refund) and
``all`` (``yes``: everything left on the order). Rows with the same store, order and group form
ONE refund (all their lines, the shipping given on any of them, their notes joined); give rows
different ``group`` labels to make separate refunds of one order. The order is an id or an order
number; each distinct order cell is read once, and rows naming one order by id and by number
are one refund. Reading is :mod:`.bulk_read`, the rows and refunds :mod:`.bulk_rows`, planning
:mod:`.bulk_plan`, the ledger and results CSV :mod:`.bulk_files`.

Before asking, the run shows how many rows are valid, invalid, already done and held back, each
invalid row with its CSV column and why, and the refunds to create. Confirming sends the valid
refunds only: an invalid row (and the other rows of its refund) is never sent.

Every refund gets an idempotency key derived from its content (store, order id, group, lines,
shipping; not the note, so fixing a note's typo cannot cause a second refund). The key travels
to the platform with the refund, and is recorded in a ledger next to the results CSV
(``<results>.ledger.jsonl``, one fsynced JSON line per event) before the refund is sent and after
it succeeds. A re-run reads the ledger and the results CSV and:

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

The results CSV is an append-only audit: each run appends one line per input row (with its run
id and time) as soon as the row's refund is done. Ctrl-C lets the refund being sent finish, then
stops (a second Ctrl-C stops at once, leaving that refund ``ambiguous``); the run says how many
refunds it got through and exits 130, and a re-run continues where it stopped.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

from ..locks import path_lock
from .bulk_files import (
    Ledger,
    Results,
    check_writable,
    ledger_path,
    new_run_id,
    open_results,
    previous_results,
)
from .bulk_kind import BulkKind
from .bulk_plan import classify, progress, resolve_orders, show_plan
from .bulk_read import read_csv, read_groups
from .bulk_refund import REFUNDING
from .bulk_rows import Batch, Group, Nouns, Row
from .errors import CliError, ExitCode
from .output import records_table
from .session import Session

if TYPE_CHECKING:
    from .engine_opts import EngineTarget

__all__ = ["BulkOptions", "Group", "Ledger", "ledger_path", "read_groups", "run_bulk"]

PROBLEMS = {"invalid", "failed", "pending", "ambiguous", "conflict"}
R = TypeVar("R", bound=Row)
G = TypeVar("G", bound=Batch)


@dataclass(frozen=True)
class BulkOptions:
    """How to run a bulk refund (or shipment)."""

    source: Path
    results: Path
    yes: bool = False
    notify: bool = False
    retry_unfinished: bool = False
    encoding: str = "utf-8-sig"
    #: send through Temporal workflows (``--engine temporal``) instead of in this process
    engine: EngineTarget | None = None


@dataclass(frozen=True)
class _Stop:
    """Ctrl-C stopped the run: after the write being sent finished, or ``at_once``."""

    at_once: bool


@contextmanager
def _ctrl_c_finishes_the_write(one: str) -> Iterator[Callable[[], bool]]:
    """While writes are sent, the first Ctrl-C asks to stop after the write being sent; the
    second stops at once. Yields "was stop asked?"."""
    asked = False
    notice = f"\nstopping after the {one} being sent (Ctrl-C again: stop at once)\n".encode()

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal asked
        if asked:
            raise KeyboardInterrupt
        asked = True
        os.write(2, notice)

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: Ctrl-C keeps its default
        previous = None
    try:
        yield lambda: asked
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def run_bulk(session: Session, options: BulkOptions, kind: BulkKind[Any, Any] = REFUNDING) -> None:
    """Read, plan, show, confirm, write, and report; exits 9 when some writes did not happen,
    130 when interrupted.

    The ledger is locked for the whole run: a second run of the same results file waits."""
    rows = read_csv(options.source, options.encoding, kind.schema)
    check_writable(options.results, options.source)
    ledger_file = ledger_path(options.results)
    run = new_run_id()
    with path_lock(ledger_file, f"the bulk ledger {ledger_file}"):
        ledger = Ledger(ledger_file, run)
        results = open_results(options.results, run, kind.layout)
        previous = previous_results(options.results, kind.layout)
        try:
            resolved = resolve_orders(session, rows)
            groups = kind.group(rows, resolved.ids)
            for group in groups:
                classify(group, ledger, previous, options.retry_unfinished, kind.nouns)
            resolved.refuse_unresolved(groups)
            to_send = kind.preview(session, groups, ledger, resolved.orders)
        except KeyboardInterrupt:
            raise CliError(
                "stopped by Ctrl-C while checking the rows; nothing was sent",
                ExitCode.INTERRUPTED,
            ) from None
        show_plan(session, options.source, groups, to_send, kind.nouns, kind.sending(to_send))
        kind.show(session, to_send)
        confirmed = _confirm(session, options, kind, groups, to_send)
        stopped = _send_all(session, options, kind, ledger, results, groups, to_send, confirmed)
    _report(session, kind, groups, options, run)
    if stopped is not None:
        _interrupted(session, kind.nouns, to_send, stopped)
    _exit_code(kind.nouns, groups, options, confirmed)


def _confirm(
    session: Session,
    options: BulkOptions,
    kind: BulkKind[R, G],
    groups: list[G],
    to_send: list[G],
) -> bool:
    if not to_send:
        return True
    invalid = sum(len(g.rows) for g in groups if g.outcome == "invalid")
    question = f"Create {kind.sending(to_send)}"
    question += f" (not the {invalid} invalid row(s))?" if invalid else "?"
    try:
        session.confirm(question, yes=options.yes, what=f"the bulk {kind.nouns.one}")
    except CliError:
        return False
    return True


@dataclass
class _Sender:
    """Sends writes one by one, until Ctrl-C is pressed."""

    session: Session
    kind: BulkKind[Any, Any]
    ledger: Ledger
    notify: bool
    asked_to_stop: Callable[[], bool]
    stopped: _Stop | None = None
    #: orders written to in this run: a later write to one is prepared again when sent
    written: set[tuple[str, str]] = field(default_factory=set)

    def send(self, group: Batch) -> None:
        """Send one write (or mark it not sent, once Ctrl-C was pressed)."""
        if self.stopped is None and self.asked_to_stop():
            self.stopped = _Stop(at_once=False)
        if self.stopped is not None:
            group.outcome = "not-sent"
            group.message = "not sent: the run was interrupted (Ctrl-C); rerun to continue"
            return
        order = (group.store, group.order)
        try:
            fresh = order in self.written
            self.kind.send(self.session, group, self.ledger, self.notify, fresh=fresh)
        except KeyboardInterrupt:
            self.stopped = _Stop(at_once=True)
            group.outcome = "ambiguous"
            group.message = (
                "interrupted (Ctrl-C) while being sent: its outcome is unknown; check the "
                "order on the platform, then re-run with --retry-unfinished"
            )
        self.written.add(order)


def _send_all(
    session: Session,
    options: BulkOptions,
    kind: BulkKind[R, G],
    ledger: Ledger,
    results: Results,
    groups: list[G],
    to_send: list[G],
    confirmed: bool,
) -> _Stop | None:
    """In the input's order, write each write's results lines, sending the writes to send
    first (when confirmed); after Ctrl-C, the rest are marked not sent."""
    sending = {id(g) for g in to_send}
    if not confirmed:
        for group in groups:
            if id(group) in sending:
                group.outcome = "previewed"
                group.message = "not sent: the run was not confirmed"
            results.write(group)
        return None
    if options.engine is not None:
        kind.send_on_engine(session, ledger, to_send, options.notify, options.engine)
        for group in groups:
            results.write(group)
        return None
    with (
        progress(session, kind.nouns.doing, len(to_send)) as advance,
        _ctrl_c_finishes_the_write(kind.nouns.one) as asked,
    ):
        sender = _Sender(session, kind, ledger, options.notify, asked)
        for group in groups:
            if id(group) in sending:
                sender.send(group)
                advance()
            results.write(group)
    return sender.stopped


def _interrupted(session: Session, nouns: Nouns, to_send: list[Any], stopped: _Stop) -> None:
    """Say how far the run got, and exit 130."""
    through = [g for g in to_send if g.outcome not in ("not-sent", "ambiguous")]
    unsure = [g for g in to_send if g.outcome == "ambiguous"]
    session.output.note(f"interrupted after {len(through)} of {len(to_send)}; rerun to continue")
    left = sum(1 for g in to_send if g.outcome == "not-sent")
    message = f"stopped by Ctrl-C; {left} {nouns.one}(s) not sent (outcome not-sent)"
    if stopped.at_once and unsure:
        message += (
            f"; the {nouns.one} of order {unsure[-1].order} was being sent: check it on the "
            "platform, then rerun with --retry-unfinished"
        )
    raise CliError(message, ExitCode.INTERRUPTED)


def _report(
    session: Session, kind: BulkKind[R, G], groups: list[G], options: BulkOptions, run: str
) -> None:
    out = session.output
    nouns = kind.nouns
    records = [
        {
            "store": g.store,
            "order": g.order,
            "group": g.label,
            "rows": g.numbers,
            "key": g.key,
            "outcome": g.outcome,
            **kind.record(g),
            "message": g.message or None,
            "run": run,
        }
        for g in groups
    ]
    columns = ["store", "order", "group", "outcome", *kind.report_columns, "message"]
    out.items(records, records_table(f"Bulk {nouns.one} results", columns))
    counts = Counter(g.outcome for g in groups)
    made = [g for g in groups if g.outcome == nouns.done]
    out.note(
        f"summary: {counts.get(nouns.done, 0)} {nouns.done}{kind.made(made)}, "
        f"{counts.get(nouns.already, 0)} already {nouns.done}, "
        + ", ".join(f"{counts.get(k, 0)} {k}" for k in sorted(PROBLEMS))
        + (f", {counts['not-sent']} not sent" if counts.get("not-sent") else "")
        + f"; results (run {run}) appended to {options.results}, ledger in "
        f"{ledger_path(options.results)}"
    )


def _exit_code(nouns: Nouns, groups: list[Any], options: BulkOptions, confirmed: bool) -> None:
    if not confirmed:
        raise CliError(
            f"the bulk {nouns.one} was not confirmed; nothing was sent (pass --yes)",
            ExitCode.NOT_CONFIRMED,
        )
    problems = sum(1 for g in groups if g.outcome in PROBLEMS)
    if problems:
        raise CliError(
            f"{problems} {nouns.one}(s) did not go through; see {options.results}",
            ExitCode.BULK_INCOMPLETE,
        )
