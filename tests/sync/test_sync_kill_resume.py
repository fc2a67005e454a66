"""A sync killed with SIGKILL at arbitrary points resumes to exactly the rows of a clean run
(into a DuckDB file, and into PostgreSQL)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pg_cluster import is_url, one, query

from unified_orders.sync.schema import ORDER_CHILDREN, TABLES

SCRIPT = Path(__file__).with_name("killable_sync.py")
ORDERS, PAGE, DELAY = "30", "3", "0.004"
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")


def start(db: Path | str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), str(db), ORDERS, PAGE, DELAY],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def snapshot(db: Path | str) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for name in ("orders", *ORDER_CHILDREN):
        columns = [c for c in TABLES[name].column_names if c != "synced_at"]
        out[name] = sorted(query(db, f"SELECT {', '.join(columns)} FROM {name}"), key=repr)
    return out


def test_kill_9_mid_sync_then_resume_equals_a_clean_run(
    db: Path | str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    clean = (
        request.getfixturevalue("pg_cluster").database()
        if is_url(db)
        else tmp_path / "clean.duckdb"
    )
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(clean), ORDERS, PAGE, "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr

    chance = random.Random(9)
    kills = 0
    pages_seen = []
    for wanted_pages in (1, 2, 2):  # kill after a few more pages each time, at a random moment
        process = start(db)
        assert process.stdout is not None
        seen = 0
        while seen < wanted_pages:
            line = process.stdout.readline()
            if not line:
                break
            if "changed)" in line:
                seen += 1
        time.sleep(chance.uniform(0, 0.03))  # land anywhere: fetching, translating, writing
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait(timeout=30)
        pages_seen.append(seen)
        written = one(db, "SELECT count(*) FROM orders")
        state = one(db, "SELECT run_id, run_pages FROM sync_state")
        assert written < int(ORDERS)
        assert state[0] is not None
    assert kills == 3

    resumed = start(db)
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    assert "resumed" in out
    assert snapshot(db) == snapshot(clean)
    assert one(db, "SELECT run_id FROM sync_state") is None
    assert one(db, "SELECT count(*) FROM sync_seen") == 0
