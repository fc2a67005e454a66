"""Ctrl-C during a bulk run: the refund being sent finishes, the run stops, says "interrupted after
N of M; rerun to continue" and exits 130; the rerun sends the rest, and nothing twice. A second
Ctrl-C stops at once, leaving that one refund ambiguous (never resent blindly)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import toy_platform
from conftest import Run, lines_of
from procs import config_for, refund_ids, refundable, require

from unified_orders.cli.bulk import ledger_path

HEADER = "store,order,line,quantity,restock,location,shipping,note\n"
BULK_CLI = Path(__file__).resolve().parent / "bulk_cli.py"
ROWS = "toy,1001,10011,1,,,,\ntoy,1002,10021,1,,,,\ntoy,1003,10031,1,,,,\n"


def bulk(run: Run, config: Path, source: Path, *more: str) -> Any:
    return run("refunds", "create", "--from-csv", str(source), "--yes", *more, config=config)


def refunds_of(run: Run, config: Path, order: str) -> list[Any]:
    return lines_of(run("refunds", "list", "toy", order, config=config))


def events(results: Path) -> list[str]:
    return [json.loads(x)["event"] for x in ledger_path(results).read_text().splitlines()]


def pressing_ctrl_c(monkeypatch: pytest.MonkeyPatch, times: int) -> Callable[[], None]:
    """The first refund sent gets ``times`` real SIGINTs while it is on its way; returns "stop
    pressing"."""
    original = toy_platform.ToyAdapter.create_refund
    calls = {"n": 0}

    def create(self: Any, order: Any, calculation: Any, options: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            for _ in range(times):
                os.kill(os.getpid(), signal.SIGINT)
        return (yield from original(self, order, calculation, options))

    monkeypatch.setattr(toy_platform.ToyAdapter, "create_refund", create)
    return lambda: monkeypatch.setattr(toy_platform.ToyAdapter, "create_refund", original)


def test_ctrl_c_finishes_the_refund_being_sent_then_stops_and_a_rerun_continues(
    run: Run, toy_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "three.csv"
    source.write_text(HEADER + ROWS)
    results = tmp_path / "three.results.csv"
    release = pressing_ctrl_c(monkeypatch, times=1)
    stopped = bulk(run, toy_config, source)
    assert stopped.exit_code == 130
    assert "interrupted after 1 of 3; rerun to continue" in stopped.stderr
    assert [r["outcome"] for r in lines_of(stopped)] == ["refunded", "not-sent", "not-sent"]
    assert events(results) == ["sending", "done"]  # the one sent is known to be done
    release()

    rerun = bulk(run, toy_config, source)
    assert rerun.exit_code == 0, rerun.stderr  # no --retry-unfinished needed
    assert [r["outcome"] for r in lines_of(rerun)] == ["already-refunded", "refunded", "refunded"]
    assert [len(refunds_of(run, toy_config, o)) for o in ("1001", "1002", "1003")] == [1, 1, 1]
    with results.open(newline="") as handle:
        outcomes = [x["outcome"] for x in csv.DictReader(handle)]
    assert outcomes == ["refunded", "not-sent", "not-sent", "already-refunded"] + ["refunded"] * 2


def test_a_second_ctrl_c_stops_at_once_and_that_refund_is_never_resent_blindly(
    run: Run, toy_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "three.csv"
    source.write_text(HEADER + ROWS)
    release = pressing_ctrl_c(monkeypatch, times=2)
    stopped = bulk(run, toy_config, source)
    assert stopped.exit_code == 130
    assert "interrupted after 0 of 3; rerun to continue" in stopped.stderr
    assert "--retry-unfinished" in stopped.stderr
    assert [r["outcome"] for r in lines_of(stopped)] == ["ambiguous", "not-sent", "not-sent"]
    release()

    unsure = bulk(run, toy_config, source)
    assert unsure.exit_code == 9
    assert [r["outcome"] for r in lines_of(unsure)] == ["ambiguous", "refunded", "refunded"]
    retried = bulk(run, toy_config, source, "--retry-unfinished")
    assert retried.exit_code == 0, retried.stderr
    assert [len(refunds_of(run, toy_config, o)) for o in ("1001", "1002", "1003")] == [1, 1, 1]


@pytest.mark.parametrize("store", ["toy", "sandbox-shopify", "sandbox-shopware"])
def test_a_real_process_interrupted_mid_run_then_rerun_refunds_each_row_exactly_once(
    run: Run, tmp_path: Path, toy: None, store: str
) -> None:
    require(store)
    config = config_for(tmp_path)
    targets = refundable(run, config, store, 1, distinct_orders=3)
    before = {order: len(refund_ids(run, config, store, order)) for order, _ in targets}
    source = tmp_path / "bulk.csv"
    source.write_text(HEADER + "".join(f"{store},{o},{line},1,,,,\n" for o, line in targets))
    results = tmp_path / "bulk.results.csv"
    command = [sys.executable, str(BULK_CLI), "--config", str(config), "refunds", "create"]
    command += ["--from-csv", str(source), "--yes", "--json"]
    child = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "UO_TEST_SEND_SECONDS": "1.5"},
    )
    deadline = time.monotonic() + 120
    while "sending" not in (events(results) if ledger_path(results).exists() else []):
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the run never started sending"
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)  # while the first refund is on its way
    stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 130, stderr
    assert "interrupted after 1 of 3; rerun to continue" in stderr
    outcomes = [json.loads(x)["outcome"] for x in stdout.splitlines()]
    assert outcomes == ["refunded", "not-sent", "not-sent"]

    rerun = subprocess.run(
        command, capture_output=True, text=True, timeout=120, env=dict(os.environ), check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    outcomes = [json.loads(x)["outcome"] for x in rerun.stdout.splitlines()]
    assert outcomes == ["already-refunded", "refunded", "refunded"]
    after = {order: len(refund_ids(run, config, store, order)) for order, _ in targets}
    assert after == {order: n + 1 for order, n in before.items()}, f"{before} -> {after}"
