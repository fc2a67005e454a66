"""The command's own options: a dry run writes nothing (no map, no order), ``--orders`` and
``--limit`` choose the orders, and a run without ``--yes`` and no terminal sends nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from migrate_helpers import Migrate, by_outcome


def _count(cli: Callable[..., Any], store: str) -> int:
    listed = cli("--json", "orders", "list", store)
    return len([line for line in listed.stdout.splitlines() if line.strip()])


def test_dry_run_lists_every_problem_and_writes_nothing(
    migrate: Migrate, cli: Callable[..., Any], db: Path
) -> None:
    before = _count(cli, "sandbox-nextcommerce")
    code, summary = migrate("shopify", "nextcommerce", "--dry-run")
    assert code == 9
    assert summary["dry_run"] is True
    assert not db.exists()
    assert _count(cli, "sandbox-nextcommerce") == before
    refused = by_outcome(summary, "refused")
    assert len(refused) == len(summary["orders"])  # no map: no product has a target variant
    assert all(o["problems"] for o in refused)


def test_orders_file_and_limit_choose_the_orders(
    migrate: Migrate, cli: Callable[..., Any], tmp_path: Path
) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("# the two to move\n10002\n\n#10003\n99999\n", encoding="utf-8")
    code, summary = migrate("nextcommerce", "shopware", "--orders", str(ids))
    assert code == 9  # one named order does not exist: it fails alone
    assert [(o["source_id"], o["outcome"]) for o in summary["orders"]] == [
        ("10002", "created"),
        ("10003", "created"),
        ("99999", "failed"),
    ]
    assert "not found" in summary["orders"][2]["problems"][0]
    code, summary = migrate("nextcommerce", "shopware", "--limit", "1")
    assert [(o["source_id"], o["outcome"]) for o in summary["orders"]] == [("10001", "created")]
    code, summary = migrate("nextcommerce", "shopware", "--limit", "1")
    assert [o["outcome"] for o in summary["orders"]] == ["skipped"] * 3 + ["created"]


def test_without_yes_and_no_terminal_nothing_is_sent(cli: Callable[..., Any], db: Path) -> None:
    before = _count(cli, "sandbox-shopify")
    result = cli("migrate", "sandbox-nextcommerce", "sandbox-shopify", "--db", str(db))
    assert result.exit_code == 8
    assert _count(cli, "sandbox-shopify") == before
    assert "--yes" in result.output
    assert not db.exists()
