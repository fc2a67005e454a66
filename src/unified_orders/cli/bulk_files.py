"""The files a bulk run keeps beside its results: the ledger, and the results CSV.

Both are created readable by their owner only (mode 0600): they name orders and customers.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from .bulk_rows import COLUMNS, Group
from .errors import CliError, ExitCode

__all__ = [
    "DONE",
    "Ledger",
    "Results",
    "base_key",
    "check_writable",
    "ledger_path",
    "previous_results",
    "private_file",
    "rewrite_in_input_order",
]

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
#: Outcomes that mean the refund exists.
DONE = {"refunded", "already-refunded"}


def ledger_path(results: Path) -> Path:
    """The ledger next to a results CSV: ``x.results.csv`` -> ``x.results.ledger.jsonl``."""
    return results.with_suffix(".ledger.jsonl")


class Ledger:
    """Append-only JSON Lines of what was sent and done, fsynced line by line (file mode 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last: dict[str, dict[str, Any]] = {}
        self.done_identity: dict[str, str] = {}
        #: content key -> how many of its refunds the platform recorded as failed
        self.failed_refunds: Counter[str] = Counter()
        if path.exists():
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as error:
                raise CliError(
                    f"cannot read the ledger {path}: {error}", ExitCode.CONFIGURATION
                ) from None
            for number, text in enumerate(lines, start=1):
                try:
                    entry = json.loads(text)
                    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
                        raise ValueError("not a ledger entry")
                except ValueError:
                    if number == len(lines):
                        continue  # a torn last line after a crash
                    raise CliError(
                        f"the ledger {path} line {number} is not a ledger entry; it was edited "
                        "or damaged. Restore it, or move it away to start a new ledger (refunds "
                        "it records as done would then rely on the platform's key lookup)",
                        ExitCode.CONFIGURATION,
                    ) from None
                self._note(entry)

    def _note(self, entry: dict[str, Any]) -> None:
        self.last[entry["key"]] = entry
        if entry.get("event") == "done" and entry.get("identity"):
            self.done_identity[entry["identity"]] = entry["key"]
        if entry.get("event") == "refund-failed" and isinstance(entry.get("base_key"), str):
            self.failed_refunds[entry["base_key"]] += 1

    def record(self, key: str, event: str, **data: Any) -> None:
        """Append one event and make it durable before going on."""
        entry = {"key": key, "event": event, "at": datetime.now(UTC).isoformat(), **data}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")
            out.flush()
            os.fsync(out.fileno())
        self._note(entry)

    def key_for(self, content_key: str) -> str:
        """The key to send for this content: a new one after each refund that failed."""
        failed = self.failed_refunds[content_key]
        return content_key if not failed else f"{content_key}-{failed + 1}"


def previous_results(path: Path) -> dict[str, str]:
    """Keys a previous results CSV records as refunded, with their refund ids."""
    done: dict[str, str] = {}
    if not path.exists():
        return done
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get("outcome") in DONE and row.get("key"):
                done[row["key"]] = row.get("refund_id") or ""
    return done


def base_key(key: str) -> str:
    """The content key a (possibly retried, ``-N``) key was derived from."""
    head, _, tail = key.rpartition("-")
    return head if head.startswith("uo-bulk-") and tail.isdigit() else key


class Results:
    """The results CSV, written row by row as refunds finish."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.writer = csv.DictWriter(handle, fieldnames=RESULT_COLUMNS)
        self.writer.writeheader()

    def write(self, group: Group) -> None:
        """One line per input row of this refund, flushed."""
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


def check_writable(results: Path) -> None:
    """Refuse, before anything is read or sent, a results path that cannot be written."""
    problem: str | None = None
    if results.is_dir():
        problem = "it is a directory"
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


def rewrite_in_input_order(path: Path, groups: list[Group]) -> None:
    """Rewrite the finished results CSV (written as refunds finished) in the input's row order."""
    temporary = path.with_name(path.name + ".tmp")
    with private_file(temporary) as handle:
        results = Results(handle)
        for group in sorted(groups, key=lambda g: g.rows[0][0]):
            results.write(group)
    os.replace(temporary, path)


def private_file(path: Path) -> TextIO:
    """A new text file only the user can read (results hold order and customer references)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(descriptor, "w", newline="", encoding="utf-8")
