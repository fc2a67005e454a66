"""A migration killed (SIGKILL, in a real process) between the target's create and the id map
write resumes without a duplicate: the marker search adopts the order the dead run created."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from migrate_helpers import Migrate

HERE = Path(__file__).resolve().parent


def test_killed_run_resumes_without_duplicates(
    migrate: Migrate, cli: Callable[..., Any], db: Path
) -> None:
    def count() -> int:
        listed = cli("--json", "orders", "list", "sandbox-shopify")
        return len([line for line in listed.stdout.splitlines() if line.strip()])

    before = count()
    args = ["migrate", "sandbox-nextcommerce", "sandbox-shopify", "--db", str(db), "--yes"]
    killed = subprocess.run(
        [sys.executable, str(HERE / "killable_migrate.py"), *args],
        env={**os.environ, "UO_TEST_KILL_AT": "3"},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    assert count() == before + 3  # the third order was created, its map row never written

    code, summary = migrate("nextcommerce", "shopify")
    outcomes = [o["outcome"] for o in summary["orders"]]
    assert code == 0, summary
    assert outcomes == ["skipped", "skipped", "adopted", "created", "created"]
    assert count() == before + 5
    third = summary["orders"][2]
    assert third["differences"] == []
    assert json.loads(json.dumps(third))["target_id"]
