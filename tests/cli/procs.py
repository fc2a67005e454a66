"""Helpers for the tests that run the CLI as real processes, several at once.

Every child runs ``crash_cli.py`` (the CLI with the toy platform registered) on one config naming
the toy store and the built-in sandbox stores, so one set of helpers covers the toy and the real
adapters' sandboxes. Children inherit the test's ``UNIFIED_ORDERS_DATA_DIR`` and
``UNIFIED_ORDERS_LOCK_DIR`` (see ``conftest.isolated``), so they share the sandbox state files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, lines_of

import unified_orders as uo

CRASH_CLI = Path(__file__).resolve().parent / "crash_cli.py"
TARGETS = ["toy", "sandbox-nextcommerce", "sandbox-shopify", "sandbox-shopware"]
#: How many times the racing tests repeat (UO_PROCESS_TRIALS raises it for a longer soak).
TRIALS = int(os.environ.get("UO_PROCESS_TRIALS", "6"))
TIMEOUT = 180


def config_for(tmp_path: Path) -> Path:
    """A config naming the toy store and keeping the built-in sandbox stores."""
    path = tmp_path / "stores.toml"
    path.write_text(
        'include_sandbox_stores = true\n\n[stores.toy]\nplatform = "toy"\nsandbox = true\n'
    )
    return path


def require(store: str) -> None:
    """Skip, saying why, when a sandbox store's adapter is missing."""
    if store == "toy":
        return
    platform = store.removeprefix("sandbox-")
    info = uo.adapters().get(platform)
    if info is None:
        pytest.skip(f"the {platform} adapter is not registered")
    if info.error is not None:
        pytest.skip(f"the {platform} adapter failed to load: {info.error}")


@dataclass
class Finished:
    """One child's exit status and output."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    def records(self) -> list[Any]:
        """The JSON Lines it printed."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def __str__(self) -> str:
        return f"{' '.join(self.args)} -> {self.code}: {self.stderr.strip()[-400:]}"


def start(config: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start one CLI process (JSON output: stdout is a pipe)."""
    return subprocess.Popen(
        [sys.executable, str(CRASH_CLI), "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def finish(process: subprocess.Popen[str]) -> Finished:
    """Wait for a process started by :func:`start`."""
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    args = tuple(str(a) for a in process.args)[4:]  # type: ignore[union-attr]
    return Finished(args, process.returncode, stdout, stderr)


def together(config: Path, *commands: list[str]) -> list[Finished]:
    """Run the commands at the same moment, each in its own process."""
    started = [start(config, *command) for command in commands]
    return [finish(process) for process in started]


def order_of(run: Run, config: Path, store: str, order: str) -> dict[str, Any]:
    """The order as the saved sandbox state holds it now."""
    result = run("orders", "get", store, order, config=config)
    assert result.exit_code == 0, result.stderr
    got: dict[str, Any] = lines_of(result)[0]
    return got


def refunded_units(run: Run, config: Path, store: str, order: str, line: str) -> int:
    """How many units of one line the saved state records as refunded."""
    lines = order_of(run, config, store, order)["lines"]
    return int(next(x["refunded_quantity"] for x in lines if x["id"] == line))


def refund_ids(run: Run, config: Path, store: str, order: str) -> list[str]:
    """The ids of the order's refunds in the saved state."""
    return [r["id"] for r in order_of(run, config, store, order)["refunds"]]


def refundable(
    run: Run, config: Path, store: str, units: int, *, distinct_orders: int = 1
) -> list[tuple[str, str]]:
    """Up to ``distinct_orders`` ``(order, line)`` pairs, on different orders, whose line
    calculates cleanly for ``units`` units (paid orders first); skips when there is none."""
    listed = run("orders", "list", store, config=config)
    assert listed.exit_code == 0, listed.stderr
    found: list[tuple[str, str]] = []
    orders = sorted(lines_of(listed), key=lambda o: o["financial_status"] != "paid")
    for order in orders:
        if any("declin" in str(t.get("gateway", "")).lower() for t in order["transactions"]):
            continue  # its refunds fail on purpose (exit 10)
        for line in order["lines"]:
            if line["current_quantity"] - line["refunded_quantity"] < units:
                continue
            spec = f"{line['id']}:{units}"
            calculated = run(
                "refunds", "calculate", store, order["id"], "--line", spec, config=config
            )
            if calculated.exit_code == 0:
                found.append((order["id"], line["id"]))
                break
        if len(found) == distinct_orders:
            break
    if found:
        return found
    pytest.skip(f"{store} has no {distinct_orders} order(s) with a line refundable {units}x")
