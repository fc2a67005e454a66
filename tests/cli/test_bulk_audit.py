"""The bulk results CSV is an append-only audit: every run adds its lines (run id, time), nothing
an earlier run wrote is rewritten; lines are written through one by one; a line cut short by a
crash neither stops nor corrupts later runs; two processes append one after the other."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import toy_platform
from conftest import Run, lines_of
from procs import config_for, together

from unified_orders.cli.bulk import ledger_path
from unified_orders.cli.bulk_files import RESULT_COLUMNS, previous_results

HEADER = "store,order,line,quantity,restock,location,shipping,note\n"


def bulk(run: Run, config: Path, source: Path, *more: str) -> Any:
    return run("refunds", "create", "--from-csv", str(source), "--yes", *more, config=config)


def refunds_of(run: Run, config: Path, order: str) -> list[Any]:
    return lines_of(run("refunds", "list", "toy", order, config=config))


def records(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_a_rerun_appends_and_keeps_what_the_first_run_wrote(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "refunds.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\ntoy,1002,10021,9,,,,\n")
    results = tmp_path / "refunds.results.csv"
    first = bulk(run, toy_config, source)
    assert first.exit_code == 9
    written = results.read_bytes()

    source.write_text(HEADER + "toy,1001,10011,1,,,,\ntoy,1002,10021,1,,,,\n")  # fixed
    second = bulk(run, toy_config, source)
    assert second.exit_code == 0, second.stderr
    assert results.read_bytes().startswith(written)  # not one byte of the first run changed

    lines = records(results)
    assert list(lines[0]) == list(RESULT_COLUMNS)
    runs = list(dict.fromkeys(line["run"] for line in lines))
    assert len(runs) == 2
    assert [(x["run"], x["row"], x["outcome"]) for x in lines] == [
        (runs[0], "1", "refunded"),
        (runs[0], "2", "invalid"),
        (runs[1], "1", "already-refunded"),
        (runs[1], "2", "refunded"),
    ]
    assert all(x["at"].endswith("+00:00") for x in lines)
    assert {r["run"] for r in lines_of(second)} == {runs[1]}
    assert f"run {runs[1]}" in second.stderr
    # the ledger names the run of each event too
    events = [json.loads(x) for x in ledger_path(results).read_text().splitlines()]
    assert [e["run"] for e in events] == [runs[0]] * 2 + [runs[1]] * 2


def test_a_declined_run_is_kept_in_the_audit_next_to_the_run_that_went_through(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "asked.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n")
    assert run("refunds", "create", "--from-csv", str(source), config=toy_config).exit_code == 8
    assert bulk(run, toy_config, source).exit_code == 0
    outcomes = [x["outcome"] for x in records(tmp_path / "asked.results.csv")]
    assert outcomes == ["previewed", "refunded"]


def test_each_line_is_written_through_before_the_next_refund_is_sent(
    run: Run, toy_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "two.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\ntoy,1002,10021,1,,,,\n")
    results = tmp_path / "two.results.csv"
    original = toy_platform.ToyAdapter.create_refund
    seen: list[list[str]] = []

    def create(self: Any, order: Any, calculation: Any, options: Any) -> Any:
        seen.append([x["outcome"] for x in records(results)])  # what a crash would leave
        return (yield from original(self, order, calculation, options))

    monkeypatch.setattr(toy_platform.ToyAdapter, "create_refund", create)
    assert bulk(run, toy_config, source).exit_code == 0
    assert seen == [[], ["refunded"]]


def test_a_results_line_cut_short_by_a_crash_is_closed_off_and_skipped(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "cut.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n")
    results = tmp_path / "cut.results.csv"
    assert bulk(run, toy_config, source).exit_code == 0
    with results.open("a", encoding="utf-8") as out:
        out.write('20250101T000000Z-abc,2025-01-01,1,toy,1002,10021,1,,,,"a note, cut')
    assert previous_results(results)  # the reader skips the cut line

    source.write_text(HEADER + "toy,1001,10011,1,,,,\ntoy,1002,10021,1,,,,\n")
    again = bulk(run, toy_config, source)
    assert again.exit_code == 0, again.stderr
    assert [r["outcome"] for r in lines_of(again)] == ["already-refunded", "refunded"]
    lines = records(results)  # a plain CSV reader still reads every line after the cut one
    assert [x["outcome"] for x in lines] == ["refunded", None, "already-refunded", "refunded"]
    assert lines[1]["note"] == "a note, cut"
    assert len(refunds_of(run, toy_config, "1002")) == 1


def test_a_ledger_line_cut_short_by_a_crash_does_not_stop_later_runs(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "one.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n")
    assert bulk(run, toy_config, source).exit_code == 0
    ledger = ledger_path(tmp_path / "one.results.csv")
    with ledger.open("a") as out:
        out.write('{"key": "uo-bulk-abc", "event": "sen')
    source.write_text(HEADER + "toy,1001,10011,1,,,,\ntoy,1002,10021,1,,,,\n")
    second = bulk(run, toy_config, source)  # appends after the cut line
    assert second.exit_code == 0, second.stderr
    third = bulk(run, toy_config, source)  # reads past it
    assert third.exit_code == 0, third.stderr
    assert [r["outcome"] for r in lines_of(third)] == ["already-refunded"] * 2
    assert len(refunds_of(run, toy_config, "1002")) == 1
    lines = ledger.read_text().splitlines()
    assert lines[2] == '{"key": "uo-bulk-abc", "event": "sen'
    assert json.loads(lines[3])["event"] == "torn-line-above"


def test_a_results_file_from_before_run_ids_is_converted_once_keeping_every_line(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "old.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n")
    results = tmp_path / "old.results.csv"
    key = "uo-bulk-" + "0" * 40
    results.write_text(
        "row,store,order,line,quantity,restock,location,shipping,note,group,key,outcome,"
        "refund_id,amount,currency,message\n"
        f'1,toy,1003,10031,1,,,,"old, note",,{key},refunded,R-9,20.00,USD,\n'
    )
    assert bulk(run, toy_config, source).exit_code == 0
    lines = records(results)
    assert [(x["run"], x["order"], x["refunded"], x["outcome"]) for x in lines] == [
        ("", "1003", "20.00", "refunded"),
        (lines[1]["run"], "1001", "12.50", "refunded"),
    ]
    assert lines[0]["note"] == "old, note"
    assert previous_results(results)[key] == "R-9"


def test_two_processes_on_one_results_file_append_one_after_the_other(
    run: Run, tmp_path: Path, toy: None
) -> None:
    config = config_for(tmp_path)
    source = tmp_path / "both.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\ntoy,1002,10021,1,,,,\ntoy,1003,10031,1,,,,\n")
    command = ["refunds", "create", "--from-csv", str(source), "--yes"]
    first, second = together(config, command, command)
    assert (first.code, second.code) == (0, 0), f"{first}\n{second}"
    lines = records(tmp_path / "both.results.csv")
    assert len(lines) == 6
    runs = list(dict.fromkeys(x["run"] for x in lines))
    assert len(runs) == 2
    assert [x["run"] for x in lines] == [runs[0]] * 3 + [runs[1]] * 3  # never interleaved
    assert Counter(x["outcome"] for x in lines) == {"refunded": 3, "already-refunded": 3}
    for order in ("1001", "1002", "1003"):
        assert len(refunds_of(run, config, order)) == 1
