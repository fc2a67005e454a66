"""Bulk refunds from CSV: grouping, one bad row not stopping the rest, safe re-runs."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import toy_platform
from conftest import Run, lines_of

from unified_orders.cli.bulk import ledger_path, read_groups

HEADER = "store,order,line,quantity,restock,location,shipping,note\n"
ROWS = (
    "toy,1001,10011,1,,,,broken mug\n"
    "toy,1001,10012,2,cancel,,full,customer changed mind\n"  # same order: one refund
    "toy,1002,10021,5,,,,too many\n"  # invalid: only 2 units
    "toy,1003,10032,1,sideways,,,\n"  # invalid restock
    "toy,1003,10031,1,,,,\n"  # same group as the bad row: refused with it
    "nowhere,1,1,1,,,,\n"  # unknown store
)


def read_results(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def refunds_of(run: Run, config: Path, order: str) -> list[Any]:
    return lines_of(run("refunds", "list", "toy", order, config=config))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "refunds.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    return path


def test_grouping_and_content_keys(source: Path) -> None:
    groups = read_groups(source)
    assert [(g.store, g.order, [r for r, _ in g.rows]) for g in groups] == [
        ("toy", "1001", [1, 2]),
        ("toy", "1002", [3]),
        ("toy", "1003", [4, 5]),
        ("nowhere", "1", [6]),
    ]
    first = groups[0]
    assert [(x.line_id, x.quantity) for x in first.lines] == [("10011", 1), ("10012", 2)]
    assert first.shipping is not None
    assert first.shipping.full
    assert first.note == "broken mug; customer changed mind"
    assert groups[2].error is not None
    assert "row 4" in groups[2].error
    assert first.key.startswith("uo-bulk-")
    # the key is content-derived: the note does not change it, a quantity does
    edited = source.read_text().replace("broken mug", "cracked mug")
    source.write_text(edited)
    assert read_groups(source)[0].key == first.key
    source.write_text(edited.replace("10011,1", "10011,2"))
    assert read_groups(source)[0].key != first.key


def test_bulk_twice_never_refunds_twice(run: Run, toy_config: Path, source: Path) -> None:
    result = run("refunds", "create", "--from-csv", str(source), "--yes", config=toy_config)
    assert result.exit_code == 9, result.stderr  # some rows invalid
    results_path = source.with_name("refunds.results.csv")
    rows = read_results(results_path)
    outcomes = {row["row"]: row["outcome"] for row in rows}
    assert outcomes == {
        "1": "refunded",
        "2": "refunded",
        "3": "invalid",
        "4": "invalid",
        "5": "invalid",
        "6": "invalid",
    }
    by_row = {row["row"]: row for row in rows}
    assert by_row["1"]["refund_id"] == by_row["2"]["refund_id"] != ""
    assert (by_row["1"]["refunded"], by_row["1"]["currency"]) == ("57.50", "USD")
    assert by_row["2"]["refunded"] == ""  # the refund's total once per refund
    assert "quantity" in by_row["3"]["message"]
    assert "sideways" in by_row["5"]["message"]
    assert "nowhere" in by_row["6"]["message"]
    assert "summary: 1 refunded (57.50 USD)" in result.stderr
    (refund,) = refunds_of(run, toy_config, "1001")
    assert refund["note"] == "broken mug; customer changed mind"

    again = run("refunds", "create", "--from-csv", str(source), "--yes", config=toy_config)
    assert again.exit_code == 9
    assert len(refunds_of(run, toy_config, "1001")) == 1  # not refunded twice
    rows = read_results(results_path)
    assert {row["row"]: row["outcome"] for row in rows}["1"] == "already-refunded"
    assert {row["row"]: row["refund_id"] for row in rows}["1"] == refund["id"]

    # the fixed file: the bad rows corrected, the done rows unchanged
    fixed = HEADER + ROWS.replace("10021,5", "10021,1").replace("sideways", "no_restock")
    source.write_text(fixed.replace("nowhere,1,1,1,,,,\n", ""))
    third = run("refunds", "create", "--from-csv", str(source), "--yes", config=toy_config)
    assert third.exit_code == 0, third.stdout + third.stderr
    assert [r["outcome"] for r in lines_of(third)] == ["already-refunded", "refunded", "refunded"]
    assert len(refunds_of(run, toy_config, "1001")) == 1
    assert len(refunds_of(run, toy_config, "1002")) == 1
    assert len(refunds_of(run, toy_config, "1003")) == 1


def test_no_confirmation_sends_nothing(run: Run, toy_config: Path, source: Path) -> None:
    result = run("refunds", "create", "--from-csv", str(source), config=toy_config)
    assert result.exit_code == 8
    assert "nothing was sent" in result.stderr
    rows = read_results(source.with_name("refunds.results.csv"))
    assert {row["row"]: row["outcome"] for row in rows}["1"] == "previewed"
    assert refunds_of(run, toy_config, "1001") == []


def test_interrupted_run_is_ambiguous_not_resent(
    run: Run, toy_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "two.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\ntoy,1003,10031,1,,,,\n")
    results = tmp_path / "out" / "results.csv"
    original = toy_platform.ToyAdapter.create_refund
    calls = {"n": 0}

    def dies_on_second(self: Any, order: Any, calc: Any, options: Any) -> Iterator[Any]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C while it was being sent
        return (yield from original(self, order, calc, options))

    monkeypatch.setattr(toy_platform.ToyAdapter, "create_refund", dies_on_second)
    interrupted = run(
        "refunds",
        "create",
        "--from-csv",
        str(source),
        "--results",
        str(results),
        "--yes",
        config=toy_config,
    )
    assert interrupted.exit_code != 0
    events = [json.loads(x)["event"] for x in ledger_path(results).read_text().splitlines()]
    assert events == ["sending", "done", "sending"]
    monkeypatch.setattr(toy_platform.ToyAdapter, "create_refund", original)

    rerun = run(
        "refunds",
        "create",
        "--from-csv",
        str(source),
        "--results",
        str(results),
        "--yes",
        config=toy_config,
    )
    assert rerun.exit_code == 9
    assert [r["outcome"] for r in lines_of(rerun)] == ["already-refunded", "ambiguous"]
    assert "--retry-unfinished" in lines_of(rerun)[1]["message"]
    assert len(refunds_of(run, toy_config, "1001")) == 1
    assert refunds_of(run, toy_config, "1003") == []

    retried = run(
        "refunds",
        "create",
        "--from-csv",
        str(source),
        "--results",
        str(results),
        "--yes",
        "--retry-unfinished",
        config=toy_config,
    )
    assert retried.exit_code == 0, retried.stderr
    assert [r["outcome"] for r in lines_of(retried)] == ["already-refunded", "refunded"]
    assert len(refunds_of(run, toy_config, "1003")) == 1
    assert len(refunds_of(run, toy_config, "1001")) == 1


def test_results_csv_alone_prevents_a_second_refund(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "one.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n")
    assert (
        run("refunds", "create", "--from-csv", str(source), "--yes", config=toy_config).exit_code
        == 0
    )
    ledger_path(source.with_name("one.results.csv")).unlink()
    again = run("refunds", "create", "--from-csv", str(source), "--yes", config=toy_config)
    assert [r["outcome"] for r in lines_of(again)] == ["already-refunded"]
    assert len(refunds_of(run, toy_config, "1001")) == 1


def test_changed_group_after_refund_is_a_conflict(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "g.csv"
    source.write_text(HEADER.strip() + ",group\n" + "toy,1003,10031,1,,,,,\n")
    assert (
        run("refunds", "create", "--from-csv", str(source), "--yes", config=toy_config).exit_code
        == 0
    )
    source.write_text(
        HEADER.strip() + ",group\n" + "toy,1003,10031,1,,,,,\ntoy,1003,10032,1,,,,,\n"
    )
    conflict = run("refunds", "create", "--from-csv", str(source), "--yes", config=toy_config)
    assert conflict.exit_code == 9
    assert [r["outcome"] for r in lines_of(conflict)] == ["conflict"]
    source.write_text(
        HEADER.strip() + ",group\n" + "toy,1003,10031,1,,,,,\ntoy,1003,10032,1,,,,,extra\n"
    )
    extra = run("refunds", "create", "--from-csv", str(source), "--yes", config=toy_config)
    assert extra.exit_code == 0, extra.stderr
    assert [r["outcome"] for r in lines_of(extra)] == ["already-refunded", "refunded"]
    assert len(refunds_of(run, toy_config, "1003")) == 2


def test_bad_files_and_mixed_arguments(run: Run, toy_config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("shop,order\nx,1\n")
    result = run("refunds", "create", "--from-csv", str(bad), "--yes", config=toy_config)
    assert result.exit_code == 4
    assert "missing column(s) store" in result.stderr
    good = tmp_path / "good.csv"
    good.write_text(HEADER)
    mixed = run("refunds", "create", "toy", "1001", "--from-csv", str(good), config=toy_config)
    assert mixed.exit_code == 2
