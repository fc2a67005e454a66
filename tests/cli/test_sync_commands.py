"""``sync``, ``report`` and ``export`` through the main CLI, on the saved sandbox stores."""

from __future__ import annotations

import json
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
    rows = json.loads(report.stdout)
    assert rows[0]["group"] == "sandbox-nextcommerce"
    assert rows[0]["refunds"] >= 1  # the refund made by the command above reached the database
    assert float(rows[0]["amount"]) >= float(refund_total)

    out = tmp_path / "export"
    exported = run("export", "--db", db, "--format", "csv", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert (out / "refunds.csv").read_text().count("\n") >= 2
