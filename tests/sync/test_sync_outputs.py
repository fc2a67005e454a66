"""Reports, exports, the typer commands, the row builder and the schema docs."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest
from pg_cluster import one
from sync_toy import ToyShop, seeded_order, translate
from typer.testing import CliRunner

import unified_orders as uo
from unified_orders.cli.cmd_sync import app
from unified_orders.http import emulator_transport
from unified_orders.sync import export, report, run_sync, schema_markdown
from unified_orders.sync.rows import RowError, content_hash, order_rows, rehash
from unified_orders.sync.schema import TABLES

ROOT = Path(__file__).resolve().parents[2]


def factory(platform: str, emulator: ToyShop) -> Any:
    return lambda: uo.connect_async(platform, transport=emulator_transport(emulator))


@pytest.fixture
def synced(toy: None, db: Path | str) -> Path | str:
    """Two toy stores synced into each destination in turn."""
    summary = run_sync(
        {"a": factory("synctoy", ToyShop(12, 5)), "b": factory("windowtoy", ToyShop(8, 5))}, db
    )
    assert summary.ok
    return db


def expected_refunds(n: int) -> tuple[int, Decimal]:
    orders = [seeded_order(i) for i in range(n)]
    count, total = 0, Decimal(0)
    for order in orders:
        for refund in order["refunds"]:
            count += 1
            total += Decimal(refund["amount"]) * Decimal(order["rate"])
    return count, total


def test_refund_report_by_platform_and_store_in_shop_currency(synced: Path | str) -> None:
    rows = report(synced, "refunds", group_by="platform")
    count_a, total_a = expected_refunds(12)
    count_b, total_b = expected_refunds(8)
    assert [(r["group"], r["currency"], r["refunds"], r["amount"]) for r in rows] == [
        ("synctoy", "USD", count_a, total_a),
        ("windowtoy", "USD", count_b, total_b),
    ]
    assert [r["group"] for r in report(synced, "refunds", group_by="store")] == ["a", "b"]
    assert all(r["unconverted"] == 0 for r in rows)


def test_reports_filter_by_date_and_group_by_day(synced: Path | str) -> None:
    # seeded orders are placed hourly from 2024-03-01 12:00: orders 0-11 on 1 Mar, 12+ on 2 Mar
    days = report(synced, "orders", group_by="day")
    assert [(r["group"], r["orders"]) for r in days] == [("2024-03-01", 20)]
    assert report(synced, "orders", since=date(2024, 3, 2)) == []
    only_a = report(synced, "orders", group_by="store", until=date(2024, 3, 2))
    assert [(r["group"], r["orders"], r["canceled"]) for r in only_a] == [("a", 12, 0), ("b", 8, 0)]
    sales = sum(
        Decimal(seeded_order(n)["total"]) * Decimal(seeded_order(n)["rate"]) for n in range(12)
    )
    refunded = expected_refunds(12)[1]
    assert only_a[0]["sales"] == sales
    assert only_a[0]["net"] == sales - refunded


def test_returns_report_counts_returns_and_refunds_with_restock_return(synced: Path | str) -> None:
    rows = {r["group"]: r for r in report(synced, "returns", group_by="store")}
    returns_a = sum(len(seeded_order(n)["returns"]) for n in range(12))
    assert rows["a"]["returns"] == returns_a
    assert rows["a"]["closed"] == returns_a
    assert rows["a"]["refunded_as_returned_units"] == expected_refunds(12)[0]


def test_report_json_keeps_amounts_exact(synced: Path | str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["report", "refunds", "--db", str(synced), "--json"])
    assert result.exit_code == 0, result.output
    data = [json.loads(line) for line in result.output.splitlines()]  # JSON Lines
    assert isinstance(data[0]["amount"], str)  # a decimal string, never a float
    assert Decimal(data[0]["amount"]) == expected_refunds(12)[1]  # not rounded to cents
    table = runner.invoke(
        app, ["report", "refunds", "--db", str(synced), "--table", "--group-by", "store"]
    )
    assert table.exit_code == 0
    assert "refunds by store" in table.output


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_export_writes_every_table(synced: Path | str, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    paths = export(synced, fmt, out)
    reader = {"parquet": "read_parquet", "csv": "read_csv", "jsonl": "read_json"}[fmt]
    with duckdb.connect() as con:
        for path in paths:
            table = path.stem
            n = con.execute(f"SELECT count(*) FROM {reader}('{path}')").fetchone()
            assert n == (one(synced, f"SELECT count(*) FROM {table}"),), table
        if fmt == "parquet":
            amount = con.execute(
                f"SELECT sum(total_shop) FROM read_parquet('{out / 'refunds.parquet'}')"
            ).fetchone()
            assert amount == (expected_refunds(12)[1] + expected_refunds(8)[1],)
    with pytest.raises(ValueError, match="unknown table"):
        export(synced, fmt, out, ["nope"])


def test_sync_command_uses_the_session_stores(toy: None, db: Path | str, tmp_path: Path) -> None:
    emulators = {"x": ToyShop(6, 5), "y": ToyShop(6, 5)}
    emulators["y"].fail = True
    asked: list[Any] = []

    def sync_stores(names: list[str] | None) -> dict[str, Any]:
        asked.append(names)
        return {name: factory("synctoy", emulators[name]) for name in names or emulators}

    runner = CliRunner()
    session = SimpleNamespace(sync_stores=sync_stores, json_mode=True, table_mode=False)
    result = runner.invoke(app, ["sync", "--db", str(db)], obj=session)
    assert result.exit_code == 6  # one store failed: a platform error, not a bug
    data = json.loads(result.stdout)
    assert [(s["store"], s["ok"]) for s in data["stores"]] == [("x", True), ("y", False)]
    only_x = runner.invoke(app, ["sync", "x", "--db", str(db), "--table"], obj=session)
    assert only_x.exit_code == 0, only_x.output
    assert "x (synctoy): ok (updated_since)" in only_x.stdout
    assert asked == [None, ["x"]]
    exported = runner.invoke(
        app,
        [
            "export",
            "--db",
            str(db),
            "--format",
            "csv",
            "--out",
            str(tmp_path / "e"),
            "-t",
            "orders",
        ],
    )
    assert exported.exit_code == 0
    assert json.loads(exported.stdout)["path"].endswith("orders.csv")  # JSON Lines when piped


def test_report_on_a_missing_database_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run `unified-orders sync` first"):
        report(tmp_path / "none.duckdb", "refunds")


def test_rows_refuse_amounts_the_schema_cannot_hold_exactly() -> None:
    body = seeded_order(1)
    body["lines"][0]["price"] = "1.00000000001"
    order = translate(body, "synctoy")
    with pytest.raises(RowError, match="more than 10 decimal places"):
        order_rows("a", order, order.created_at)  # type: ignore[arg-type]


def test_rows_leave_shop_amounts_unknown_when_the_platform_gives_none() -> None:
    order = translate(seeded_order(3), "synctoy")  # EUR, with shop figures in USD
    stripped = order.model_copy(update={"total": uo.Money.of(order.total.amount, "EUR")})
    rows = order_rows("a", stripped, order.created_at)  # type: ignore[arg-type]
    head = dict(zip(TABLES["orders"].column_names, rows.tables["orders"][0], strict=True))
    assert head["total"] == order.total.amount
    assert head["total_shop"] is None
    assert head["shipping_shop"] == order.shipping.shop.amount  # type: ignore[union-attr]
    assert rows.content_hash != order_rows("a", order, order.created_at).content_hash  # type: ignore[arg-type]


def test_the_content_hash_sees_every_digit_and_not_the_sync_time() -> None:
    order = translate(seeded_order(3), "synctoy")
    rows = order_rows("a", order, order.created_at)  # type: ignore[arg-type]
    later = order_rows("a", order, datetime(2030, 1, 1))
    assert later.content_hash == rows.content_hash  # synced_at is left out
    unhashed = order_rows("a", order, order.created_at, hashed=False)  # type: ignore[arg-type]
    assert unhashed.content_hash == ""
    rehash(unhashed)
    assert unhashed.tables == rows.tables
    assert unhashed.content_hash == rows.content_hash
    # 1.0 and 1.00 are different rows: their hashes differ
    head = list(rows.tables["orders"][0])
    total = TABLES["orders"].column_names.index("total")
    respelled = Decimal(head[total]).quantize(Decimal("0.001"))
    assert respelled == head[total]
    assert str(respelled) != str(head[total])
    head[total] = respelled
    assert content_hash({**rows.tables, "orders": [tuple(head)]}) != rows.content_hash


def test_the_documented_schema_is_the_real_one() -> None:
    doc = (ROOT / "docs" / "reporting" / "schema.md").read_text(encoding="utf-8")
    assert schema_markdown() in doc, (
        "docs/reporting/schema.md is stale: paste schema_markdown() between its schema markers"
    )


def test_sync_and_report_say_which_orders_could_not_be_read(toy: None, tmp_path: Path) -> None:
    db = tmp_path / "e.duckdb"
    emulator = ToyShop(6, 5)
    emulator.orders["1002"]["currency"] = None

    def sync_stores(names: list[str] | None) -> dict[str, Any]:
        return {"x": factory("synctoy", emulator)}

    runner = CliRunner()
    session = SimpleNamespace(sync_stores=sync_stores, json_mode=False, table_mode=True)
    synced = runner.invoke(app, ["sync", "--db", str(db), "--table"], obj=session)
    assert synced.exit_code == 0, synced.output
    assert "1 could NOT be read (see the sync_errors table)" in synced.stdout
    reported = runner.invoke(app, ["report", "refunds", "--db", str(db), "--json"])
    assert reported.exit_code == 0, reported.output
    assert "1 order(s) of store 'x' could not be read" in reported.stderr
