"""Parsing --line and --shipping."""

from __future__ import annotations

from decimal import Decimal

import pytest

import unified_orders as uo
from unified_orders.cli.errors import CliError, ExitCode
from unified_orders.cli.lines import (
    parse_refund_line,
    parse_return_line,
    parse_shipping,
    parse_unit_lines,
)


def test_refund_line_with_every_part() -> None:
    line = parse_refund_line("70:2:return:loc-9")
    assert line == uo.RefundLineRequest(
        line_id="70", quantity=2, restock=uo.Restock.RETURN, location_id="loc-9"
    )


def test_refund_line_restock_left_out_or_empty_is_inferred_later() -> None:
    assert parse_refund_line("70:1").restock is None
    assert parse_refund_line("70:1::loc").restock is None
    assert parse_refund_line("70:1::loc").location_id == "loc"
    assert parse_refund_line("70:1:no-restock").restock is uo.Restock.NO_RESTOCK


def test_shopify_gids_keep_their_colons() -> None:
    line = parse_refund_line("gid://shopify/LineItem/1:2:return:gid://shopify/Location/5")
    assert line.line_id == "gid://shopify/LineItem/1"
    assert line.quantity == 2
    assert line.location_id == "gid://shopify/Location/5"


@pytest.mark.parametrize("text", ["70", "70:x", "70:0", "70:1:restocked", ":1", "1:2:cancel:l:x"])
def test_bad_refund_lines_are_usage_errors(text: str) -> None:
    with pytest.raises(CliError) as caught:
        parse_refund_line(text)
    assert caught.value.code is ExitCode.USAGE
    assert text in str(caught.value)


def test_return_line_reason() -> None:
    assert parse_return_line("5:1:damaged").reason == "damaged"
    assert parse_return_line("5:1").reason is None


def test_unit_lines() -> None:
    assert parse_unit_lines([]) is None
    assert parse_unit_lines(["a:1", "b:2"]) == {"a": 1, "b": 2}
    with pytest.raises(CliError, match="given twice"):
        parse_unit_lines(["a:1", "a:2"])


def test_shipping_full_or_exact_amount() -> None:
    assert parse_shipping("full") == uo.ShippingRefund(full=True)
    amount = parse_shipping("4.10")
    assert amount is not None
    assert amount.amount == Decimal("4.10")
    assert str(amount.amount) == "4.10"  # exact digits, never a float
    assert parse_shipping(None) is None
    for bad in ("lots", "-1", "0", "nan"):
        with pytest.raises(CliError):
            parse_shipping(bad)
