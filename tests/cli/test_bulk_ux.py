"""Bulk CSV as people write it: every invalid row named (row, CSV column, why) before anything is
sent, a summary of what will happen, trimmed cells, a byte order mark, foreign encodings named
where they start, order numbers next to ids, and the amount and "everything left" columns."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, lines_of
from procs import config_for, order_of, refund_ids, refundable, require

from unified_orders.cli.bulk import read_groups
from unified_orders.cli.bulk_read import read_rows

HEADER = "store,order,line,quantity,restock,location,shipping,note\n"


def bulk(run: Run, config: Path, source: Path, *more: str, input: str | None = None) -> Any:
    args = ["refunds", "create", "--from-csv", str(source), *more]
    return run(*args, config=config, input=input)


def refunds_of(run: Run, config: Path, order: str) -> list[Any]:
    return lines_of(run("refunds", "list", "toy", order, config=config))


def results_of(source: Path) -> list[dict[str, str]]:
    with source.with_name(f"{source.stem}.results.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


BAD_ROWS = (
    "toy,1001,10011,1,,,,fine\n"  # row 1: valid
    "toy,1002,10021,two,,,,\n"  # row 2: quantity
    "toy,1002,10022,1,sideways,,,\n"  # row 3: restock (same refund as row 2)
    "toy,1003,,1,,,,\n"  # row 4: a quantity without a line
    "toy,1003,10031,1,,,4.99.1,\n"  # row 5: shipping
)


def test_every_invalid_row_is_named_by_row_and_column_before_the_summary(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(HEADER + BAD_ROWS)
    result = bulk(run, toy_config, source, "--yes")
    assert result.exit_code == 9, result.stderr
    err = result.stderr
    expected = [
        "row 2, column quantity: 'two' is not a whole number",
        "row 3, column restock: 'sideways' is not one of no_restock, cancel, return",
        "row 4, column line: empty, but quantity given",
        "row 5, column shipping: '4.99.1': expected 'full' or an amount",
    ]
    for text in expected:
        assert text in err, err
    # listed before the outcome report, after the summary of what will be sent
    summary = err.index("5 row(s): 1 valid to send as 1 refund(s) totalling 12.50 USD")
    assert summary < err.index("row 2, column quantity") < err.index("summary: 1 refunded")
    assert "4 invalid (not sent); 0 already done" in err
    # never a CLI flag in a row's message
    for record in lines_of(result):
        assert not re.search(r"--(line|shipping|restock|quantity)\b", record["message"] or "")
    assert [len(refunds_of(run, toy_config, o)) for o in ("1001", "1002", "1003")] == [1, 0, 0]


def test_a_valid_row_in_a_refund_with_an_invalid_one_is_not_sent_and_says_why(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "mixed.csv"
    source.write_text(HEADER + "toy,1002,10021,1,,,,\ntoy,1002,10022,1,sideways,,,\n")
    result = bulk(run, toy_config, source, "--yes")
    assert result.exit_code == 9
    assert "row 1: not sent: part of one refund with row 2" in result.stderr
    assert refunds_of(run, toy_config, "1002") == []


def test_the_platform_refusal_names_the_row_and_column_of_the_line(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "too-many.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\ntoy,1001,10012,9,,,,\n")
    result = bulk(run, toy_config, source, "--yes")
    assert result.exit_code == 9
    (record,) = lines_of(result)
    assert record["message"].startswith("row 2, column quantity: only 3 of line 10012")
    assert "lines[1]" not in record["message"]  # the library's field path, not the CSV's


def test_the_summary_counts_rows_already_done_from_the_ledger(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "twice.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\ntoy,1001,10012,1,,,,\ntoy,1002,x,0,,,,\n")
    assert bulk(run, toy_config, source, "--yes").exit_code == 9
    again = bulk(run, toy_config, source, "--yes")
    assert again.exit_code == 9
    assert (
        "3 row(s): 0 valid to send as 0 refund(s) totalling 0; 1 invalid (not sent); "
        "2 already done" in again.stderr
    )
    assert len(refunds_of(run, toy_config, "1001")) == 1


def test_without_a_terminal_or_yes_nothing_is_sent_but_the_problems_are_shown(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "ask.csv"
    source.write_text(HEADER + BAD_ROWS)
    result = bulk(run, toy_config, source)
    assert result.exit_code == 8
    assert "row 2, column quantity" in result.stderr
    assert refunds_of(run, toy_config, "1001") == []


def test_cells_and_column_names_are_trimmed_and_keys_do_not_change(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text(HEADER + "toy,1001,10011,1,return,,,a note\n")
    spaced = tmp_path / "spaced.csv"
    spaced.write_text(
        " Store , order ,line,quantity , restock,location,shipping,note\n"
        "  toy ,\t1001 , 10011 , 1 , Return ,, , a note \n"
    )
    assert [g.key for g in read_groups(spaced)] == [g.key for g in read_groups(plain)]
    assert read_groups(spaced)[0].note == "a note"
    first = bulk(run, toy_config, spaced, "--yes")
    assert first.exit_code == 0, first.stderr
    second = bulk(run, toy_config, plain, "--yes")
    assert [r["outcome"] for r in lines_of(second)] == ["already-refunded"]
    assert len(refunds_of(run, toy_config, "1001")) == 1


def test_keys_of_files_without_the_new_columns_are_unchanged(tmp_path: Path) -> None:
    """Ledgers written before the amount and all columns existed keep matching their rows."""
    source = tmp_path / "old.csv"
    source.write_text(HEADER + "toy,1001,10011,2,return,loc-1,4.50,n\ntoy,1001,10012,1,,,,\n")
    (group,) = read_groups(source)
    content = {
        "store": "toy",
        "order": "1001",
        "group": "",
        "lines": [["10011", 2, "return", "loc-1"], ["10012", 1, "", ""]],
        "shipping": "4.5",
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    assert group.key == f"uo-bulk-{digest[:40]}"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8"])
def test_a_byte_order_mark_is_accepted(
    run: Run, toy_config: Path, tmp_path: Path, encoding: str
) -> None:
    source = tmp_path / "excel.csv"
    source.write_bytes(b"\xef\xbb\xbf" + (HEADER + "toy,1001,10011,1,,,,caf\u00e9\n").encode())
    result = bulk(run, toy_config, source, "--yes", "--encoding", encoding)
    assert result.exit_code == 0, result.stderr
    (refund,) = refunds_of(run, toy_config, "1001")
    assert refund["note"] == "caf\u00e9"


def test_a_non_utf8_file_names_the_byte_line_and_row(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "latin.csv"
    body = HEADER + "toy,1001,10011,1,,,,ok\n" + "toy,1002,10021,1,,,,ab\u00eem\u00e9\n"
    source.write_bytes(body.encode("latin-1"))
    offset = len((HEADER + "toy,1001,10011,1,,,,ok\ntoy,1002,10021,1,,,,ab").encode())
    result = bulk(run, toy_config, source, "--yes")
    assert result.exit_code == 4
    assert f"byte 0xee at offset {offset} (line 3, in row 2)" in result.stderr
    assert "--encoding latin-1" in result.stderr
    assert refunds_of(run, toy_config, "1001") == []  # nothing sent, not even the good row

    header = tmp_path / "header.csv"
    header.write_bytes("st\u00f6re,order\n".encode("latin-1"))
    refused = bulk(run, toy_config, header, "--yes")
    assert refused.exit_code == 4
    assert "(line 1, in the header)" in refused.stderr

    read = bulk(run, toy_config, source, "--yes", "--encoding", "cp1252")
    assert read.exit_code == 0, read.stderr
    assert refunds_of(run, toy_config, "1002")[0]["note"] == "ab\u00eem\u00e9"


def test_a_row_number_counts_rows_after_the_header_and_skips_empty_rows(tmp_path: Path) -> None:
    source = tmp_path / "gaps.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n\n,,,,,,,\n" + 'toy,1002,10021,1,,,,"a\nb"\n')
    rows = read_rows(source)
    assert [(r.number, r.order) for r in rows] == [(1, "1001"), (3, "1002")]


def test_results_path_that_is_the_input_or_a_foreign_csv_is_refused(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n")
    same = bulk(run, toy_config, source, "--yes", "--results", str(source))
    assert same.exit_code == 2
    assert "it is the input CSV" in same.stderr
    other = tmp_path / "customers.csv"
    other.write_text("name,email\nJane,jane@example.com\n")
    foreign = bulk(run, toy_config, source, "--yes", "--results", str(other))
    assert foreign.exit_code == 2
    assert "is not a bulk results file" in foreign.stderr
    assert other.read_text() == "name,email\nJane,jane@example.com\n"
    assert refunds_of(run, toy_config, "1001") == []


def test_duplicate_or_unknown_columns_are_refused(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "twice.csv"
    source.write_text("store,order,line,quantity,note,note\ntoy,1001,10011,1,a,b\n")
    result = bulk(run, toy_config, source, "--yes")
    assert result.exit_code == 4
    assert "column(s) note given twice" in result.stderr
    source.write_text("store,order,line,qty\ntoy,1001,10011,1\n")
    unknown = bulk(run, toy_config, source, "--yes")
    assert unknown.exit_code == 4
    assert "unknown column(s) qty" in unknown.stderr


def test_order_numbers_pass_through_and_join_rows_naming_the_order_by_id(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "numbers.csv"
    source.write_text(
        HEADER
        + "toy,#1001,10011,1,,,,by number\ntoy,1001,10012,1,,,,by id\ntoy,#1002,10021,1,,,,\n"
    )
    result = bulk(run, toy_config, source, "--yes")
    assert result.exit_code == 0, result.stderr
    records = lines_of(result)
    assert [(r["order"], r["rows"], r["outcome"]) for r in records] == [
        ("1001", [1, 2], "refunded"),
        ("1002", [3], "refunded"),
    ]
    (refund,) = refunds_of(run, toy_config, "1001")
    assert {x["line_id"] for x in refund["lines"]} == {"10011", "10012"}
    assert refund["note"] == "by number; by id"
    # the same refund written by id only: found done, never made twice
    source.write_text(HEADER + "toy,1001,10011,1,,,,\ntoy,1001,10012,1,,,,\n")
    again = bulk(run, toy_config, source, "--yes")
    assert [r["outcome"] for r in lines_of(again)] == ["already-refunded"]
    assert len(refunds_of(run, toy_config, "1001")) == 1
    # an order number that no order has is that row's problem, in its column
    source.write_text(HEADER + "toy,#999,10011,1,,,,\n")
    missing = bulk(run, toy_config, source, "--yes")
    assert missing.exit_code == 9
    assert lines_of(missing)[0]["message"].startswith("row 1, column order: ")


@pytest.mark.parametrize("store", ["sandbox-nextcommerce", "sandbox-shopify", "sandbox-shopware"])
def test_on_every_sandbox_a_row_by_number_and_a_rerun_by_id_refund_once(
    run: Run, tmp_path: Path, toy: None, store: str
) -> None:
    require(store)
    config = config_for(tmp_path)
    ((order_id, line),) = refundable(run, config, store, 1)
    number = "#" + order_of(run, config, store, order_id)["number"].removeprefix("#")
    before = len(refund_ids(run, config, store, order_id))
    source = tmp_path / "by-number.csv"
    source.write_text(HEADER + f"{store},{number},{line},1,,,,\n")
    first = bulk(run, config, source, "--yes")
    assert first.exit_code == 0, first.stderr
    assert [(r["order"], r["outcome"]) for r in lines_of(first)] == [(order_id, "refunded")]
    source.write_text(HEADER + f"{store},{order_id},{line},1,,,,\n")
    again = bulk(run, config, source, "--yes")
    assert [r["outcome"] for r in lines_of(again)] == ["already-refunded"]
    assert len(refund_ids(run, config, store, order_id)) == before + 1


def _toy_without(tmp_path: Path, capability: str) -> Path:
    path = tmp_path / f"without-{capability}.toml"
    path.write_text(
        f'[stores.toy]\nplatform = "toy"\nsandbox = true\ndisabled = ["{capability}"]\n'
    )
    return path


def test_a_store_that_cannot_read_orders_gets_the_order_cell_as_written(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    config = _toy_without(tmp_path, "orders.get")
    source = tmp_path / "blind.csv"
    source.write_text(HEADER + "toy, 1001 ,10011,1,,,,\n")
    result = bulk(run, config, source, "--yes")
    assert result.exit_code == 0, result.stderr
    assert [(r["order"], r["outcome"]) for r in lines_of(result)] == [("1001", "refunded")]
    assert len(refunds_of(run, toy_config, "1001")) == 1


def test_a_store_that_cannot_refund_makes_its_rows_invalid_before_the_question(
    run: Run, toy: None, tmp_path: Path
) -> None:
    config = _toy_without(tmp_path, "refunds.create")
    source = tmp_path / "unsupported.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n")
    result = bulk(run, config, source, "--yes")
    assert result.exit_code == 9
    assert "0 valid to send" in result.stderr  # known before the question, nothing sent
    (record,) = lines_of(result)
    assert record["outcome"] == "invalid"
    assert record["message"] == "row 1: unsupported: toy does not support refunds.create"
    assert "--" not in record["message"]


def test_a_refund_done_earlier_stays_done_when_its_store_cannot_be_read_now(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    from unified_orders.cli.sandboxes import SandboxStates

    source = tmp_path / "done.csv"
    source.write_text(HEADER + "toy,1001,10011,1,,,,\n")
    assert bulk(run, toy_config, source, "--yes").exit_code == 0
    SandboxStates().path("toy").write_text("{torn")  # the store cannot be opened now
    source.write_text(HEADER + "toy,1001,10011,1,,,,\ntoy,1002,10021,1,,,,\n")
    again = bulk(run, toy_config, source, "--yes")
    assert again.exit_code == 9
    done, unread = lines_of(again)
    assert done["outcome"] == "already-refunded"
    assert unread["outcome"] == "invalid"
    assert unread["message"].startswith("row 2, column store: configuration error: ")


def test_a_refund_an_earlier_version_keyed_by_the_order_cell_is_not_made_again(
    run: Run, toy_config: Path, tmp_path: Path
) -> None:
    """Keys hash the order's id now; runs before order cells were resolved hashed the cell as
    written. A refund done under such a key, in the ledger or on the platform, stays done."""
    source = tmp_path / "spelled.csv"
    source.write_text(HEADER + "toy,#1001,10011,1,,,,\ntoy,#1002,10021,1,,,,\n")
    by_cell = [g.key for g in read_groups(source)]  # what a run that did not resolve hashed
    ledger = tmp_path / "spelled.results.ledger.jsonl"
    ledger.write_text(json.dumps({"key": by_cell[0], "event": "done", "refund_id": "R-1"}) + "\n")
    made = run(
        "refunds", "create", "toy", "1002", "--line", "10021:1", "--yes",
        "--idempotency-key", by_cell[1], config=toy_config,
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    result = bulk(run, toy_config, source, "--yes")
    assert result.exit_code == 0, result.stderr
    records = lines_of(result)
    assert [r["outcome"] for r in records] == ["already-refunded", "already-refunded"]
    assert records[0]["refund_id"] == "R-1"
    assert records[1]["key"] != by_cell[1]  # keyed by the order id from now on
    assert refunds_of(run, toy_config, "1001") == []
    assert len(refunds_of(run, toy_config, "1002")) == 1
