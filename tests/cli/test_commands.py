"""Every command through typer's CliRunner, against the toy platform's persisted sandbox store."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import Run, lines_of

from unified_orders import config as config_module


def test_refund_story_is_persisted_between_commands(run: Run, toy_config: Path) -> None:
    calc = run(
        "refunds",
        "calculate",
        "toy",
        "1001",
        "--line",
        "10011:1",
        "--shipping",
        "full",
        config=toy_config,
    )
    assert calc.exit_code == 0, calc.stderr
    (preview,) = lines_of(calc)
    assert preview["total"] == {"amount": "17.50", "currency": "USD", "shop": None}
    assert preview["lines"][0]["restock"] == "no_restock"  # fulfilled unit: inferred

    created = run(
        "refunds",
        "create",
        "toy",
        "1001",
        "--line",
        "10011:1",
        "--shipping",
        "full",
        "--note",
        "broken",
        "--yes",
        config=toy_config,
    )
    assert created.exit_code == 0, created.stderr
    (refund,) = lines_of(created)
    assert refund["total"]["amount"] == "17.50"
    assert refund["note"] == "broken"
    assert refund["idempotency_key"]

    order = lines_of(run("orders", "get", "toy", "1001", config=toy_config))[0]
    mug = next(line for line in order["lines"] if line["id"] == "10011")
    assert mug["refunded_quantity"] == 1
    assert [r["id"] for r in order["refunds"]] == [refund["id"]]
    listed = lines_of(run("refunds", "list", "toy", "1001", config=toy_config))
    assert [r["id"] for r in listed] == [refund["id"]]

    again = run("refunds", "create", "toy", "1001", "--line", "10011:2", "--yes", config=toy_config)
    assert again.exit_code == 4  # only one unit left: validation, nothing sent
    assert "lines[0].quantity" in again.stderr
    assert len(lines_of(run("refunds", "list", "toy", "1001", config=toy_config))) == 1

    reset = run("sandbox", "reset", config=toy_config)
    assert reset.exit_code == 0
    assert "reset toy" in reset.stderr
    assert lines_of(run("refunds", "list", "toy", "1001", config=toy_config)) == []


def test_refund_create_without_terminal_or_yes_sends_nothing(run: Run, toy_config: Path) -> None:
    result = run("refunds", "create", "toy", "1001", "--line", "10012:1", config=toy_config)
    assert result.exit_code == 8
    assert "nothing was sent" in result.stderr
    assert "--yes" in result.stderr
    (preview,) = lines_of(result)  # the preview is still shown, as JSON
    assert preview["lines"][0]["restock"] == "cancel"
    assert lines_of(run("refunds", "list", "toy", "1001", config=toy_config)) == []


def test_notifications_are_off_unless_asked(run: Run, toy_config: Path) -> None:
    result = run(
        "--table",
        "refunds",
        "create",
        "toy",
        "1001",
        "--line",
        "10012:1",
        "--yes",
        config=toy_config,
    )
    assert result.exit_code == 0, result.stderr
    assert "customer notification: off" in result.stderr
    assert "Refund preview for order 1001" in result.stdout
    assert "20.00 USD" in result.stdout


def test_orders_list_get_cancel_set_address(run: Run, toy_config: Path) -> None:
    listed = run("orders", "list", "toy", "--limit", "2", config=toy_config)
    assert [o["id"] for o in lines_of(listed)] == ["1001", "1002"]

    refused = run("orders", "cancel", "toy", "1002", "--reason", "customer", config=toy_config)
    assert refused.exit_code == 8
    (effect,) = lines_of(refused)
    assert effect == {
        "action": "orders.cancel",
        "order_id": "1002",
        "number": "#1002",
        "status": "open",
        "total": {"amount": "90.00", "currency": "USD", "shop": None},
        "reason": "customer",
        "refund": False,
        "restock": False,
        "notify": False,
        # issue 15: what the cancel will do with the money and the stock
        "payment": "keep",
        "refunded": {"amount": "0.00", "currency": "USD", "shop": None},
        "kept": {"amount": "90.00", "currency": "USD", "shop": None},
        "voided": {"amount": "0.00", "currency": "USD", "shop": None},
        "restocks": False,
        "restock_note": "not asked",
    }
    assert lines_of(run("orders", "get", "toy", "1002", config=toy_config))[0]["status"] == "open"

    canceled = run(
        "orders", "cancel", "toy", "1002", "--reason", "customer", "--yes", config=toy_config
    )
    assert canceled.exit_code == 0, canceled.stderr
    assert lines_of(canceled)[0]["status"] == "canceled"
    twice = run("orders", "cancel", "toy", "1002", "--yes", config=toy_config)
    assert twice.exit_code == 6
    assert "order already canceled (status 422, code invalid_state)" in twice.stderr

    moved = run(
        "orders",
        "set-address",
        "toy",
        "1003",
        "--postal-code",
        "99999",
        "--line1",
        "1 Main St",
        config=toy_config,
    )
    assert moved.exit_code == 0, moved.stderr
    address = lines_of(moved)[0]["shipping_address"]
    assert address["postal_code"] == "99999"
    assert address["city"] == "Springfield"  # kept
    assert run("orders", "set-address", "toy", "1003", config=toy_config).exit_code == 2


def test_returns_lifecycle(run: Run, toy_config: Path) -> None:
    created = run(
        "returns",
        "create",
        "toy",
        "1001",
        "--line",
        "10011:1:damaged",
        "--requested",
        config=toy_config,
    )
    assert created.exit_code == 0, created.stderr
    ret = lines_of(created)[0]
    assert ret["status"] == "requested"
    assert ret["lines"][0]["reason"] == "damaged"
    rid = ret["id"]
    assert lines_of(run("returns", "get", "toy", rid, config=toy_config))[0]["id"] == rid
    assert [
        r["id"] for r in lines_of(run("returns", "list", "toy", "1001", config=toy_config))
    ] == [rid]
    for action, status in [
        ("approve", "open"),
        ("close", "closed"),
        ("reopen", "open"),
        ("cancel", "canceled"),
    ]:
        result = run("returns", action, "toy", rid, "--note", "ok", config=toy_config)
        assert result.exit_code == 0, result.stderr
        assert lines_of(result)[0]["status"] == status
    declined = run("returns", "decline", "toy", rid, config=toy_config)
    assert declined.exit_code == 6
    assert "invalid_transition" in declined.stderr

    second = lines_of(
        run(
            "returns",
            "create",
            "toy",
            "1003",
            "--line",
            "10031:1",
            "--requested",
            config=toy_config,
        )
    )[0]
    assert (
        lines_of(run("returns", "decline", "toy", second["id"], config=toy_config))[0]["status"]
        == "declined"
    )
    unfulfilled = run("returns", "create", "toy", "1001", "--line", "10012:1", config=toy_config)
    assert unfulfilled.exit_code == 4
    assert run("returns", "create", "toy", "1001", config=toy_config).exit_code == 2


def test_fulfillment_commands(run: Run, toy_config: Path) -> None:
    (fo,) = lines_of(run("fulfillments", "list", "toy", "1003", config=toy_config))
    assert fo["id"] == "fo-1003"
    held = lines_of(
        run(
            "fulfillments",
            "hold",
            "toy",
            "fo-1003",
            "--reason",
            "incorrect_address",
            "--note",
            "check street",
            config=toy_config,
        )
    )[0]
    assert held["status"] == "on_hold"
    assert held["holds"][0]["reason"] == "incorrect_address"
    assert (
        run(
            "fulfillments", "hold", "toy", "fo-1003", "--reason", "bogus", config=toy_config
        ).exit_code
        == 2
    )
    released = lines_of(run("fulfillments", "release", "toy", "fo-1003", config=toy_config))[0]
    assert released["status"] == "open"
    assert released["holds"] == []
    locations = lines_of(run("fulfillments", "locations", "toy", "fo-1003", config=toy_config))
    assert locations == [{"id": "loc-2", "name": "Overflow"}]
    moved = lines_of(
        run(
            "fulfillments",
            "move",
            "toy",
            "fo-1003",
            "loc-2",
            "--line",
            "fol-10032:3",
            config=toy_config,
        )
    )[0]
    assert moved["location_id"] == "loc-2"
    requested = lines_of(
        run("fulfillments", "request", "toy", "fo-1003", "--message", "ship", config=toy_config)
    )[0]
    assert requested["status"] == "in_progress"
    canceled = lines_of(run("fulfillments", "cancel-request", "toy", "fo-1003", config=toy_config))[
        0
    ]
    assert canceled["status"] == "open"
    bad = run("fulfillments", "move", "toy", "fo-1003", "loc-1", "--line", "x:0", config=toy_config)
    assert bad.exit_code == 2
    missing = run("fulfillments", "hold", "toy", "fo-9", config=toy_config)
    assert missing.exit_code == 6
    assert "no such fulfillment order" in missing.stderr


def test_unsupported_operation_exits_5_with_the_hint(run: Run, tmp_path: Path, toy: None) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[stores.t]\nplatform = "toy"\nsandbox = true\ndisabled = ["returns.create"]\n')
    result = run("returns", "create", "t", "1001", "--line", "10011:1", config=path)
    assert result.exit_code == 5
    assert result.stderr.strip() == (
        "unsupported: toy does not support returns.create: this toy store has returns.create "
        "switched off"
    )


def test_stores_check_and_coverage(run: Run, toy_config: Path) -> None:
    checked = run("stores", "check", config=toy_config)
    assert checked.exit_code == 0, checked.stderr
    assert lines_of(checked) == [
        {"store": "toy", "platform": "toy", "ok": True, "order": "1001", "detail": "read one order"}
    ]
    coverage = lines_of(run("coverage", config=toy_config))
    rows = {row["capability"]: row["platforms"]["toy"] for row in coverage}
    assert rows["refunds.create"] == {"supported": True}
    assert rows["orders.create"] == {
        "supported": False,
        "hint": "the toy platform imports no orders",
    }
    table = run("coverage", "--table", config=toy_config)
    assert "fulfillments.move" in table.stdout
    assert "the toy platform imports no orders" in table.stdout
    per_store = lines_of(run("coverage", "toy", config=toy_config))
    assert {row["capability"] for row in per_store} == set(rows)


def test_stores_check_reports_a_broken_store(run: Run, tmp_path: Path, toy: None) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[stores.ok]\nplatform = "toy"\nsandbox = true\n'
        '[stores.bad]\nplatform = "toy"\ntoken_env = "UNSET_TOKEN_VAR"\n'
    )
    result = run("stores", "check", config=path)
    assert result.exit_code == 3
    records = {r["store"]: r for r in lines_of(result)}
    assert records["ok"]["ok"] is True
    assert records["bad"]["ok"] is False
    assert "UNSET_TOKEN_VAR" in records["bad"]["detail"]
    assert "1 of 2 store(s) failed the check: bad" in result.stderr


def test_builtin_sandbox_store_without_any_config(
    run: Run, toy: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config_module, "BUILTIN_SANDBOX_PLATFORMS", ("toy",))
    stores = lines_of(run("stores", "list"))
    assert stores == [
        {
            "name": "sandbox-toy",
            "platform": "toy",
            "sandbox": True,
            "source": "built-in",
            "settings": {},
        }
    ]
    assert (
        run("refunds", "create", "sandbox-toy", "1001", "--line", "10012:1", "--yes").exit_code == 0
    )
    order = lines_of(run("orders", "get", "sandbox-toy", "1001"))[0]
    assert order["lines"][1]["refunded_quantity"] == 1
    assert order["transactions"][0]["refundable"]["amount"] == str(Decimal("70.00"))


def test_global_flags_anywhere_and_table_output(run: Run, toy_config: Path) -> None:
    result = run("orders", "get", "toy", "1001", "--table", config=toy_config)
    assert result.exit_code == 0
    assert "Order #1001 (toy)" in result.stdout
    assert "12.50 USD" in result.stdout
    assert "90.00 USD" in result.stdout
    assert run("--json", "--table", "stores", "list", config=toy_config).exit_code == 2


def test_usage_errors_exit_2(run: Run, toy_config: Path) -> None:
    assert run("orders", "frobnicate", config=toy_config).exit_code == 2
    assert run("refunds", "create", "toy", "1001", config=toy_config).exit_code == 2
    assert (
        run(
            "refunds", "calculate", "toy", "1001", "--line", "10011:many", config=toy_config
        ).exit_code
        == 2
    )
    assert run("refunds", "create", "toy", config=toy_config).exit_code == 2
