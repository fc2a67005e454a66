"""Machine output: JSON Lines from every command, errors as one JSON object on stderr, amounts as
decimal strings (exports included), ``--fields`` for JSON keys and table columns."""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, lines_of

import unified_orders as uo
from unified_orders.cli.errors import ExitCode
from unified_orders.cli.results import wrapped
from unified_orders.sync.export import amount_text, timestamp_text
from unified_orders.sync.schema import MONEY, TABLES


def json_lines(text: str) -> list[dict[str, Any]]:
    """Each line one JSON object."""
    objects = [json.loads(line) for line in text.splitlines()]
    assert all(isinstance(item, dict) for item in objects), text
    return objects


def error_of(stderr: str) -> dict[str, Any]:
    """The JSON error object: the last line of stderr, and the only JSON there."""
    lines = [line for line in stderr.splitlines() if line.startswith("{")]
    assert len(lines) == 1, stderr
    assert stderr.rstrip().splitlines()[-1] == lines[0]
    error = json.loads(lines[0])["error"]
    assert set(error) >= {"code", "name", "message", "problems", "hint"}
    return error  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "args",
    [
        ("stores", "list"),
        ("stores", "check", "toy"),
        ("coverage", "toy"),
        ("orders", "get", "toy", "1001"),
        ("orders", "list", "toy"),
        ("refunds", "calculate", "toy", "1001", "--line", "10011:1"),
        ("refunds", "list", "toy", "1001"),  # none yet: no lines
        ("returns", "list", "toy", "1001"),
        ("fulfillments", "list", "toy", "1003"),
        ("fulfillments", "locations", "toy", "fo-1003"),
    ],
)
def test_every_command_prints_json_lines(run: Run, toy_config: Path, args: tuple[str, ...]) -> None:
    for mode in ((), ("--json",)):  # piped, and asked for
        result = run(*mode, *args, config=toy_config)
        assert result.exit_code == 0, result.stderr
        lines = json_lines(result.stdout)
        assert lines or args[:2] in (("refunds", "list"), ("returns", "list")), args
        assert len(result.stdout.splitlines()) == len(lines)


def test_a_write_and_a_sandbox_reset_print_one_line_each(run: Run, toy_config: Path) -> None:
    made = run(
        "--json",
        "refunds",
        "create",
        "toy",
        "1001",
        "--line",
        "10011:1",
        "--yes",
        config=toy_config,
    )
    assert made.exit_code == 0, made.stderr
    (refund,) = json_lines(made.stdout)
    assert isinstance(refund["total"]["amount"], str)
    reset = run("--json", "sandbox", "reset", config=toy_config)
    assert json_lines(reset.stdout) == [{"store": "toy", "reset": True}]


def test_amounts_are_decimal_strings_everywhere(run: Run, toy_config: Path) -> None:
    (order,) = json_lines(run("--json", "orders", "get", "toy", "1001", config=toy_config).stdout)

    def amounts(value: Any) -> list[Any]:
        if isinstance(value, dict):
            found = [value["amount"]] if {"amount", "currency"} <= value.keys() else []
            return found + [a for item in value.values() for a in amounts(item)]
        if isinstance(value, list):
            return [a for item in value for a in amounts(item)]
        return []

    found = amounts(order)
    assert found
    assert all(isinstance(amount, str) for amount in found), found
    assert all(Decimal(amount).is_finite() for amount in found)


def test_errors_with_json_are_one_object_on_stderr(run: Run, toy_config: Path) -> None:
    invalid = run(
        "--json",
        "refunds",
        "create",
        "toy",
        "1001",
        "--line",
        "10011:9",
        "--yes",
        config=toy_config,
    )
    assert invalid.exit_code == ExitCode.VALIDATION
    error = error_of(invalid.stderr)
    assert (error["code"], error["name"]) == (4, "invalid_request")
    assert error["problems"][0]["path"] == "lines[0].quantity"
    assert not error["message"].startswith("invalid")  # the name says it; no doubled prefix
    assert invalid.stdout == ""

    missing = run("--json", "orders", "get", "nope", "1001", config=toy_config)
    assert missing.exit_code == ExitCode.CONFIGURATION
    assert error_of(missing.stderr)["name"] == "configuration_error"

    absent = run("orders", "get", "toy", "9999", "--json", config=toy_config)  # flag anywhere
    error = error_of(absent.stderr)
    assert (error["code"], error["name"], error["status"]) == (6, "platform_error", 404)

    unconfirmed = run(
        "--json", "refunds", "create", "toy", "1001", "--line", "10011:1", config=toy_config
    )
    assert unconfirmed.exit_code == ExitCode.NOT_CONFIRMED
    assert error_of(unconfirmed.stderr)["name"] == "not_confirmed"
    assert json_lines(unconfirmed.stdout)  # the preview, as JSON


def test_usage_errors_with_json_are_json_too(run: Run, toy_config: Path) -> None:
    for args in (
        ("--json", "orders", "get", "toy", "1001", "--bogus"),
        ("--json", "--bogus", "stores", "list"),
        ("--json", "--table", "stores", "list"),
        ("--json", "orders", "frobnicate"),
    ):
        result = run(*args, config=toy_config)
        assert result.exit_code == ExitCode.USAGE, args
        error = error_of(result.stderr)
        assert (error["code"], error["name"]) == (2, "usage_error"), args
        assert error["message"]


def test_without_json_an_error_is_one_text_line(run: Run, toy_config: Path) -> None:
    result = run("orders", "get", "toy", "9999", config=toy_config)  # piped: JSON output
    assert result.exit_code == 6
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("platform error: ")


def test_fields_choose_json_keys_in_order(run: Run, toy_config: Path) -> None:
    listed = run("orders", "list", "toy", "--fields", "total,id, number", config=toy_config)
    assert listed.exit_code == 0, listed.stderr
    rows = json_lines(listed.stdout)
    assert rows
    assert all(list(row) == ["total", "id", "number"] for row in rows)
    stores = run("--fields", "name", "stores", "list", config=toy_config)
    assert json_lines(stores.stdout) == [{"name": "toy"}]


def test_fields_choose_table_columns(run: Run, toy_config: Path) -> None:
    table = run("--table", "orders", "list", "toy", "--fields", "number,total", config=toy_config)
    assert table.exit_code == 0, table.stderr
    header = next(line for line in table.stdout.splitlines() if "number" in line)
    assert re.findall(r"[a-z]+", header) == ["number", "total"]
    assert "USD" in table.stdout  # amounts shown as amounts


def test_a_field_typo_is_exit_2_before_anything_is_sent(run: Run, toy_config: Path) -> None:
    args = ("refunds", "create", "toy", "1001", "--line", "10011:1", "--yes")
    result = run(*args, "--fields", "id,totl", config=toy_config)
    assert result.exit_code == ExitCode.USAGE
    assert "unknown field 'totl' (did you mean 'total'?)" in result.stderr
    assert "fields: id, order_id" in result.stderr  # the valid ones, listed
    assert lines_of(run("refunds", "list", "toy", "1001", config=toy_config)) == []
    as_json = error_of(run("--json", *args, "--fields", "totl", config=toy_config).stderr)
    assert as_json["problems"] == [
        {"path": "--fields", "message": "unknown field 'totl' (did you mean 'total'?)"}
    ]
    nothing = run("--fields", "id", "completion", "bash", config=toy_config)
    assert nothing.exit_code == ExitCode.USAGE
    assert "does not apply" in nothing.stderr


def test_amount_text_keeps_the_currency_digits_and_cuts_nothing() -> None:
    ten = Decimal("0.0000000001")
    assert amount_text(Decimal("12.5000000000"), "USD") == "12.50"
    assert amount_text(Decimal("1200.0000000000"), "JPY") == "1200"
    assert amount_text(Decimal("1.1250000000"), "KWD") == "1.125"
    assert amount_text(Decimal("0.3333000000"), "USD") == "0.3333"  # more digits: kept
    assert amount_text(ten, "EUR") == "0.0000000001"
    assert amount_text(Decimal("-5.0000000000"), "EUR") == "-5.00"
    assert amount_text(Decimal("7.1000000000"), "USDC") == "7.1"  # unknown minor unit
    assert amount_text(Decimal("100.0000000000"), None) == "100"


def test_timestamp_text_is_iso_8601_in_utc() -> None:
    from datetime import UTC, datetime

    assert timestamp_text(datetime(2026, 6, 1, 12, 0)) == "2026-06-01T12:00:00Z"
    assert timestamp_text(datetime(2026, 6, 1, 12, 0, 0, 5000)) == "2026-06-01T12:00:00.005000Z"
    assert timestamp_text(datetime(2026, 6, 1, 12, 0, tzinfo=UTC)) == "2026-06-01T12:00:00Z"


@pytest.fixture
def synced(run: Run, tmp_path: Path) -> str:
    info = uo.adapters().get("nextcommerce")
    if info is None or info.error is not None:
        pytest.skip("the nextcommerce adapter is not registered")
    db = str(tmp_path / "s.duckdb")
    result = run("--json", "sync", "sandbox-nextcommerce", "--db", db)
    assert result.exit_code == 0, result.stderr
    (summary,) = json_lines(result.stdout)  # the summary: one line
    assert summary["ok"] is True
    return db


def test_exports_write_amounts_as_the_shop_shows_them(
    run: Run, synced: str, tmp_path: Path
) -> None:
    out = tmp_path / "e"
    for fmt in ("csv", "jsonl"):
        exported = run("--json", "export", "--db", synced, "--format", fmt, "--out", str(out))
        assert exported.exit_code == 0, exported.stderr
        files = json_lines(exported.stdout)
        assert {f["table"] for f in files} >= {"orders", "refunds"}
        assert all(f["format"] == fmt and f["path"].endswith(f".{fmt}") for f in files)
    amount = re.compile(r"^-?\d+(\.\d+)?$")
    when = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
    table = TABLES["orders"]
    money = [c.name for c in table.columns if c.type == MONEY]
    times = [c.name for c in table.columns if c.type.startswith("TIMESTAMP")]
    with (out / "orders.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert rows
    for row in rows:
        for name in money:
            value = row[name]
            if value:
                assert amount.match(value), (name, value)
                digits = len(value.partition(".")[2])
                assert digits < 10, (name, value)  # not the database's padding
                assert digits >= (0 if row["currency"] == "JPY" else 2) or name.endswith("_shop")
        for name in times:
            assert not row[name] or when.match(row[name]), (name, row[name])
    for line in (out / "orders.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line, parse_float=lambda text: text)  # raw keeps the platform's
        for name in money:
            assert record[name] is None or isinstance(record[name], str), (name, record[name])
        assert isinstance(record["raw"], dict)
        for name in times:
            assert record[name] is None or when.match(record[name])


def test_sync_and_report_take_fields(run: Run, synced: str) -> None:
    summary = run("--json", "sync", "sandbox-nextcommerce", "--db", synced, "--fields", "ok")
    assert json_lines(summary.stdout) == [{"ok": True}]
    report = run("--json", "report", "orders", "--db", synced, "--fields", "group")
    assert report.exit_code == 0, report.stderr
    assert all(list(row) == ["group"] for row in json_lines(report.stdout))
    typo = run("report", "orders", "--db", synced, "--fields", "gruop")
    assert typo.exit_code == ExitCode.USAGE
    assert "did you mean 'group'?" in typo.stderr


def test_global_options_are_taken_from_anywhere_before_a_double_dash() -> None:
    import typer

    from unified_orders.cli.root import hoist

    assert hoist(["orders", "list", "x", "--fields", "id", "--json"]) == [
        "--fields",
        "id",
        "--json",
        "orders",
        "list",
        "x",
    ]
    assert hoist(["orders", "get", "x", "--fields=id", "--", "--json"]) == [
        "--fields=id",
        "orders",
        "get",
        "x",
        "--",
        "--json",
    ]
    with pytest.raises(typer.BadParameter, match="--fields needs a value"):
        hoist(["orders", "list", "x", "--fields"])
    assert hoist(["orders", "list", "x", "--fields", "--json"], strict=False) == [
        "--json",
        "orders",
        "list",
        "x",
    ]


def test_a_long_result_line_breaks_between_words_on_a_terminal() -> None:
    """A store's sync result with a long "did not read" reason: at 80 columns a terminal broke it
    mid-word; it now breaks between words, continuation lines indented, and stays one line
    into a file or pipe (the tests' stdout is not a terminal)."""
    text = (
        "s (shopify): ok (full): 5 orders read, 0 written, 0 marked deleted, 1 page in 0.2s; "
        "did not read: orders placed more than 60 days ago (Shopify shows an app without the "
        "read_all_orders access scope only the last 60 days of orders)"
    )
    lines = wrapped(text, 80).splitlines()
    assert len(lines) > 1
    assert all(len(line) <= 80 for line in lines)
    assert all(line.startswith("  ") for line in lines[1:])
    assert " ".join(line.strip() for line in lines) == text
    assert wrapped(text) == text
