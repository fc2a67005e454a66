"""The bulk CSV's ``amount`` and ``all`` columns: an amount-only (goodwill) refund, a line refunded
for less than its price, and everything left on an order, on every sandbox, exactly once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, lines_of
from procs import config_for, order_of, refund_ids, refundable, require

from unified_orders.cli.bulk import read_groups

HEADER = "store,order,line,quantity,amount,all,note,group\n"
STORES = ["sandbox-nextcommerce", "sandbox-shopify", "sandbox-shopware"]


def bulk(run: Run, config: Path, source: Path, *more: str) -> Any:
    return run("refunds", "create", "--from-csv", str(source), "--yes", *more, config=config)


@pytest.mark.parametrize("store", STORES)
def test_amount_line_amount_and_everything_left_refund_once(
    run: Run, tmp_path: Path, toy: None, store: str
) -> None:
    require(store)
    config = config_for(tmp_path)
    (goodwill, _), (partial, line), (whole, _) = refundable(
        run, config, store, 1, distinct_orders=3
    )
    before = {o: len(refund_ids(run, config, store, o)) for o in (goodwill, partial, whole)}
    source = tmp_path / "amounts.csv"
    source.write_text(
        HEADER
        + f"{store},{goodwill},,,1.00,,goodwill,\n"
        + f"{store},{partial},{line},1,0.50,,worn,\n"
        + f"{store},{whole},,,,yes,everything,\n"
    )
    first = bulk(run, config, source)
    assert first.exit_code == 0, first.stderr
    records = lines_of(first)
    assert [r["outcome"] for r in records] == ["refunded"] * 3
    assert [Decimal(r["total"]["amount"]) for r in records[:2]] == [
        Decimal("1.00"),
        Decimal("0.50"),
    ]
    assert Decimal(records[2]["total"]["amount"]) > 0
    left = order_of(run, config, store, whole)
    assert all(x["refunded_quantity"] == x["current_quantity"] for x in left["lines"]), left

    again = bulk(run, config, source)
    assert again.exit_code == 0, again.stderr
    assert [r["outcome"] for r in lines_of(again)] == ["already-refunded"] * 3
    after = {o: len(refund_ids(run, config, store, o)) for o in (goodwill, partial, whole)}
    assert after == {o: n + 1 for o, n in before.items()}


def test_amount_and_all_cells_are_checked_and_named_by_column(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(
        HEADER
        + "toy,1001,,,abc,,,\n"
        + "toy,1002,,,-3,,,\n"
        + "toy,1003,,,,maybe,,\n"
        + "toy,1003,,,2.00,yes,,b\n"
        + "toy,1001,10011,1,,yes,,c\n"
    )
    errors = [g.error for g in read_groups(source)]
    assert errors == [
        "row 1, column amount: 'abc' is not an amount such as 4.99",
        "row 2, column amount: '-3': the amount must be a positive number",
        "row 3, column all: 'maybe': expected yes (refund everything left) or empty",
        "row 4, column all: yes refunds everything left; leave amount empty",
        "row 5, column all: yes refunds everything left; leave line empty",
    ]


def test_amounts_enter_the_key_and_two_amounts_for_one_refund_are_refused(
    tmp_path: Path,
) -> None:
    source = tmp_path / "keys.csv"
    keys = []
    for amount in ("1.00", "1.0", "2"):
        source.write_text(HEADER + f"toy,1001,,,{amount},,,\n")
        (group,) = read_groups(source)
        assert group.request.amount == Decimal(amount)
        keys.append(group.key)
    assert keys[0] == keys[1] != keys[2]  # the amount, not how it was written
    source.write_text(HEADER + "toy,1001,,,1.00,,,\ntoy,1001,,,2.00,,,\n")
    (group,) = read_groups(source)
    assert group.error == (
        "row 2, column amount: a different amount was given for this refund; "
        "row 1: not sent: part of one refund with row 2"
    )
    source.write_text(HEADER + "toy,1001,,,,yes,,\ntoy,1002,10021,1,2.50,,,\n")
    everything, line = read_groups(source)
    assert everything.request.remaining
    assert not everything.request.lines
    assert line.request.lines[0].amount == Decimal("2.50")


@pytest.mark.parametrize("store", STORES)
def test_the_platform_refusal_of_an_amount_names_the_amount_column(
    run: Run, tmp_path: Path, toy: None, store: str
) -> None:
    require(store)
    config = config_for(tmp_path)
    ((order, line),) = refundable(run, config, store, 1)
    before = refund_ids(run, config, store, order)
    source = tmp_path / "too-much.csv"
    source.write_text(
        HEADER + f"{store},{order},,,99999.00,,,\n" + f"{store},{order},{line},1,99999.00,,,b\n"
    )
    result = bulk(run, config, source)
    assert result.exit_code == 9
    messages = [r["message"] for r in lines_of(result)]
    assert messages[0].startswith("row 1, column amount: "), messages
    assert messages[1].startswith("row 2, column amount: "), messages
    assert refund_ids(run, config, store, order) == before
