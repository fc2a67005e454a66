"""A sync spread over worker processes (``run_sync(..., processes=N)``) writes what one process
writes, relays progress and logs, and fails only the stores of a worker that dies."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pg_cluster import one
from test_sync_kill_resume import snapshot as rows

import unified_orders as uo
from unified_orders.sync import run_sync, sandbox_stores
from unified_orders.sync.results import StoreResult

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs fork")


def stores() -> dict[str, Any]:
    made = sandbox_stores()
    if len(made) < 2:
        pytest.skip("fewer than two built-in adapters are registered")
    return made


class Recorded:
    """A progress reporter that keeps every event."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def started(self, store: str, platform: str, mode: str) -> None:
        self.events.append(("started", store))

    def page(self, store: str, orders: int, changed: int) -> None:
        self.events.append(("page", store))

    def finished(self, result: StoreResult) -> None:
        self.events.append(("finished", result.store))

    def close(self) -> None:
        self.events.append(("close", ""))


def test_two_processes_write_the_rows_one_process_writes(pg_cluster: Any) -> None:
    spread, alone = pg_cluster.database(), pg_cluster.database()
    progress = Recorded()
    summary = run_sync(stores(), spread, processes=2, progress=progress)
    assert summary.ok, [r.error for r in summary.failed]
    assert [r.store for r in summary.results] == list(stores())
    assert run_sync(stores(), alone).ok
    assert rows(spread) == rows(alone)
    for name in stores():
        assert ("started", name) in progress.events
        assert ("page", name) in progress.events
        assert ("finished", name) in progress.events
    assert progress.events[-1] == ("close", "")
    again = run_sync(stores(), spread, processes=2)  # incremental, in processes too
    assert again.ok
    assert all(r.mode != "full" for r in again.results)


def test_a_duckdb_file_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    db = tmp_path / "one-writer.duckdb"
    with pytest.raises(uo.ConfigurationError, match="PostgreSQL"):
        run_sync(stores(), db, processes=2)
    assert not db.exists()
    one = dict(list(stores().items())[:1])  # refused even where there is nothing to spread
    with pytest.raises(uo.ConfigurationError, match="PostgreSQL"):
        run_sync(one, db, processes=2)
    assert not db.exists()
    with pytest.raises(uo.ConfigurationError, match="whole number"):
        run_sync(stores(), db, processes=0)


def _killed() -> uo.AsyncStore:
    os.kill(os.getpid(), signal.SIGKILL)  # the worker syncing this store dies here
    raise AssertionError("not reached")


def _broken() -> uo.AsyncStore:
    raise uo.ConfigurationError("no such shop (a store factory that fails)")


def test_a_dead_worker_fails_its_stores_and_the_others_finish(
    pg_cluster: Any, caplog: pytest.LogCaptureFixture
) -> None:
    db = pg_cluster.database()
    made = stores()
    names = list(made)
    # round-robin over two workers: the first gets order[0], order[2], ...; the second the rest
    order = [names[0], "killer", "broken", *names[1:]]
    doomed = {**made, "killer": _killed, "broken": _broken}
    chosen = {name: doomed[name] for name in order}
    with caplog.at_level(logging.WARNING, logger="unified_orders"):
        summary = run_sync(chosen, db, processes=2)
    results = {r.store: r for r in summary.results}
    assert [r.store for r in summary.results] == order
    for name in order[1::2]:  # the killer's worker: every store failed, and says how
        assert not results[name].ok
        assert "exit code -9" in (results[name].error or ""), results[name].error
        assert "resumes it" in (results[name].error or "")
    # the other worker went on past its broken store; the log line came back here
    assert "no such shop" in (results["broken"].error or "")
    for name in order[0::2]:
        assert results[name].ok == (name != "broken"), results[name].error
    assert any("sync of broken failed" in r.getMessage() for r in caplog.records)
    assert any("exited with code -9" in r.getMessage() for r in caplog.records)
    rerun = run_sync(made, db, processes=2)
    assert rerun.ok, [r.error for r in rerun.failed]
    assert one(db, "SELECT count(*) FROM sync_state WHERE run_id IS NOT NULL") == 0


INTERRUPTED = """
import sys, time
from unified_orders.sync import run_sync

def slow():
    time.sleep(120)  # a store that never answers: the workers are busy when Ctrl-C comes

try:
    run_sync({"a": slow, "b": slow, "c": slow}, sys.argv[1], processes=2)
except KeyboardInterrupt:
    sys.exit(130)
sys.exit(0)
"""


def test_ctrl_c_stops_the_workers_and_raises_keyboard_interrupt(
    pg_cluster: Any, tmp_path: Path
) -> None:
    script = tmp_path / "interrupted.py"
    script.write_text(INTERRUPTED)
    run = subprocess.Popen(
        [sys.executable, str(script), pg_cluster.database()], text=True, start_new_session=True
    )
    workers: list[int] = []
    deadline = time.monotonic() + 30
    while len(workers) < 2 and time.monotonic() < deadline:
        listed = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(run.pid)], capture_output=True, text=True
        ).stdout
        workers = [int(pid) for pid in listed.split()]
        time.sleep(0.1)
    assert len(workers) == 2, "the sync did not start two workers"
    os.killpg(run.pid, signal.SIGINT)  # as Ctrl-C does: the whole process group
    assert run.wait(timeout=60) == 130
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
