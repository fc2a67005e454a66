"""One clear error line, documented exit codes, --debug tracebacks, secrets never printed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import toy_platform
from conftest import Run, lines_of

import unified_orders as uo
from unified_orders.cli.errors import ExitCode, describe, exit_code_for
from unified_orders.errors import ResponseLost

SECRET = "tok-very-secret-9876"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (uo.ConfigurationError("x"), 3),
        (uo.InvalidRequest([uo.Problem("lines[0]", "bad")]), 4),
        (uo.UnsupportedOperation("p", "returns.create", "hint"), 5),
        (uo.NotFound("gone", status=404, platform="p"), 6),
        (uo.IllegalTransition("no", status=422, platform="p"), 6),
        (uo.AmbiguousWrite("lost", idempotency_key="k-1"), 7),
        (RuntimeError("bug"), 1),
    ],
)
def test_exit_codes_are_distinct_and_documented(error: Exception, code: int) -> None:
    assert exit_code_for(error) == code
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"| {code} " in docs


def test_describe_is_one_line_with_code_and_problems() -> None:
    error = uo.PlatformError(
        "refused\nby the platform",
        status=422,
        code="too_many",
        platform="toy",
        problems=[uo.Problem("lines[0].quantity", "too many")],
    )
    line = describe(error)
    assert "\n" not in line
    assert line == (
        "platform error: toy: refused by the platform (status 422, code too_many) - "
        "lines[0].quantity: too many"
    )
    assert "k-1" in describe(uo.AmbiguousWrite("lost", idempotency_key="k-1"))
    assert describe(RuntimeError(f"x {SECRET}"), [SECRET]) == "error: RuntimeError: x ***"
    assert len(ExitCode) == 13


@pytest.fixture
def secret_store(tmp_path: Path, toy: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TOY_TOKEN", SECRET)
    path = tmp_path / "c.toml"
    path.write_text('[stores.s]\nplatform = "toy"\nsandbox = true\ntoken_env = "TOY_TOKEN"\n')
    return path


def test_secrets_never_appear_even_when_the_platform_echoes_them(
    run: Run, secret_store: Path
) -> None:
    result = run("orders", "get", "s", "leak", "--debug", config=secret_store)
    assert result.exit_code == 6
    assert "bad auth" in result.stderr
    assert SECRET not in result.stdout + result.stderr
    listed = run("stores", "list", config=secret_store)
    assert SECRET not in listed.stdout + listed.stderr


def test_debug_adds_the_traceback(run: Run, toy_config: Path) -> None:
    plain = run("orders", "get", "toy", "9999", config=toy_config)
    assert plain.exit_code == 6
    # issue 15: an id-shaped reference no order has is looked up as a number too, and the
    # error names both
    assert plain.stderr.strip().splitlines() == [
        "platform error: toy: no order has the id '9999' or the number '9999' "
        "(status 404, code order_not_found)"
    ]
    debug = run("orders", "get", "toy", "9999", "--debug", config=toy_config)
    assert debug.exit_code == 6
    assert "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.strip().endswith("(status 404, code order_not_found)")


def test_unexpected_errors_exit_1_and_suggest_debug(
    run: Run, toy_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Any, order_id: str) -> Iterator[Any]:
        raise RuntimeError("boom")
        yield

    monkeypatch.setattr(toy_platform.ToyAdapter, "get_order", broken)
    result = run("orders", "get", "toy", "1001", config=toy_config)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: RuntimeError: boom (run again with --debug for the traceback)"
    )


def test_lost_refund_response_is_an_ambiguous_write(
    run: Run, toy_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lost(self: Any, order: Any, calculation: Any, options: Any) -> Iterator[Any]:
        raise ResponseLost("connection reset after sending")
        yield

    monkeypatch.setattr(toy_platform.ToyAdapter, "create_refund", lost)
    result = run(
        "refunds",
        "create",
        "toy",
        "1001",
        "--line",
        "10011:1",
        "--yes",
        "--idempotency-key",
        "key-123",
        config=toy_config,
    )
    assert result.exit_code == 7
    assert result.stderr.startswith("ambiguous write: ")
    assert "key-123" in result.stderr
    assert lines_of(run("refunds", "list", "toy", "1001", config=toy_config)) == []


def test_debug_tracebacks_never_hold_a_secret(run: Run, secret_store: Path) -> None:
    # a 200 that is no order, echoing the token; the adapter puts the answer in its exception,
    # which the traceback shows as the cause of the platform error
    plain = run("orders", "get", "s", "echo", config=secret_store)
    assert plain.exit_code == 6
    assert "Token ***" in plain.stderr
    debug = run("orders", "get", "s", "echo", "--debug", config=secret_store)
    assert debug.exit_code == 6
    assert "Traceback (most recent call last)" in debug.stderr
    assert "\nValueError: not an order: {'echo': 'Token ***'}\n" in debug.stderr
    assert SECRET not in debug.stdout + debug.stderr


def test_a_refund_the_platform_declines_exits_10(
    run: Run, tmp_path: Path, toy: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "declining.toml"
    config.write_text('[stores.toy]\nplatform = "toy"\nsandbox = true\ndecline_refunds = true\n')
    args = ("refunds", "create", "toy", "1001", "--line", "10011:1", "--yes")
    result = run(*args, "--idempotency-key", "k-declined", config=config)
    assert result.exit_code == 10
    assert result.stderr.startswith("refund failed: refund refund-1 on order 1001 failed")
    assert "no money has moved" in result.stderr
    (refund,) = lines_of(run("refunds", "list", "toy", "1001", config=config))
    assert (refund["status"], refund["idempotency_key"]) == ("failure", "k-declined")
    # the same key names the failed refund: asking again says so, and sends nothing
    again = run(*args, "--idempotency-key", "k-declined", config=config)
    assert again.exit_code == 10
    assert len(lines_of(run("refunds", "list", "toy", "1001", config=config))) == 1


def test_a_pending_refund_exits_10_and_asks_before_it_is_read_again(
    run: Run, tmp_path: Path, toy: None
) -> None:
    config = tmp_path / "pending.toml"
    config.write_text('[stores.toy]\nplatform = "toy"\nsandbox = true\npending_refunds = true\n')
    args = ("refunds", "create", "toy", "1001", "--line", "10011:1", "--idempotency-key", "k-p")
    result = run(*args, "--yes", config=config)
    assert result.exit_code == 10
    assert "is still pending on the platform" in result.stderr
    assert "money may yet move" in result.stderr
    assert "do not issue a new refund" in result.stderr
    # the same key: said to be pending and read again (finishing it could move money: asked)
    unasked = run(*args, config=config)
    assert unasked.exit_code == 8, unasked.stderr  # not confirmed: nothing sent
    assert "carries idempotency key 'k-p' and is pending" in unasked.stderr
    again = run(*args, "--yes", config=config)
    assert again.exit_code == 10
    (refund,) = lines_of(run("refunds", "list", "toy", "1001", config=config))
    assert (refund["status"], refund["idempotency_key"]) == ("pending", "k-p")


def test_a_declined_refund_on_the_nextcommerce_sandbox_exits_10(run: Run) -> None:
    info = uo.adapters().get("nextcommerce")
    if info is None or info.error is not None:
        pytest.skip("the nextcommerce adapter is not registered")
    declining = [
        (order["id"], line["id"])
        for order in lines_of(run("orders", "list", "sandbox-nextcommerce"))
        if order["financial_status"] == "paid"
        and any(t.get("gateway") == "Sandbox Declining Gateway" for t in order["transactions"])
        for line in order["lines"]
        if line["current_quantity"] > line["refunded_quantity"]
    ]
    if not declining:
        pytest.skip("the nextcommerce sandbox has no order paid through its declining gateway")
    order, line = declining[0]
    args = ("refunds", "create", "sandbox-nextcommerce", order, "--line", f"{line}:1", "--yes")
    result = run(*args)
    assert result.exit_code == 10, result.stderr
    assert "no money has moved" in result.stderr


def test_ctrl_c_exits_130(run: Run, toy_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(self: Any, order_id: str) -> Iterator[Any]:
        raise KeyboardInterrupt
        yield

    monkeypatch.setattr(toy_platform.ToyAdapter, "get_order", interrupted)
    result = run("orders", "get", "toy", "1001", config=toy_config)
    assert result.exit_code == 130
    assert result.stderr.strip() == "interrupted: stopped by Ctrl-C"


def test_the_sandbox_state_is_saved_only_after_a_write(run: Run, toy_config: Path) -> None:
    from unified_orders.cli.sandboxes import SandboxStates

    state = SandboxStates().path("toy")
    assert run("orders", "get", "toy", "1001", config=toy_config).exit_code == 0
    assert not state.exists()  # a read saves nothing
    made = run("refunds", "create", "toy", "1001", "--line", "10011:1", "--yes", config=toy_config)
    assert made.exit_code == 0
    saved = state.stat()
    for args in (
        ("orders", "get", "toy", "1001"),
        ("orders", "list", "toy"),
        ("refunds", "create", "toy", "1001", "--line", "10011:1"),  # declined: no --yes
        ("refunds", "create", "toy", "1001", "--line", "10011:9", "--yes"),  # invalid
    ):
        run(*args, config=toy_config)
        now = state.stat()
        assert (now.st_ino, now.st_mtime_ns) == (saved.st_ino, saved.st_mtime_ns), args
