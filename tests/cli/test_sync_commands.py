"""``sync``, ``report`` and ``export`` through the main CLI, on the saved sandbox stores."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import Run, lines_of

import unified_orders as uo


@pytest.fixture
def nextcommerce() -> None:
    if "nextcommerce" not in uo.adapters():
        pytest.skip("the nextcommerce adapter is not registered")


def test_sync_reads_the_saved_sandbox_state_then_reports(
    run: Run, tmp_path: Path, nextcommerce: None
) -> None:
    db = str(tmp_path / "reports.duckdb")
    orders = lines_of(run("orders", "list", "sandbox-nextcommerce"))
    paid = next(o for o in orders if o["financial_status"] == "paid")
    line = next(
        item for item in paid["lines"] if item["current_quantity"] > item["refunded_quantity"]
    )
    created = run(
        "refunds",
        "create",
        "sandbox-nextcommerce",
        paid["id"],
        "--line",
        f"{line['id']}:1",
        "--yes",
    )
    assert created.exit_code == 0, created.output
    refund_total = json.loads(created.stdout)["total"]["amount"]

    synced = run("sync", "sandbox-nextcommerce", "--db", db)
    assert synced.exit_code == 0, synced.output
    report = run("report", "refunds", "--db", db, "--group-by", "store", "--json")
    assert report.exit_code == 0, report.output
    rows = lines_of(report)
    assert rows[0]["group"] == "sandbox-nextcommerce"
    assert rows[0]["refunds"] >= 1  # the refund made by the command above reached the database
    assert float(rows[0]["amount"]) >= float(refund_total)

    out = tmp_path / "export"
    exported = run("export", "--db", db, "--format", "csv", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert (out / "refunds.csv").read_text().count("\n") >= 2


def test_a_memory_limit_that_is_no_size_is_exit_3(run: Run, tmp_path: Path) -> None:
    db = tmp_path / "limits.duckdb"
    result = run("sync", "--db", str(db), "--db-memory-limit", "lots")
    assert result.exit_code == 3
    assert "memory limit 'lots' is not a size" in result.stderr
    assert not db.exists()


def test_processes_need_postgresql_and_no_engine(run: Run, tmp_path: Path) -> None:
    db = tmp_path / "one-writer.duckdb"
    refused = run("sync", "--processes", "2", "--db", str(db))
    assert refused.exit_code == 3, refused.output
    assert "needs a PostgreSQL database" in refused.output
    assert not db.exists()
    both = run("sync", "--processes", "2", "--engine", "temporal", "--db", str(db))
    assert both.exit_code == 2, both.output
    assert "start more workers instead" in " ".join(both.output.replace("│", " ").split())
    assert run("sync", "--processes", "0", "--db", str(db)).exit_code == 2


def test_database_and_exports_are_private_files(
    run: Run, tmp_path: Path, nextcommerce: None
) -> None:
    db = tmp_path / "private.duckdb"
    previous = os.umask(0o022)  # the usual umask: files would come out 0644
    try:
        assert run("sync", "sandbox-nextcommerce", "--db", str(db)).exit_code == 0
        out = tmp_path / "export"
        exported = run("export", "--db", str(db), "--format", "csv", "--out", str(out))
        assert exported.exit_code == 0, exported.output
    finally:
        os.umask(previous)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    files = sorted(out.iterdir())
    assert files
    assert [f.name for f in files if f.name.startswith(".")] == []  # no partial file left
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}


def test_reading_a_database_that_is_missing_or_unwritable_out_dirs(
    run: Run, tmp_path: Path, nextcommerce: None
) -> None:
    missing = tmp_path / "missing.duckdb"
    for args in (("report", "refunds"), ("export",)):
        result = run(*args, "--db", str(missing))
        assert result.exit_code == 3, result.output
        assert "does not exist: run `unified-orders sync` first" in result.stderr
    db = tmp_path / "there.duckdb"
    assert run("sync", "sandbox-nextcommerce", "--db", str(db)).exit_code == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run("export", "--db", str(db), "--out", str(blocker / "inside"))
    assert result.exit_code == 2
    assert "cannot write the export into" in result.stderr
