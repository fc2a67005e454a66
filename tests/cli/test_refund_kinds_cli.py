"""``refunds calculate|create`` for the refunds agencies issue: ``--amount`` (goodwill),
``--line LINE:QTY[:RESTOCK[:LOCATION]]@AMOUNT`` (a line for less) and ``--all`` (everything
left), on every built-in sandbox store; combinations of kinds are usage errors naming the flags."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, lines_of

import unified_orders as uo
from unified_orders.cli.errors import CliError, ExitCode
from unified_orders.cli.lines import parse_refund_line

STORES = ["sandbox-nextcommerce", "sandbox-shopify", "sandbox-shopware"]


def paid_order(run: Run, store: str) -> dict[str, Any]:
    """An order with a captured payment, shipping, and every line still refundable."""
    result = run("orders", "list", store)
    assert result.exit_code == 0, result.stderr
    for order in lines_of(result):
        captured = [
            t
            for t in order["transactions"]
            if t["kind"] in ("capture", "sale") and t["status"] == "success"
        ]
        lines = order["lines"]
        if (
            captured
            and not order["refunds"]
            and lines
            and all(x["current_quantity"] > x["refunded_quantity"] for x in lines)
            and Decimal(order["shipping"]["amount"]) > 0
        ):
            return order
    raise AssertionError(f"{store} has no paid, unrefunded order with shipping")


# --- parsing ------------------------------------------------------------------------------------
def test_a_line_amount_follows_the_last_at_sign_and_ids_keep_their_colons() -> None:
    line = parse_refund_line("gid://shopify/LineItem/1:2:return:gid://shopify/Location/5@10.00")
    assert line == uo.RefundLineRequest(
        line_id="gid://shopify/LineItem/1",
        quantity=2,
        restock=uo.Restock.RETURN,
        location_id="gid://shopify/Location/5",
        amount=Decimal("10.00"),
    )
    assert parse_refund_line("70:1@5").amount == Decimal("5")
    assert parse_refund_line("70:1::loc@0.50").location_id == "loc"
    assert parse_refund_line("70:1").amount is None


@pytest.mark.parametrize(
    "text", ["70:1@", "70:1@abc", "70:1@-1", "70:1@0", "@5", "70@5", "70:1@inf", "70:1@NaN"]
)
def test_bad_line_amounts_are_usage_errors(text: str) -> None:
    with pytest.raises(CliError) as caught:
        parse_refund_line(text)
    assert caught.value.code is ExitCode.USAGE
    assert text in str(caught.value)


# --- mutually exclusive kinds ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--all", "--line", "1:1"], "--all refunds everything left on the order; give no --line"),
        (
            ["--all", "--shipping", "full", "--amount", "2"],
            "give no --shipping or --amount with it",
        ),
        (["--amount", "2", "--line", "1:1"], "--amount refunds an amount alone; give no --line"),
        (["--amount", "2", "--shipping", "full"], "give no --shipping with it"),
        ([], "give --line, --shipping, --amount or --all"),
        (["--amount", "two"], "--amount: 'two' is not an amount such as 4.99"),
        (["--amount", "-2"], "--amount: the amount must be a positive number"),
    ],
)
@pytest.mark.parametrize("command", ["calculate", "create"])
def test_combinations_of_kinds_are_usage_errors_naming_the_flags(
    run: Run, command: str, flags: list[str], named: str
) -> None:
    result = run("refunds", command, "sandbox-nextcommerce", "10001", *flags)
    assert result.exit_code == ExitCode.USAGE, result.stdout
    assert named in result.stderr
    as_json = run("--json", "refunds", command, "sandbox-nextcommerce", "10001", *flags)
    assert as_json.exit_code == ExitCode.USAGE
    assert json.loads(as_json.stderr)["error"]["name"] == "usage_error"


def test_bulk_takes_no_amount_or_all_flags(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "refunds.csv"
    source.write_text("store,order,line,quantity\n", encoding="utf-8")
    for flags in (["--amount", "2"], ["--all"]):
        result = run("refunds", "create", "--from-csv", str(source), *flags)
        assert result.exit_code == ExitCode.USAGE
        assert "--amount/--all" in result.stderr


# --- on every sandbox ----------------------------------------------------------------------------
@pytest.mark.parametrize("store", STORES)
def test_an_amount_only_refund(run: Run, store: str) -> None:
    order = paid_order(run, store)
    preview = run("--table", "refunds", "calculate", store, order["id"], "--amount", "1.50")
    assert preview.exit_code == 0, preview.stderr
    assert "1.50" in preview.stdout
    made = run("refunds", "create", store, order["id"], "--amount", "1.50", "--yes")
    assert made.exit_code == 0, made.stderr
    [refund] = lines_of(made)
    assert refund["total"]["amount"] == "1.50"
    assert refund["lines"] == []
    assert [(a["kind"], a["amount"]["amount"]) for a in refund["adjustments"]] == [
        ("refund_discrepancy", "1.50")
    ]
    listed = lines_of(run("refunds", "list", store, order["id"]))
    assert [r["id"] for r in listed] == [refund["id"]]


@pytest.mark.parametrize("store", STORES)
def test_a_line_refunded_for_less(run: Run, store: str) -> None:
    order = paid_order(run, store)
    line = order["lines"][0]
    made = run("refunds", "create", store, order["id"], "--line", f"{line['id']}:1@0.75", "--yes")
    assert made.exit_code == 0, made.stderr
    [refund] = lines_of(made)
    assert refund["total"]["amount"] == "0.75"
    assert [(x["line_id"], x["quantity"]) for x in refund["lines"]] == [(line["id"], 1)]
    again = lines_of(run("orders", "get", store, order["id"]))[0]
    assert again["lines"][0]["refunded_quantity"] == line["refunded_quantity"] + 1


@pytest.mark.parametrize("store", STORES)
def test_a_line_amount_above_its_price_is_refused_before_anything_is_sent(
    run: Run, store: str
) -> None:
    order = paid_order(run, store)
    line = order["lines"][0]
    above = Decimal(line["total"]["amount"]) + 100
    result = run(
        "refunds", "create", store, order["id"], "--line", f"{line['id']}:1@{above}", "--yes"
    )
    assert result.exit_code == ExitCode.VALIDATION
    assert "never more" in result.stderr
    assert lines_of(run("refunds", "list", store, order["id"])) == []


@pytest.mark.parametrize("store", STORES)
def test_everything_left(run: Run, store: str) -> None:
    order = paid_order(run, store)
    preview = run("refunds", "calculate", store, order["id"], "--all")
    assert preview.exit_code == 0, preview.stderr
    [calculation] = lines_of(preview)
    assert calculation["request"]["remaining"] is False  # written out
    made = run("refunds", "create", store, order["id"], "--all", "--yes")
    assert made.exit_code == 0, made.stderr
    [refund] = lines_of(made)
    assert refund["total"] == calculation["total"]
    after = lines_of(run("orders", "get", store, order["id"]))[0]
    assert all(x["refunded_quantity"] == x["current_quantity"] for x in after["lines"])
    assert after["shipping"]["amount"] == refund["shipping"]["amount"]["amount"]
