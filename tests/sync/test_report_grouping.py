"""Reports by ISO week and month, relative ``--since``/``--until``, and empty periods."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pg_cluster import execute
from typer.testing import CliRunner

from unified_orders.cli.cmd_sync import app
from unified_orders.sync import report
from unified_orders.sync.databases import open_destination
from unified_orders.sync.period import describe_period, is_empty, parse_moment

NOW = datetime(2026, 12, 2, 15, 30, 45, 123456, tzinfo=UTC)  # a Wednesday, ISO week 49


def refund_db(
    target: Path | str, refunds: Iterable[tuple[str, datetime | None, str]]
) -> Path | str:
    """A database (a DuckDB file or a PostgreSQL URL) with one order per refund: ``(store,
    created_at, amount)``; store ``eu`` is a Shopware shop in EUR, every other store a Shopify
    shop in USD."""
    open_destination(target).close()  # the schema
    synced = datetime(2027, 2, 1)
    statements: list[tuple[str, list[Any]]] = []
    for n, (store, created, amount) in enumerate(refunds):
        platform, currency = ("shopware", "EUR") if store == "eu" else ("shopify", "USD")
        when = created.astimezone(UTC).replace(tzinfo=None) if created else None
        statements.append(
            (
                "INSERT INTO orders (store, platform, id, status, currency, shop_currency, total, "
                "total_shop, created_at, content_hash, synced_at) "
                "VALUES (?, ?, ?, 'open', ?, ?, 100, 100, ?, 'h', ?)",
                [store, platform, f"o{n}", currency, currency, when, synced],
            )
        )
        statements.append(
            (
                "INSERT INTO refunds (store, platform, order_id, id, status, currency, "
                "shop_currency, total, total_shop, quantity, restocked_quantity, created_at, "
                "synced_at) VALUES (?, ?, ?, ?, 'success', ?, ?, ?, ?, 1, 0, ?, ?)",
                [
                    store,
                    platform,
                    f"o{n}",
                    f"r{n}",
                    currency,
                    currency,
                    Decimal(amount),
                    Decimal(amount),
                    when,
                    synced,
                ],
            )
        )
    execute(target, iter(statements))
    return target


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def groups(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(r["group"], r["currency"], r["refunds"], r["amount"]) for r in rows]


def test_iso_weeks_start_on_monday_and_belong_to_the_iso_year(db: Path | str) -> None:
    refund_db(
        db,
        [
            ("us", at("2024-12-29T23:59:59"), "1.00"),  # Sunday: 2024-W52
            ("us", at("2024-12-30T00:00:00"), "2.00"),  # Monday, still December: 2025-W01
            ("us", at("2026-12-06T23:59:59"), "3.00"),  # Sunday: 2026-W49
            ("us", at("2026-12-07T00:00:00"), "4.00"),  # Monday: 2026-W50
            ("us", at("2026-12-31T12:00:00"), "5.00"),  # Thursday: 2026-W53
            ("us", at("2027-01-01T08:00:00"), "6.50"),  # Friday of 2026's last ISO week
            ("us", at("2027-01-04T00:00:00"), "7.00"),  # Monday: 2027-W01
        ],
    )
    rows = report(db, "refunds", group_by="week")
    assert groups(rows) == [
        ("2024-W52", "USD", 1, Decimal("1.00")),
        ("2025-W01", "USD", 1, Decimal("2.00")),
        ("2026-W49", "USD", 1, Decimal("3.00")),
        ("2026-W50", "USD", 1, Decimal("4.00")),
        ("2026-W53", "USD", 2, Decimal("11.50")),
        ("2027-W01", "USD", 1, Decimal("7.00")),
    ]


def test_months_split_at_utc_midnight_and_by_currency(db: Path | str) -> None:
    refund_db(
        db,
        [
            ("us", at("2026-11-30T23:59:59"), "1.00"),
            ("us", at("2026-12-01T00:00:00"), "2.00"),
            # 23:30 on 31 Dec in New York is already January in UTC
            ("us", datetime.fromisoformat("2026-12-31T23:30:00-05:00"), "4.00"),
            ("eu", at("2026-12-15T10:00:00"), "8.00"),
        ],
    )
    assert groups(report(db, "refunds", group_by="month")) == [
        ("2026-11", "USD", 1, Decimal("1.00")),
        ("2026-12", "EUR", 1, Decimal("8.00")),  # never added to the USD row
        ("2026-12", "USD", 1, Decimal("2.00")),
        ("2027-01", "USD", 1, Decimal("4.00")),
    ]
    days = report(db, "refunds", group_by="day", since=date(2026, 12, 1), until=date(2027, 1, 1))
    assert [r["group"] for r in days] == ["2026-12-01", "2026-12-15"]


def test_orders_and_returns_reports_group_by_week_and_month(db: Path | str) -> None:
    refund_db(
        db,
        [("us", at("2026-12-01T09:00:00"), "1.00"), ("us", at("2026-12-08T09:00:00"), "2.00")],
    )
    weeks = report(db, "orders", group_by="week")
    assert [(r["group"], r["orders"], r["refunded"]) for r in weeks] == [
        ("2026-W49", 1, Decimal("1.00")),
        ("2026-W50", 1, Decimal("2.00")),
    ]
    months = report(db, "orders", group_by="month")
    assert [(r["group"], r["orders"], r["sales"]) for r in months] == [
        ("2026-12", 2, Decimal("200.00"))
    ]
    assert report(db, "returns", group_by="month") == []  # no returns, no refunded returns


def test_rows_without_a_date_fall_in_unknown(db: Path | str) -> None:
    refund_db(db, [("us", None, "3.00"), ("us", NOW, "1.00")])
    for group_by in ("day", "week", "month"):
        labels = [r["group"] for r in report(db, "refunds", group_by=group_by)]
        assert labels[-1] == "unknown"
        assert len(labels) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", date(2026, 12, 2)),
        (" Yesterday ", date(2026, 12, 1)),
        ("tomorrow", date(2026, 12, 3)),
        ("now", datetime(2026, 12, 2, 15, 30, 45, tzinfo=UTC)),
        ("7d", datetime(2026, 11, 25, 15, 30, 45, tzinfo=UTC)),
        ("12h", datetime(2026, 12, 2, 3, 30, 45, tzinfo=UTC)),
        ("90m", datetime(2026, 12, 2, 14, 0, 45, tzinfo=UTC)),
        ("2w", datetime(2026, 11, 18, 15, 30, 45, tzinfo=UTC)),
        ("2026-01-31", date(2026, 1, 31)),
        ("2026-01-31T10:00", datetime(2026, 1, 31, 10, tzinfo=UTC)),  # no zone: UTC
        ("2026-01-31T10:00Z", datetime(2026, 1, 31, 10, tzinfo=UTC)),
        ("2026-01-31T10:00+02:00", datetime(2026, 1, 31, 8, tzinfo=UTC)),
    ],
)
def test_moments_absolute_and_relative_to_now(text: str, expected: date | datetime) -> None:
    moment = parse_moment(text, now=NOW)
    assert type(moment) is type(expected)
    assert moment == expected


def test_today_is_the_utc_day_whatever_the_caller_zone() -> None:
    late_in_new_york = datetime.fromisoformat("2026-12-01T21:00:00-05:00")  # 02:00 UTC on 2 Dec
    assert parse_moment("today", now=late_in_new_york) == date(2026, 12, 2)


@pytest.mark.parametrize("text", ["", "last week", "7", "d7", "-7d", "7 days", "2026-13-01"])
def test_a_moment_that_is_none_of_the_forms_says_which_forms_exist(text: str) -> None:
    with pytest.raises(ValueError, match="today, yesterday, tomorrow, now or a time ago"):
        parse_moment(text, now=NOW)


def test_periods_are_described_and_checked_for_emptiness() -> None:
    day, next_day = date(2026, 12, 1), date(2026, 12, 2)
    assert describe_period(day, next_day) == "between 2026-12-01 and 2026-12-02"
    assert describe_period(NOW, None) == "since 2026-12-02T15:30:45.123456Z"
    assert describe_period(None, day) == "before 2026-12-01"
    assert describe_period(None, None) == ""
    assert not is_empty(day, next_day)
    assert is_empty(next_day, day)
    assert is_empty(day, day)
    assert not is_empty(day, at("2026-12-01T00:00:01"))
    assert is_empty(at("2026-12-01T00:00:00"), day)  # the same instant


# --- the command ----------------------------------------------------------------------------------


def test_command_groups_by_week_as_json_lines_and_tables(db: Path | str) -> None:
    refund_db(
        db,
        [("us", at("2026-12-06T23:59:59"), "3.00"), ("us", at("2026-12-07T00:00:00"), "4.25")],
    )
    result = CliRunner().invoke(app, ["report", "refunds", "--db", str(db), "--group-by", "week"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["group"], r["amount"]) for r in lines] == [
        ("2026-W49", "3.00"),
        ("2026-W50", "4.25"),
    ]
    table = CliRunner().invoke(
        app,
        ["report", "refunds", "--db", str(db), "--table", "--group-by", "month"],
        env={"COLUMNS": "80"},
    )
    assert table.exit_code == 0, table.output
    assert "refunds by month between" not in table.stdout  # no period given: none named
    assert "refunds by month" in table.stdout
    assert "2026-12" in table.stdout
    assert "7.25" in table.stdout


@pytest.mark.parametrize("mode", ["--json", "--table"])
def test_an_empty_period_says_so_on_stderr_and_exits_0(tmp_path: Path, mode: str) -> None:
    db = refund_db(tmp_path / "e.duckdb", [("us", at("2026-11-15T10:00:00"), "3.00")])
    result = CliRunner().invoke(
        app,
        [
            "report",
            "refunds",
            "--db",
            str(db),
            mode,
            "--since",
            "2026-12-01",
            "--until",
            "2026-12-02",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # no squeezed table, no JSON
    assert result.stderr.strip() == f"no refunds between 2026-12-01 and 2026-12-02 in {db}"


def test_an_empty_database_says_so_without_a_period(tmp_path: Path) -> None:
    db = refund_db(tmp_path / "none.duckdb", [])
    result = CliRunner().invoke(app, ["report", "returns", "--db", str(db), "--table"])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.strip() == f"no returns in {db}"


def test_relative_since_and_until_on_the_command(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
    db = refund_db(
        tmp_path / "r.duckdb",
        [
            ("us", now, "1.00"),
            ("us", now - timedelta(days=3), "2.00"),
            ("us", now - timedelta(days=30), "4.00"),
        ],
    )

    def total(*period: str) -> str:
        result = CliRunner().invoke(app, ["report", "refunds", "--db", str(db), *period])
        assert result.exit_code == 0, result.output
        return "+".join(json.loads(line)["amount"] for line in result.stdout.splitlines())

    assert total("--since", "today") == "1.00"
    assert total("--since", "7d") == "3.00"
    assert total("--since", "5w", "--until", "7d") == "4.00"
    assert total("--until", "now") == "7.00"
    assert total("--until", "tomorrow") == "7.00"


def test_bad_or_backwards_periods_are_usage_errors(tmp_path: Path) -> None:
    db = refund_db(tmp_path / "b.duckdb", [])
    bad = CliRunner().invoke(app, ["report", "refunds", "--db", str(db), "--since", "lastweek"])
    assert bad.exit_code == 2
    assert "--since 'lastweek' is not a date (YYYY-MM-DD)" in bad.output
    backwards = CliRunner().invoke(
        app, ["report", "refunds", "--db", str(db), "--since", "today", "--until", "yesterday"]
    )
    assert backwards.exit_code == 2
    assert "is not before --until yesterday" in backwards.output
    missing = CliRunner().invoke(
        app, ["report", "refunds", "--db", str(tmp_path / "nope.duckdb"), "--since", "1x"]
    )
    assert missing.exit_code == 2  # bad input is refused before the database is opened
