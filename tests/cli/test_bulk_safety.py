"""Bulk refunds that cannot be misread or half-trusted: split cells, foreign encodings, damaged
ledgers, declined refunds, private files, keys found on the platform, a busy ledger."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, lines_of

import unified_orders as uo
from unified_orders import locks
from unified_orders.cli.bulk import ledger_path
from unified_orders.cli.bulk_engine import refund_on_worker
from unified_orders.cli.bulk_files import Ledger
from unified_orders.cli.bulk_plan import _found_by_key
from unified_orders.cli.bulk_rows import Group
from unified_orders.cli.session import Session
from unified_orders.engine import RefundJob

HEADER = "store,order,line,quantity,restock,location,shipping,note\n"


def refunds_of(run: Run, config: Path, order: str) -> list[Any]:
    return lines_of(run("refunds", "list", "toy", order, config=config))


def bulk(run: Run, config: Path, source: Path, *more: str) -> Any:
    return run("refunds", "create", "--from-csv", str(source), "--yes", *more, config=config)


def results_of(source: Path) -> list[dict[str, str]]:
    with source.with_name(f"{source.stem}.results.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_row_with_an_extra_cell_is_invalid_never_a_smaller_refund(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "comma.csv"
    # "4,99" meant as an amount, unquoted: the quantity column reads "4" and a cell is left over
    source.write_text(HEADER + "toy,1002,10022,1,,,,\ntoy,1001,10011,1,,,4,99,note\n")
    result = bulk(run, toy_config, source)
    assert result.exit_code == 9
    outcomes = {r["order"]: r for r in lines_of(result)}
    assert outcomes["1001"]["outcome"] == "invalid"
    assert "9 cells but 8 columns" in outcomes["1001"]["message"]
    assert "quote values that hold a comma" in outcomes["1001"]["message"]
    assert refunds_of(run, toy_config, "1001") == []  # nothing refunded 4.00
    assert outcomes["1002"]["outcome"] == "refunded"  # the good row still went through


def test_a_latin1_csv_is_a_validation_error_or_read_with_encoding(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "latin.csv"
    source.write_bytes((HEADER + "toy,1001,10011,1,,,,café abîmé\n").encode("latin-1"))
    refused = bulk(run, toy_config, source)
    assert refused.exit_code == 4
    assert "is not UTF-8 text" in refused.stderr
    assert "--encoding latin-1" in refused.stderr
    assert refunds_of(run, toy_config, "1001") == []

    read = bulk(run, toy_config, source, "--encoding", "latin-1")
    assert read.exit_code == 0, read.stderr
    (refund,) = refunds_of(run, toy_config, "1001")
    assert refund["note"] == "café abîmé"

    unknown = bulk(run, toy_config, source, "--encoding", "klingon")
    assert unknown.exit_code == 2
    assert "unknown encoding 'klingon'" in unknown.stderr
    wrong = bulk(run, toy_config, source, "--encoding", "utf-16")  # no BOM: not UTF-16 text
    assert wrong.exit_code == 4


def _ledger_with_one_done_refund(run: Run, config: Path, tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "one.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n")
    assert bulk(run, config, source).exit_code == 0
    return source, ledger_path(source.with_name("one.results.csv"))


def test_a_damaged_ledger_line_stops_the_run_with_exit_3(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source, ledger = _ledger_with_one_done_refund(run, toy_config, tmp_path)
    lines = ledger.read_text().splitlines()
    ledger.write_text("\n".join([lines[0], "{not json", *lines[1:]]) + "\n")
    result = bulk(run, toy_config, source)
    assert result.exit_code == 3
    assert f"the ledger {ledger} line 2 is not a ledger entry" in result.stderr
    assert len(refunds_of(run, toy_config, "1001")) == 1

    ledger.write_text("\n".join([lines[0], '["a list"]', *lines[1:]]) + "\n")
    assert bulk(run, toy_config, source).exit_code == 3


def test_a_torn_last_ledger_line_is_tolerated(run: Run, toy_config: Path, tmp_path: Path) -> None:
    source, ledger = _ledger_with_one_done_refund(run, toy_config, tmp_path)
    with ledger.open("a") as out:
        out.write('{"key": "uo-bulk-abc", "event": "sen')  # the crash cut the last write
    result = bulk(run, toy_config, source)
    assert result.exit_code == 0, result.stderr
    assert [r["outcome"] for r in lines_of(result)] == ["already-refunded"]
    assert len(refunds_of(run, toy_config, "1001")) == 1


@pytest.fixture
def declining_config(tmp_path: Path, toy: None) -> Path:
    path = tmp_path / "declining.toml"
    path.write_text('[stores.toy]\nplatform = "toy"\nsandbox = true\ndecline_refunds = true\n')
    return path


def test_a_declined_refund_is_failed_counted_and_retried_under_a_new_key(
    run: Run, declining_config: Path, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "declined.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\ntoy,1002,10021,1,,,,\n")
    first = bulk(run, declining_config, source)
    assert first.exit_code == 9  # not 0: the gateway declined
    records = lines_of(first)
    assert [r["outcome"] for r in records] == ["failed", "failed"]
    assert "failed on the platform (status failure)" in records[0]["message"]
    assert records[0]["refund_id"]  # the platform's record of the failure
    assert "summary: 0 refunded (0)" in first.stderr
    assert "2 failed" in first.stderr
    rows = results_of(source)
    assert [row["outcome"] for row in rows] == ["failed", "failed"]
    events = [json.loads(x) for x in ledger_path(source.with_name("declined.results.csv")).open()]
    assert [e["event"] for e in events] == ["sending", "refund-failed"] * 2

    # the gateway works again: a re-run retries both, under new keys (the old ones name failures)
    second = bulk(run, toy_config, source)
    assert second.exit_code == 0, second.stderr
    records = lines_of(second)
    assert [r["outcome"] for r in records] == ["refunded", "refunded"]
    assert all(r["key"].endswith("-2") for r in records)
    refunds = refunds_of(run, toy_config, "1001")
    assert [r["status"] for r in refunds] == ["failure", "success"]
    assert refunds[1]["idempotency_key"] == records[0]["key"]

    third = bulk(run, toy_config, source)
    assert [r["outcome"] for r in lines_of(third)] == ["already-refunded"] * 2
    assert len(refunds_of(run, toy_config, "1001")) == 2


def test_a_pending_refund_is_counted_and_sent_again_under_its_own_key_never_a_new_one(
    run: Run, tmp_path: Path, toy: None
) -> None:
    """Money may yet move on a pending refund: a re-run asks about it again under the same key
    (to read or finish it), where a failed one would be retried under a new key."""
    config = tmp_path / "pending.toml"
    config.write_text('[stores.toy]\nplatform = "toy"\nsandbox = true\npending_refunds = true\n')
    source = tmp_path / "pending.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n")
    for attempt in range(2):
        result = bulk(run, config, source)
        assert result.exit_code == 9, result.stderr
        [record] = lines_of(result)
        assert record["outcome"] == "pending"
        assert "money may yet move" in record["message"]
        assert "1 pending" in result.stderr
        assert not record["key"].endswith("-2")
        refunds = refunds_of(run, config, "1001")
        assert [(r["status"], r["idempotency_key"]) for r in refunds] == [
            ("pending", record["key"])
        ], f"attempt {attempt}"
    events = [json.loads(x) for x in ledger_path(source.with_name("pending.results.csv")).open()]
    assert [e["event"] for e in events] == [
        "sending",
        "refund-pending",
        "sending",
        "refund-pending",
    ]


def test_results_and_ledger_are_private_files(run: Run, toy_config: Path, tmp_path: Path) -> None:
    source = tmp_path / "one.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n")
    previous = os.umask(0o022)  # the usual umask: a plain open() would make 0644 files
    try:
        assert bulk(run, toy_config, source).exit_code == 0
    finally:
        os.umask(previous)
    results = source.with_name("one.results.csv")
    for path in (results, ledger_path(results)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_rerun_after_a_crash_finds_the_refund_on_the_platform_by_key(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "one.csv"
    source.write_text(HEADER + "toy,1001,10011,2,,,,\n")
    results = source.with_name("one.results.csv")
    assert bulk(run, toy_config, source).exit_code == 0
    # the crash came after the platform's answer, before the ledger's "done" line
    ledger = ledger_path(results)
    ledger.write_text(ledger.read_text().splitlines()[0] + "\n")
    results.unlink()

    unsure = bulk(run, toy_config, source)
    assert [r["outcome"] for r in lines_of(unsure)] == ["ambiguous"]
    retried = bulk(run, toy_config, source, "--retry-unfinished")
    assert retried.exit_code == 0, retried.stderr
    (record,) = lines_of(retried)
    assert record["outcome"] == "already-refunded"
    assert "found on the platform by its key" in record["message"]
    assert len(refunds_of(run, toy_config, "1001")) == 1


def test_the_same_csv_from_another_folder_finds_the_refunds_by_key(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    rows = HEADER + "toy,1001,10011,2,,,,\ntoy,1002,10022,1,,,,\n"
    for folder in ("monday", "tuesday"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "refunds.csv").write_text(rows)
    first = bulk(run, toy_config, tmp_path / "monday" / "refunds.csv")
    assert first.exit_code == 0, first.stderr
    again = bulk(run, toy_config, tmp_path / "tuesday" / "refunds.csv")
    assert again.exit_code == 0, again.stderr
    assert [r["outcome"] for r in lines_of(again)] == ["already-refunded"] * 2
    assert [r["refund_id"] for r in lines_of(again)] == [r["refund_id"] for r in lines_of(first)]
    assert len(refunds_of(run, toy_config, "1001")) == 1
    assert len(refunds_of(run, toy_config, "1002")) == 1


def test_a_ledger_another_run_holds_is_busy_exit_11(
    run: Run, toy_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "one.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n")
    ledger = ledger_path(source.with_name("one.results.csv"))
    monkeypatch.setattr(locks, "WAIT_SECONDS", 0.3)
    with locks.path_lock(ledger, "held by the test"):
        result = bulk(run, toy_config, source)
    assert result.exit_code == 11
    assert result.stderr.startswith("busy: ")
    assert "bulk ledger" in result.stderr
    assert refunds_of(run, toy_config, "1001") == []


def test_a_results_path_that_cannot_be_written_is_a_usage_error(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "one.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    result = bulk(run, toy_config, source, "--results", str(folder))
    assert result.exit_code == 2
    assert "it is a directory" in result.stderr
    assert refunds_of(run, toy_config, "1001") == []


def test_an_unreadable_sandbox_state_makes_its_refunds_invalid_without_waiting(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    from unified_orders.cli.sandboxes import SandboxStates

    state = SandboxStates().path("toy")
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text("{torn")
    source = tmp_path / "two.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\ntoy,1002,10021,1,,,,\n")
    result = bulk(run, toy_config, source)
    assert result.exit_code == 9
    records = lines_of(result)
    assert [r["outcome"] for r in records] == ["invalid", "invalid"]
    assert all("sandbox state of store 'toy'" in r["message"] for r in records)
    assert all("is unreadable" in r["message"] for r in records)  # not "locked"


def test_an_engine_worker_reports_a_pending_refund_pending_and_unsettled(
    tmp_path: Path, toy: None
) -> None:
    """On the engine too: pending is not failed (the same key, never a new one, next time), and
    its workflow fails so the next run may ask again under the same id."""
    config = tmp_path / "pending.toml"
    config.write_text('[stores.toy]\nplatform = "toy"\nsandbox = true\npending_refunds = true\n')
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="10011", quantity=1)])
    job = RefundJob(store="toy", order="1001", key="k-eng", request=request.model_dump(mode="json"))
    first = refund_on_worker(Session(config_path=config), job)
    assert (first.outcome, first.unsettled) == ("pending", True)
    assert "money may yet move" in first.message
    again = refund_on_worker(Session(config_path=config), job)  # found by key: asked again
    assert (again.outcome, again.refund_id) == ("pending", first.refund_id)


def test_a_pending_refund_under_an_earlier_spelling_s_key_is_sent_again_under_that_key(
    tmp_path: Path, toy: None
) -> None:
    """A key an earlier version made from the order cell as written names the pending refund:
    it is asked about under that key, never sent under the group's new key (a second refund)."""
    store = uo.connect("toy", sandbox=True, pending_refunds=True)
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="10011", quantity=1)])
    with pytest.raises(uo.RefundFailed):
        store.refunds.create("1001", request, idempotency_key="old-spelling")
    group = Group(store="toy", order="1001", label="", key="new", earlier_keys=["old-spelling"])
    ledger = Ledger(tmp_path / "ledger.jsonl")
    pending = frozenset({uo.RefundStatus.PENDING})
    assert _found_by_key(group, store.orders.get("1001"), ledger, pending)
    assert (group.outcome, group.key) == ("", "old-spelling")  # still to send, under its key
