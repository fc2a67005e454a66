"""Messages for CLI users: hints in commands, no ``status None``, no doubled prefixes, Next
Commerce 404s naming the object, trimmed inputs, and flags shown as flags in ``--help``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import toy_platform
from conftest import Run, lines_of

import unified_orders as uo
from unified_orders.adapter import Response
from unified_orders.cli.app import app
from unified_orders.cli.errors import cli_terms, describe, error_object
from unified_orders.errors import Hint


def needs(platform: str) -> None:
    info = uo.adapters().get(platform)
    if info is None or info.error is not None:
        pytest.skip(f"the {platform} adapter is not registered")


# --- hints in CLI terms ---------------------------------------------------------------------------
def test_a_hint_has_a_library_and_a_cli_wording() -> None:
    hint = Hint("use store.refunds.create(order_id, ...)", cli="use unified-orders refunds create")
    assert hint == "use store.refunds.create(order_id, ...)"  # a str: the library wording
    assert cli_terms(hint) == "use unified-orders refunds create"
    assert cli_terms("plain text") == "plain text"
    error = uo.UnsupportedOperation("p", "returns.create", hint)
    assert "store.refunds.create" in str(error)  # the library's own message is unchanged
    assert describe(error) == (
        "unsupported: p does not support returns.create: use unified-orders refunds create"
    )


def test_hint_placeholders_take_the_command_arguments(
    run: Run, toy_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def hint(self: Any, capability: uo.Capability) -> str:
        return Hint("store.refunds.create(...)", cli="unified-orders refunds create STORE ORDER")

    monkeypatch.setattr(toy_platform.ToyAdapter, "hint", hint)
    path = toy_config.with_name("off.toml")
    path.write_text('[stores.toy]\nplatform = "toy"\nsandbox = true\ndisabled = ["returns.list"]\n')
    result = run("returns", "list", " toy ", "#1001", config=path)
    assert result.exit_code == 5
    assert result.stderr.strip().endswith("unified-orders refunds create toy '#1001'")
    assert "store.refunds" not in result.stderr
    error = json.loads(run("--json", "returns", "list", "toy", "1001", config=path).stderr)
    assert error["error"]["hint"] == "unified-orders refunds create toy 1001"


def test_library_keywords_become_options() -> None:
    error = uo.AmbiguousWrite(
        "refunds.create: lost. Check the platform before retrying with idempotency_key='k-1'.",
        idempotency_key="k-1",
    )
    line = describe(error)
    assert "idempotency_key=" not in line
    assert "retrying with --idempotency-key k-1." in line
    assert error_object(error)["error"]["idempotency_key"] == "k-1"


def test_next_commerce_returns_hint_names_the_command(run: Run) -> None:
    needs("nextcommerce")
    result = run("returns", "list", "sandbox-nextcommerce", "10001")
    assert result.exit_code == 5
    assert "unified-orders refunds create sandbox-nextcommerce 10001 --line LINE:QTY:return" in (
        result.stderr
    )
    assert "store.refunds.create" not in result.stderr
    assert "uo." not in result.stderr
    coverage = lines_of(run("coverage"))
    hints = [
        cell.get("hint") or ""
        for row in coverage
        for cell in row["platforms"].values()
        if not cell["supported"]
    ]
    assert any("unified-orders refunds create" in hint for hint in hints)
    assert not any("store." in hint or "uo." in hint for hint in hints)
    with (
        uo.connect("nextcommerce", sandbox=True) as store,
        pytest.raises(uo.UnsupportedOperation) as caught,
    ):
        store.returns.list("10001")
    assert "store.refunds.create" in caught.value.hint  # the library keeps its own wording


# --- no "status None", no doubled prefixes -------------------------------------------------------------
def test_a_platform_error_without_a_status_names_only_its_code() -> None:
    error = uo.PlatformError("refused", code="USER_ERROR", platform="shopify")
    assert str(error) == "shopify: refused (code USER_ERROR)"
    assert "None" not in describe(error)
    assert str(uo.PlatformError("gone", status=404, platform="p")) == "p: gone (status 404)"
    both = uo.PlatformError("no", status=422, code="c", platform="p")
    assert str(both) == "p: no (status 422, code c)"


def test_an_invalid_request_is_said_once(run: Run) -> None:
    needs("shopify")
    result = run("orders", "get", "sandbox-shopify", "gid://shopify/Order/abc")
    assert result.exit_code == 4
    assert result.stderr.startswith("invalid request: order_id: ")
    assert result.stderr.count("invalid") == 1
    error = uo.InvalidRequest([uo.Problem("order_id", "not an id")])
    assert describe(error) == "invalid request: order_id: not an id"
    labelled = uo.InvalidRequest([uo.Problem("lines[0]", "bad")], operation="refunds.create")
    assert describe(labelled) == "invalid request: lines[0]: bad"


# --- Next Commerce 404s name the object ----------------------------------------------------------
def test_next_commerce_404s_name_the_object(run: Run) -> None:
    needs("nextcommerce")
    order = run("orders", "get", "sandbox-nextcommerce", "999999")
    assert order.exit_code == 6
    assert "order 999999 not found" in order.stderr
    assert "Not found." not in order.stderr
    held = run("fulfillments", "hold", "sandbox-nextcommerce", "99999")
    assert held.exit_code == 6
    assert "fulfillment order 99999 not found" in held.stderr


def test_next_commerce_404_message_from_the_path() -> None:
    needs("nextcommerce")
    from unified_orders_adapters.nextcommerce.translate.errors import error_from_response

    def not_found(url: str, body: Any) -> str:
        return str(error_from_response(Response(404, {}, body, json.dumps(body), url)))

    root = "https://shop.29next.store/api/admin"
    assert not_found(f"{root}/orders/123/refund/", {"detail": "Not found."}) == (
        "nextcommerce: order 123 not found (status 404)"
    )
    assert not_found(f"{root}/fulfillment-orders/7/hold/", {"detail": "Not found."}) == (
        "nextcommerce: fulfillment order 7 not found (status 404)"
    )
    assert not_found(f"{root}/orders/5/", {"detail": "No Order matches."}) == (
        "nextcommerce: order 5 not found: No Order matches. (status 404)"
    )
    assert not_found("https://elsewhere.example/x", {"detail": "Not found."}) == (
        "nextcommerce: Not found. (status 404)"
    )


# --- inputs trimmed ---------------------------------------------------------------------------------
def test_store_names_ids_keys_and_notes_are_trimmed(run: Run, toy_config: Path) -> None:
    made = run(
        "refunds",
        "create",
        "  toy ",
        " 1001\n",
        "--line",
        " 10011:1 ",
        "--note",
        "  damaged in transit  ",
        "--idempotency-key",
        " key-7 ",
        "--yes",
        config=toy_config,
    )
    assert made.exit_code == 0, made.stderr
    (refund,) = lines_of(made)
    assert (refund["order_id"], refund["note"], refund["idempotency_key"]) == (
        "1001",
        "damaged in transit",
        "key-7",
    )
    held = run("fulfillments", "hold", "toy", " fo-1003 ", "--note", " wait ", config=toy_config)
    assert held.exit_code == 0, held.stderr
    assert lines_of(held)[0]["holds"][0]["note"] == "wait"


# --- --help shows flags as flags ---------------------------------------------------------------
def _every_command() -> list[list[str]]:
    import typer

    root = typer.main.get_command(app)
    found = []

    def walk(command: Any, path: list[str]) -> None:
        found.append(path)
        context = typer.Context(command)
        for name in getattr(command, "list_commands", lambda _: [])(context):
            walk(command.get_command(context, name), [*path, name])

    walk(root, [])
    return found


@pytest.mark.parametrize("path", _every_command(), ids=lambda p: " ".join(p) or "root")
def test_help_shows_flags_without_a_value(run: Run, path: list[str]) -> None:
    shown = run(*path, "--help")
    assert shown.exit_code == 0
    assert "<bool>" not in shown.stdout
    assert "<str>" not in shown.stdout.split("Options")[-1]  # option values are named


def test_options_show_what_to_write(run: Run) -> None:
    text = run("orders", "list", "--help").stdout
    assert "DATETIME" in text
    assert "INTEGER" in text
    text = run("refunds", "create", "--help").stdout
    assert "--note" in text
    assert "TEXT" in text
    assert "FILE" in text
