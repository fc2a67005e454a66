"""``webhooks subscribe|list|unsubscribe`` (issue 18) on the three sandboxes: JSON Lines and
80-column tables, the Next Commerce secret read from the receiver's variable, and the
documented exit codes (3 no secret, 4 bad input, 5 Shopware refuses with the app hint)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import Run, lines_of
from rich.console import Console

from unified_orders.cli.webhooks_subscriptions import subscriptions_table
from unified_orders.webhooks.subscriptions import WebhookSubscription

URL = "https://hooks.example.com/webhooks/STORE"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "stores.toml"
    path.write_text(
        '[stores.nc]\nplatform = "nextcommerce"\nsandbox = true\n'
        '[stores.shop]\nplatform = "shopify"\nsandbox = true\nshop = "acme"\n'
        '[stores.sw]\nplatform = "shopware"\nsandbox = true\n',
        encoding="utf-8",
    )
    return path


def test_next_commerce_needs_the_receivers_secret_then_subscribes_lists_unsubscribes(
    run: Run, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = run(
        "webhooks", "subscribe", "nc", "--url", URL, "-t", "refund.created", config=config
    )
    assert refused.exit_code == 3
    assert "UNIFIED_ORDERS_WEBHOOK_SECRET_NC" in refused.stderr
    monkeypatch.setenv("UNIFIED_ORDERS_WEBHOOK_SECRET_NC", "s3cret")
    made = run("webhooks", "subscribe", "nc", "--url", URL, "-t", "refund.created", config=config)
    assert made.exit_code == 0, made.stderr
    (sub,) = lines_of(made)
    assert sub["api_version"] == "2024-04-01"
    assert "refund.created" in sub["topics"]
    assert "s3cret" not in made.stdout
    assert [s["id"] for s in lines_of(run("webhooks", "list", "nc", config=config))] == [sub["id"]]
    gone = run("webhooks", "unsubscribe", "nc", sub["id"], config=config)
    assert lines_of(gone) == [{"store": "nc", "id": sub["id"], "unsubscribed": True}]
    assert lines_of(run("webhooks", "list", "nc", config=config)) == []


def test_a_named_secret_variable_is_read_instead(
    run: Run, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_SECRET", "x")
    args = ("webhooks", "subscribe", "nc", "--url", URL, "--secret-env", "MY_SECRET")
    assert run(*args, config=config).exit_code == 0


def test_shopify_subscriptions_as_a_table_fit_80_columns(run: Run, config: Path) -> None:
    made = run(
        "webhooks", "subscribe", "shop", "--url", URL, "-t", "refund.created", "-t",
        "fulfillment_order.held", config=config,
    )  # fmt: skip
    assert [s["platform_topics"] for s in lines_of(made)] == [
        ["REFUNDS_CREATE"],
        ["FULFILLMENT_ORDERS_PLACED_ON_HOLD"],
    ]
    table = run("webhooks", "list", "shop", "--table", config=config)
    assert table.exit_code == 0
    assert "REFUNDS_CREATE" in table.stdout
    subs = [WebhookSubscription(**row) for row in lines_of(made)]
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(subscriptions_table(subs))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "REFUNDS_CREATE" in text
    assert subs[0].id.rsplit("/", 1)[1] in text  # the number: `unsubscribe` takes it
    ids = run("webhooks", "list", "shop", "--fields", "id", config=config)
    assert all(set(row) == {"id"} for row in lines_of(ids))


def test_shopware_refuses_with_the_unsupported_code_and_the_app_hint(
    run: Run, config: Path
) -> None:
    for args in (("subscribe", "sw", "--url", URL), ("list", "sw"), ("unsubscribe", "sw", "1")):
        result = run("webhooks", *args, config=config)
        assert result.exit_code == 5
        assert "installed app" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("subscribe", "shop", "--url", "not a url"),
        ("subscribe", "shop", "--url", URL, "-t", "no.such.event"),
        ("unsubscribe", "shop", "gid://shopify/Order/1"),
    ],
)
def test_bad_input_is_the_invalid_request_code(
    run: Run, config: Path, args: tuple[str, ...]
) -> None:
    assert run("webhooks", *args, config=config).exit_code == 4
