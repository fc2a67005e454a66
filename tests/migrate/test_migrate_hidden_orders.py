"""A migration whose source hides orders from its credentials (a Shopify app without
``read_all_orders`` sees only the last 60 days) says so and is not complete, rather than
migrating the visible part as if it were all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import unified_orders as uo
from unified_orders.migrate import Endpoint, Migration, MigrationOptions


def _migration(since: datetime | None) -> Migration:
    if "shopify" not in uo.adapters() or uo.adapters()["shopify"].error:
        pytest.skip("the shopify adapter is not registered in this environment")
    source = uo.connect("shopify", sandbox=True)
    source.sandbox.state.data["denied_scopes"] = ["read_all_orders"]  # type: ignore[union-attr]
    target = uo.connect("nextcommerce", sandbox=True)
    options = MigrationOptions(since=since, dry_run=True)
    return Migration(Endpoint("src", source), Endpoint("dst", target), None, options)


def test_a_window_reaching_past_what_the_source_shows_is_not_complete() -> None:
    summary = _migration(None).run()
    assert [entry.split(" (")[0] for entry in summary.not_read] == [
        "orders placed more than 60 days ago"
    ]
    assert "read_all_orders" in summary.not_read[0]
    assert summary.complete is False
    assert summary.as_dict()["not_read"] == summary.not_read


def test_a_window_inside_what_the_source_shows_hides_nothing() -> None:
    recent = datetime.now(UTC) - timedelta(days=30)
    summary = _migration(recent).run()
    assert summary.not_read == []
    assert summary.as_dict()["not_read"] == []
