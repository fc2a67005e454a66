"""The files a bulk run keeps beside its results: the ledger, and the results CSV.

Both only grow: every run appends to them, nothing an earlier run wrote is rewritten. Both are
written line by line straight to the file (one ``write`` per line, no buffering), are created
readable by their owner only (mode 0600: they name orders and customers), and are written only
while the run holds the ledger's lock. A line cut short by a crash is closed off before the next
run appends, and readers skip it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .bulk_rows import COLUMNS, OPTIONAL, Batch, Group
from .errors import CliError, ExitCode

__all__ = [
    "DONE",
    "PENDING_EVENT",
    "REFUND_RESULTS",
    "Ledger",
    "Results",
    "ResultsLayout",
    "base_key",
    "check_writable",
    "ledger_path",
    "new_run_id",
    "open_results",
    "previous_results",
]

#: The results CSV: which run wrote the line and when, the input row, and its outcome
#: (``refunded``: the refund's total, on the first row of each refund).
RESULT_COLUMNS = (
    "run",
    "at",
    "row",
    *COLUMNS,
    *OPTIONAL,
    "key",
    "outcome",
    "refund_id",
    "refunded",
    "currency",
    "message",
)
#: The columns of results files written before runs were appended (converted once, kept whole).
_UNDATED_COLUMNS = (
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
#: Outcomes that mean the refund exists.
DONE = {"refunded", "already-refunded"}
#: The ledger event of a refund the platform holds under its key, still pending: the key is kept
#: (a re-run sends it again under it, to finish or read it), never replaced by a new one.
PENDING_EVENT = "refund-pending"


@dataclass(frozen=True)
class ResultsLayout:
    """The columns of one kind's results CSV: which run and when, the input row, the key and
    outcome, then what was made (``made``: its id column first), then the message."""

    inputs: tuple[str, ...]
    made: tuple[str, ...]
    #: outcomes that mean the write exists
    done: frozenset[str]
    #: the ``made`` cells of one input row (``first``: the write's first row)
    cells: Callable[[Any, bool], dict[str, str]]
    #: an older layout that is converted once (None: there is none)
    undated: tuple[str, ...] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column, in order."""
        return ("run", "at", "row", *self.inputs, "key", "outcome", *self.made, "message")


def _refund_cells(group: Group, first: bool) -> dict[str, str]:
    total = group.total if first else None
    return {
        "refund_id": group.refund_id,
        "refunded": str(total.amount) if total else "",
        "currency": total.currency if total else "",
    }


#: The bulk refunds' results CSV (its columns are :data:`RESULT_COLUMNS`).
REFUND_RESULTS = ResultsLayout(
    (*COLUMNS, *OPTIONAL),
    ("refund_id", "refunded", "currency"),
    frozenset(DONE),
    _refund_cells,
    _UNDATED_COLUMNS,
)
#: The ledger entry written after a line a crash cut short (which readers then skip).
TORN = "torn-line-above"


def new_run_id() -> str:
    """A run id that sorts by time: ``20250301T101500Z-3fa2c1``."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def ledger_path(results: Path) -> Path:
    """The ledger next to a results CSV: ``x.results.csv`` -> ``x.results.ledger.jsonl``."""
    return results.with_suffix(".ledger.jsonl")


def _append(path: Path, text: str, *, durable: bool) -> None:
    """Append ``text`` with one unbuffered write (fsynced when ``durable``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        data = text.encode("utf-8")
        while data:
            data = data[os.write(descriptor, data) :]
        if durable:
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _torn_tail(path: Path) -> str | None:
    """The last line when a crash cut it short (no newline after it), else None."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            if size == 0:
                return None
            handle.seek(max(0, size - 65536))
            tail = handle.read()
    except OSError:
        return None
    if tail.endswith(b"\n"):
        return None
    return tail.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")


class Ledger:
    """Append-only JSON Lines of what was sent and done, fsynced line by line (file mode 0600)."""

    def __init__(self, path: Path, run: str | None = None) -> None:
        self.path = path
        self.run = run
        self.last: dict[str, dict[str, Any]] = {}
        self.done_identity: dict[str, str] = {}
        #: content key -> how many of its refunds the platform recorded as failed
        self.failed_refunds: Counter[str] = Counter()
        self._closed_off = False
        if path.exists():
            self._read()

    def _read(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise CliError(
                f"cannot read the ledger {self.path}: {error}", ExitCode.CONFIGURATION
            ) from None
        entries = [_entry(text) for text in lines]
        for number, entry in enumerate(entries, start=1):
            if entry is not None:
                if entry["event"] != TORN:
                    self._note(entry)
                continue
            following = entries[number] if number < len(entries) else None
            if number == len(lines) or (following is not None and following["event"] == TORN):
                continue  # a line a crash cut short
            raise CliError(
                f"the ledger {self.path} line {number} is not a ledger entry; it was edited "
                "or damaged. Restore it, or move it away to start a new ledger (refunds "
                "it records as done would then rely on the platform's key lookup)",
                ExitCode.CONFIGURATION,
            )

    def _note(self, entry: dict[str, Any]) -> None:
        self.last[entry["key"]] = entry
        if entry.get("event") == "done" and entry.get("identity"):
            self.done_identity[entry["identity"]] = entry["key"]
        if entry.get("event") == "refund-failed" and isinstance(entry.get("base_key"), str):
            self.failed_refunds[entry["base_key"]] += 1

    def record(self, key: str, event: str, **data: Any) -> None:
        """Append one event and make it durable before going on."""
        entry: dict[str, Any] = {"key": key, "event": event, "at": _now()}
        if self.run:
            entry["run"] = self.run
        entry.update(data)
        torn = None if self._closed_off else _torn_tail(self.path)
        if torn is not None:
            # close the cut line and say so, so that readers skip it and not stop at it
            marker = {"key": "", "event": TORN, "at": _now(), "torn": torn[:200]}
            _append(self.path, "\n" + json.dumps(marker) + "\n", durable=True)
        self._closed_off = True  # this run holds the lock: only its own whole lines follow
        _append(self.path, json.dumps(entry) + "\n", durable=True)
        self._note(entry)

    def key_for(self, content_key: str) -> str:
        """The key to send for this content: a new one after each refund that failed."""
        failed = self.failed_refunds[content_key]
        return content_key if not failed else f"{content_key}-{failed + 1}"


def _entry(text: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(text)
    except ValueError:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
        return None
    entry.setdefault("event", "")
    return entry


def base_key(key: str) -> str:
    """The content key a (possibly retried, ``-N``) key was derived from."""
    head, _, tail = key.rpartition("-")
    return head if head.startswith("uo-bulk-") and tail.isdigit() else key


# --- the results CSV ----------------------------------------------------------------------------
def _csv_line(cells: Sequence[str]) -> str:
    """One CSV record on ONE line (line breaks inside cells become spaces), so a reader can
    take the file line by line and a cut line never swallows the next."""
    buffer = io.StringIO()
    flat = [" ".join(cell.splitlines()) if cell else "" for cell in cells]
    csv.writer(buffer, lineterminator="\n").writerow(flat)
    return buffer.getvalue()


def _records(path: Path) -> Iterator[dict[str, str]]:
    """The complete records of a results file (a line a crash cut short has too few cells)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror or error}", ExitCode.USAGE) from None
    lines = text.split("\n")
    header = _cells(lines[0])
    for line in lines[1:]:
        cells = _cells(line)
        if header and len(cells) == len(header):
            yield dict(zip(header, cells, strict=True))


def _cells(line: str) -> list[str]:
    try:
        return next(csv.reader([line]), [])
    except csv.Error:
        return []


def previous_results(path: Path, layout: ResultsLayout = REFUND_RESULTS) -> dict[str, str]:
    """Keys the results CSV records as done (by any earlier run), with the ids made."""
    done: dict[str, str] = {}
    if not path.exists():
        return done
    for record in _records(path):
        if record.get("outcome") in layout.done and record.get("key"):
            done[record["key"]] = record.get(layout.made[0]) or ""
    return done


class Results:
    """The append-only results CSV: each run adds one line per input row, as writes finish."""

    def __init__(self, path: Path, run: str, layout: ResultsLayout = REFUND_RESULTS) -> None:
        self.path = path
        self.run = run
        self.layout = layout

    def write(self, group: Batch) -> None:
        """One line per input row of this write, each written through at once."""
        at = _now()
        for index, (number, row) in enumerate(group.rows):
            record = {column: row.get(column, "") for column in self.layout.inputs}
            record.update(
                run=self.run,
                at=at,
                row=str(number),
                group=group.label,
                key=group.key,
                outcome=group.outcome,
                message=group.message,
            )
            record.update(self.layout.cells(group, index == 0))
            line = _csv_line([record[c] for c in self.layout.columns])
            _append(self.path, line, durable=False)


def open_results(path: Path, run: str, layout: ResultsLayout = REFUND_RESULTS) -> Results:
    """Get the results CSV ready for this run's lines: created with its header, converted
    once from the undated layout, or its cut last line closed off. A file that is not a results
    CSV (the input itself, say) is refused, never appended to."""
    header = (
        _cells(path.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0])
        if (path.exists() and path.stat().st_size)
        else []
    )
    if not header:
        _append(path, _csv_line(layout.columns), durable=True)
    elif layout.undated is not None and tuple(header) == layout.undated:
        _add_run_columns(path)
    elif tuple(header) != layout.columns:
        raise CliError(
            f"{path} is not a bulk results file (its first row is {', '.join(header[:6])}...); "
            "choose another --results",
            ExitCode.USAGE,
        )
    torn = _torn_tail(path)
    if torn is not None:
        _append(path, ('"' if torn.count('"') % 2 else "") + "\n", durable=True)
    return Results(path, run, layout)


def _add_run_columns(path: Path) -> None:
    """Convert a results file written before runs were appended: every line kept, with empty
    ``run`` and ``at`` cells (written beside it, then moved over it in one step)."""
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        rows = list(csv.DictReader(handle))
    temporary = path.with_name(f".{path.name}.converting")
    temporary.unlink(missing_ok=True)
    lines = [_csv_line(RESULT_COLUMNS)]
    for row in rows:
        row["refunded"] = row.pop("amount", "")  # the refund's total, now beside the input's
        lines.append(_csv_line([row.get(c) or "" for c in RESULT_COLUMNS]))
    _append(temporary, "".join(lines), durable=True)
    os.replace(temporary, path)


def check_writable(results: Path, source: Path) -> None:
    """Refuse, before anything is read or sent, a results path that cannot be written."""
    problem: str | None = None
    if results.is_dir():
        problem = "it is a directory"
    elif results.exists() and results.resolve() == source.resolve():
        problem = "it is the input CSV"
    elif results.exists() and not os.access(results, os.W_OK):
        problem = "it is not writable"
    else:
        try:
            results.parent.mkdir(parents=True, exist_ok=True)
            handle, probe = tempfile.mkstemp(dir=results.parent, prefix=f".{results.name}.")
            os.close(handle)
            os.unlink(probe)
        except OSError as error:
            problem = error.strerror or str(error)
    if problem is not None:
        raise CliError(
            f"cannot write the results to {results}: {problem}; choose another --results",
            ExitCode.USAGE,
        )
