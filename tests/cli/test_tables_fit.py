"""Tables fit an 80-column terminal: ids and amounts are never cut, text columns give way.

Each check runs the installed ``unified-orders`` script in a real pseudo-terminal (pexpect),
80 columns wide, on the built-in sandbox stores, and compares the screen with the same
command's JSON output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pexpect
import pytest
from rich.console import Console

import unified_orders as uo
from unified_orders.cli.layout import Column, FitTable, Kind

WIDTH = 80
STORES = ["sandbox-nextcommerce", "sandbox-shopify", "sandbox-shopware"]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _script() -> str:
    beside = Path(sys.executable).parent / "unified-orders"
    found = str(beside) if beside.exists() else shutil.which("unified-orders")
    if found is None:
        pytest.skip("the unified-orders console script is not installed (pip install -e .)")
    return found


def _require(store: str) -> None:
    info = uo.adapters().get(store.removeprefix("sandbox-"))
    if info is None or info.error is not None:
        pytest.skip(f"the adapter behind {store} is not available")


def _env() -> dict[str, str]:
    # conftest.isolated points the data and lock dirs into tmp_path; children inherit them
    return {**os.environ, "COLUMNS": str(WIDTH), "LINES": "60", "TERM": "xterm"}


def screen(*args: str) -> str:
    """What the command prints on an 80-column terminal, colours stripped."""
    child = pexpect.spawn(
        _script(), list(args), env=_env(), encoding="utf-8", timeout=120, dimensions=(60, WIDTH)
    )
    child.expect(pexpect.EOF)
    child.close()
    text = ANSI.sub("", child.before or "").replace("\r", "")
    assert child.exitstatus == 0, text
    return text


def records(*args: str) -> list[Any]:
    """The same command's JSON Lines (stdout is a pipe)."""
    done = subprocess.run(
        [_script(), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def assert_fits(text: str) -> None:
    wide = [line for line in text.splitlines() if len(line) > WIDTH]
    assert not wide, "\n".join(wide)
    assert "…" not in text, text


def _amounts(value: Any) -> Iterator[str]:
    """Every money value inside a JSON document, as the tables print it: ``12.50 USD``."""
    if isinstance(value, dict):
        if set(value) >= {"amount", "currency"} and isinstance(value["amount"], str):
            yield f"{value['amount']} {value['currency']}"
        for item in value.values():
            yield from _amounts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _amounts(item)


@pytest.mark.parametrize("store", STORES)
def test_orders_list_and_get_fit_80_columns(store: str) -> None:
    _require(store)
    orders = records("orders", "list", store)
    assert orders
    listed = screen("orders", "list", store)
    assert_fits(listed)
    for order in orders:
        assert order["id"] in listed
        assert f"{order['total']['amount']} {order['total']['currency']}" in listed

    for order in orders[:4]:
        shown = screen("orders", "get", store, order["id"])
        assert_fits(shown)
        assert order["id"] in shown
        for line in order["lines"]:
            assert line["id"] in shown
        for transaction in order["transactions"]:
            assert transaction["id"] in shown
        for refund in order["refunds"]:
            assert refund["id"] in shown
        summary = {k: order[k] for k in ("subtotal", "shipping", "tax", "total") if order[k]}
        lines = [{k: line[k] for k in ("unit_price", "total")} for line in order["lines"]]
        paid = [{k: t[k] for k in ("amount", "refundable") if t[k]} for t in order["transactions"]]
        for amount in _amounts([summary, lines, paid]):
            assert amount in shown, amount


def test_refunds_report_fits_80_columns(tmp_path: Path) -> None:
    for store in STORES:
        _require(store)
    db = tmp_path / "orders.duckdb"
    subprocess.run(
        [_script(), "sync", "--db", str(db)],
        capture_output=True,
        timeout=300,
        env=_env(),
        check=True,
    )
    rows = [
        json.loads(line)  # JSON Lines
        for line in subprocess.run(
            [_script(), "report", "refunds", "--db", str(db), "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            env=_env(),
            check=True,
        ).stdout.splitlines()
    ]
    assert rows
    shown = screen("report", "refunds", "--db", str(db))
    assert_fits(shown)
    for row in rows:
        assert row["group"] in shown
        assert str(row["amount"]) in shown


@pytest.mark.parametrize("store", STORES)
def test_fulfillment_table_shows_the_request_status(store: str) -> None:
    _require(store)
    order = records("orders", "list", store)[0]
    fulfillment_orders = records("fulfillments", "list", store, order["id"])
    shown = screen("fulfillments", "list", store, order["id"])
    assert_fits(shown)
    for fo in fulfillment_orders:
        assert fo["id"] in shown
        if fo["request_status"]:
            assert f"request: {fo['request_status']}" in shown
        for line in fo["lines"]:
            assert line["id"] in shown
            assert line["line_id"] in shown


def _render(table: FitTable, width: int) -> str:
    console = Console(width=width, record=True, force_terminal=False, color_system=None)
    console.print(table)
    return console.export_text()


def test_keys_stay_whole_while_text_folds_and_dates_shorten() -> None:
    stamp = datetime(2026, 6, 1, 12, 30, 45, tzinfo=UTC)
    table = FitTable(
        "Things",
        [
            Column("id", Kind.KEY),
            Column("created", Kind.WHEN, drop=2),
            Column("title", Kind.TEXT, drop=3),
            Column("state", Kind.WORD, drop=4),
            Column("total", Kind.KEY, right=True),
        ],
        [["84927455e04a5a4fab328f1f12ad1551", stamp, "A rather long title " * 3, "x", "1.00 EUR"]],
    )
    wide = _render(table, 160)
    assert "2026-06-01T12:30:45+00:00" in wide
    assert "A rather long title A rather" in wide

    narrow = _render(table, WIDTH)
    assert_fits(narrow)
    assert "84927455e04a5a4fab328f1f12ad1551" in narrow
    assert "1.00 EUR" in narrow
    assert "2026-06-01" in narrow
    assert "+00:00" not in narrow  # shortened, not cut

    tiny = _render(table, 50)
    assert "84927455e04a5a4fab328f1f12ad1551" in tiny
    assert "1.00 EUR" in tiny
    assert "title" not in tiny  # dropped before the keys are touched
