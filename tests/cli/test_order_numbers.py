"""The CLI takes orders the way support tickets name them (issue 15): every ORDER argument takes
the order number as the shop shows it, and ``orders list`` filters by number, email and status,
on every platform and Shopify dialect (sandbox stores)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import Run, lines_of

STORES = {
    "nc": 'platform = "nextcommerce"',
    "graphql": 'platform = "shopify"\napi = "graphql"',
    "rest": 'platform = "shopify"\napi = "rest"',
    "sw": 'platform = "shopware"',
}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "stores.toml"
    path.write_text(
        "".join(f"[stores.{name}]\n{body}\nsandbox = true\n\n" for name, body in STORES.items()),
        encoding="utf-8",
    )
    return path


@pytest.fixture(params=list(STORES))
def store(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def listed(run: Run, config: Path, store: str, *flags: str) -> list[dict[str, Any]]:
    result = run("orders", "list", store, *flags, config=config)
    assert result.exit_code == 0, result.stderr
    return lines_of(result)


def bare(number: str) -> str:
    return number.removeprefix("#")


def test_orders_get_takes_the_number_the_shop_shows(run: Run, config: Path, store: str) -> None:
    for order in listed(run, config, store):
        for ref in (order["number"], f"#{bare(order['number'])}", order["id"]):
            result = run("orders", "get", store, ref, config=config)
            assert result.exit_code == 0, (ref, result.stderr)
            assert lines_of(result)[0]["id"] == order["id"]


def test_every_order_argument_takes_a_number(run: Run, config: Path, store: str) -> None:
    orders = listed(run, config, store)
    order = next(o for o in orders if any(x["fulfilled_quantity"] for x in o["lines"]))
    number = f"#{bare(order['number'])}"
    line = next(x for x in order["lines"] if x["current_quantity"] > x["refunded_quantity"])
    commands = [
        ("refunds", "calculate", store, number, "--line", f"{line['id']}:1"),
        ("refunds", "list", store, number),
        ("fulfillments", "list", store, number),
    ]
    if store in ("graphql", "sw"):
        commands.append(("returns", "list", store, number))
    for command in commands:
        by_number = run(*command, config=config)
        assert by_number.exit_code == 0, (command, by_number.stderr)
        by_id = run(*[order["id"] if part == number else part for part in command], config=config)
        assert by_number.stdout == by_id.stdout, command
    created = run(
        "refunds", "create", store, number, "--line", f"{line['id']}:1", "--yes", config=config
    )
    assert created.exit_code == 0, created.stderr
    assert lines_of(created)[-1]["order_id"] == order["id"]


def test_cancel_takes_a_number(run: Run, config: Path, store: str) -> None:
    for order in listed(run, config, store, "--status", "open"):
        number = f"#{bare(order['number'])}"
        refused = run("orders", "cancel", store, number, config=config)
        assert refused.exit_code == 8  # not on a terminal, no --yes: nothing sent
        assert lines_of(refused)[0]["order_id"] == order["id"]
        canceled = run("orders", "cancel", store, number, "--yes", config=config)
        if canceled.exit_code == 6:
            continue  # the platform refuses this one; try another
        assert canceled.exit_code == 0, canceled.stderr
        assert lines_of(canceled)[-1]["id"] == order["id"]
        assert [o["id"] for o in listed(run, config, store, "--status", "canceled")] == [
            order["id"]
        ]
        return
    pytest.fail(f"{store}: no open order could be canceled")


def test_orders_list_filters_by_number_email_and_status(run: Run, config: Path, store: str) -> None:
    everything = listed(run, config, store)
    for order in everything:
        found = listed(run, config, store, "--number", f"#{bare(order['number'])}")
        assert [o["id"] for o in found] == [order["id"]]
    email = everything[0]["email"]
    expected = [o["id"] for o in everything if o["email"].lower() == email.lower()]
    assert [o["id"] for o in listed(run, config, store, "--email", email.upper())] == expected
    for status in ("open", "closed", "canceled"):
        expected = [o["id"] for o in everything if o["status"] == status]
        assert [o["id"] for o in listed(run, config, store, "--status", status)] == expected
    unknown = run("orders", "list", store, "--status", "shipped", config=config)
    assert unknown.exit_code == 2


def test_a_filter_the_platform_lacks_is_said_and_still_exact(run: Run, config: Path) -> None:
    email = listed(run, config, "nc")[1]["email"]
    result = run("orders", "list", "nc", "--email", email, config=config)
    assert result.exit_code == 0, result.stderr
    assert "cannot filter by --email" in result.stderr
    assert [o["email"] for o in lines_of(result)] == [email]
    result = run("orders", "list", "rest", "--number", "1002", config=config)
    assert "cannot filter by --number" in result.stderr
    assert [o["number"] for o in lines_of(result)] == ["#1002"]
    quiet = run(
        "orders", "list", "sw", "--number", "10002", "--email", "x@example.com", config=config
    )
    assert quiet.exit_code == 0
    assert "cannot filter" not in quiet.stderr


def test_an_unknown_number_exits_6_naming_it(run: Run, config: Path, store: str) -> None:
    result = run("orders", "get", store, "#99999", config=config)
    assert result.exit_code == 6
    assert "number '#99999'" in result.stderr


def test_help_says_an_order_can_be_a_number(run: Run) -> None:
    result = run("orders", "get", "--help")
    assert "#1001" in result.stdout
    listing = run("orders", "list", "--help")
    for flag in ("--number", "--email", "--status"):
        assert flag in listing.stdout
