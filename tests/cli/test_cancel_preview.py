"""Cancel previews (issue 15): authorized-only money is voided, not refunded, and the preview
never promises a restock the platform ignores (nor hides one it always makes)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import Run, lines_of
from unified_orders_adapters.nextcommerce.adapter import NextCommerceAdapter
from unified_orders_adapters.shopify.graphql.adapter import ShopifyGraphQLAdapter
from unified_orders_adapters.shopify.rest.adapter import ShopifyRestAdapter
from unified_orders_adapters.shopware.adapter import ShopwareAdapter

import unified_orders as uo
from unified_orders.adapter import CancelOptions, CancelRestock
from unified_orders.cancellation import authorized_open, cancel_effect
from unified_orders.cli.cancel_preview import cancel_preview

AUTHORIZED_NC = "10003"  # Next Commerce demo order: authorized, never captured (31.90 USD)
AUTHORIZED_SHOPIFY = "820982911946154543"  # Shopify demo #1004: authorized 79.00 USD
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def usd(amount: str) -> uo.Money:
    return uo.Money.of(amount, "USD")


def txn(
    txn_id: str,
    kind: uo.TransactionKind,
    amount: str,
    parent: str | None = None,
    status: uo.TransactionStatus = uo.TransactionStatus.SUCCESS,
) -> uo.Transaction:
    return uo.Transaction(
        id=txn_id, kind=kind, status=status, amount=usd(amount), parent_id=parent, created_at=T0
    )


def order(*transactions: uo.Transaction, refunds: list[uo.Refund] | None = None) -> uo.Order:
    return uo.Order(
        id="o1",
        platform="toy",
        currency="USD",
        status=uo.OrderStatus.OPEN,
        shipping=usd("0.00"),
        subtotal=usd("50.00"),
        tax=usd("0.00"),
        total=usd("50.00"),
        transactions=list(transactions),
        refunds=refunds or [],
    )


AUTH = uo.TransactionKind.AUTHORIZATION
CAPTURE = uo.TransactionKind.CAPTURE
SALE = uo.TransactionKind.SALE
VOID = uo.TransactionKind.VOID


# --- money: refund what was captured, void what was only authorized -------------------------------
@pytest.mark.parametrize("refund", [False, True])
def test_an_authorized_only_order_is_voided_never_refunded(refund: bool) -> None:
    effect = cancel_effect(
        order(txn("a", AUTH, "50.00")), CancelOptions("other", refund=refund), CancelRestock.ALWAYS
    )
    assert effect.payment == "void"
    assert effect.voided == usd("50.00")
    assert effect.refunded.amount == 0
    assert effect.kept.amount == 0


def test_captured_money_is_refunded_only_when_asked() -> None:
    paid = order(txn("s", SALE, "50.00"))
    asked = cancel_effect(paid, CancelOptions("other", refund=True), CancelRestock.ON_REQUEST)
    assert (asked.payment, asked.refunded, asked.voided.amount) == ("refund", usd("50.00"), 0)
    kept = cancel_effect(paid, CancelOptions("other"), CancelRestock.ON_REQUEST)
    assert (kept.payment, kept.kept, kept.refunded.amount) == ("keep", usd("50.00"), 0)


def test_a_partly_captured_authorization_is_refunded_and_voided() -> None:
    partly = order(
        txn("a", AUTH, "50.00"),
        txn("c", CAPTURE, "30.00", parent="a"),
        txn("v", VOID, "5.00", parent="a"),
        txn("f", CAPTURE, "9.00", parent="a", status=uo.TransactionStatus.FAILURE),
    )
    assert authorized_open(partly) == usd("15.00")  # the failed capture took nothing
    effect = cancel_effect(partly, CancelOptions("other", refund=True), CancelRestock.ON_REQUEST)
    assert effect.payment == "refund and void"
    assert (effect.refunded, effect.voided) == (usd("30.00"), usd("15.00"))


def test_only_what_is_left_after_earlier_refunds_is_refunded() -> None:
    earlier = uo.Refund(
        id="r",
        order_id="o1",
        status=uo.RefundStatus.SUCCESS,
        transactions=[
            uo.RefundTransaction(
                id="x", status=uo.TransactionStatus.SUCCESS, amount=usd("20.00"), parent_id="s"
            )
        ],
        total=usd("20.00"),
    )
    effect = cancel_effect(
        order(txn("s", SALE, "50.00"), refunds=[earlier]),
        CancelOptions("other", refund=True),
        CancelRestock.ON_REQUEST,
    )
    assert effect.refunded == usd("30.00")


def test_nothing_paid_moves_no_money() -> None:
    pending = order(txn("a", AUTH, "50.00", status=uo.TransactionStatus.PENDING))
    effect = cancel_effect(pending, CancelOptions("other", refund=True), CancelRestock.ON_REQUEST)
    assert effect.payment == "none"
    rows = dict(cancel_preview(pending, CancelOptions("other"), CancelRestock.ON_REQUEST).rows())
    assert rows["payments"] == "nothing captured or authorized: no money moves"


def test_the_table_says_void_for_authorized_money() -> None:
    preview = cancel_preview(
        order(txn("a", AUTH, "50.00")),
        CancelOptions("other", refund=True),
        CancelRestock.ON_REQUEST,
    )
    rows = dict(preview.rows())
    assert rows["void"].startswith("50.00 USD authorized, never captured")
    assert "nothing is refunded" in rows["void"]
    assert "refund" not in rows


# --- stock: what the platform's cancel does, not what was asked ------------------------------------
@pytest.mark.parametrize(
    ("rule", "restock", "refund", "restocks"),
    [
        (CancelRestock.ON_REQUEST, True, False, True),
        (CancelRestock.ON_REQUEST, False, True, False),
        (CancelRestock.WITH_REFUND, True, False, False),
        (CancelRestock.WITH_REFUND, True, True, True),
        (CancelRestock.WITH_REFUND, False, True, False),
        (CancelRestock.ALWAYS, False, False, True),
        (CancelRestock.ALWAYS, True, True, True),
        (CancelRestock.UNCONTROLLED, True, True, None),
        (CancelRestock.UNCONTROLLED, False, False, None),
    ],
)
def test_restock_follows_the_platform_rule(
    rule: CancelRestock, restock: bool, refund: bool, restocks: bool | None
) -> None:
    options = CancelOptions("other", refund=refund, restock=restock)
    effect = cancel_effect(order(txn("s", SALE, "50.00")), options, rule)
    assert effect.restock is restocks
    shown = dict(cancel_preview(order(), options, rule).rows())["restock items"]
    assert shown.startswith({True: "yes", False: "no", None: "the platform decides"}[restocks])


def test_each_adapter_declares_what_its_cancel_does_with_stock() -> None:
    assert NextCommerceAdapter.cancel_restock is CancelRestock.UNCONTROLLED
    assert ShopifyRestAdapter.cancel_restock is CancelRestock.WITH_REFUND
    assert ShopifyGraphQLAdapter.cancel_restock is CancelRestock.ON_REQUEST
    assert ShopwareAdapter.cancel_restock is CancelRestock.ALWAYS


# --- the CLI on the sandbox stores ------------------------------------------------------------------
def preview(run: Run, *args: str, config: Path | None = None) -> dict[str, object]:
    """The JSON effect ``orders cancel`` prints before refusing to go on without --yes."""
    result = run("orders", "cancel", *args, config=config)
    assert result.exit_code == 8, result.stderr  # not confirmed: nothing sent
    (effect,) = lines_of(result)
    assert isinstance(effect, dict)
    return effect


def test_cli_voids_an_authorized_next_commerce_order(run: Run) -> None:
    effect = preview(run, "sandbox-nextcommerce", AUTHORIZED_NC, "--refund", "--restock")
    assert effect["payment"] == "void"
    assert effect["voided"] == {"amount": "31.90", "currency": "USD", "shop": None}
    assert effect["refunded"] == {"amount": "0.00", "currency": "USD", "shop": None}
    assert effect["restocks"] is None  # Next Commerce's cancel has no restock switch
    assert effect["restock"] is True  # what was asked is kept beside it
    canceled = run("orders", "cancel", "sandbox-nextcommerce", AUTHORIZED_NC, "--yes")
    assert canceled.exit_code == 0, canceled.stderr
    after = lines_of(run("orders", "get", "sandbox-nextcommerce", AUTHORIZED_NC))[0]
    kinds = [t["kind"] for t in after["transactions"]]
    assert "void" in kinds
    assert after["refunds"] == []  # as the preview said: voided, nothing refunded


def test_cli_voids_an_authorized_shopify_order_even_with_refund(run: Run) -> None:
    effect = preview(run, "sandbox-shopify", AUTHORIZED_SHOPIFY, "--refund")
    assert effect["payment"] == "void"
    assert effect["voided"]["amount"] == "79.00"  # type: ignore[index]
    assert effect["restocks"] is False


def test_cli_says_shopware_restocks_though_not_asked(run: Run) -> None:
    listed = lines_of(run("orders", "list", "sandbox-shopware"))
    open_order = next(o for o in listed if o["status"] == "open")
    effect = preview(run, "sandbox-shopware", open_order["id"])
    assert effect["restock"] is False
    assert effect["restocks"] is True
    assert "every cancel" in str(effect["restock_note"])


def test_cli_shopify_rest_restocks_only_through_the_refund(run: Run, tmp_path: Path) -> None:
    config = tmp_path / "stores.toml"
    config.write_text(
        '[stores.rest]\nplatform = "shopify"\nsandbox = true\napi = "rest"\n', encoding="utf-8"
    )
    paid = "820982911946154550"  # demo #1005, paid, unfulfilled
    alone = preview(run, "rest", paid, "--restock", config=config)
    assert alone["restocks"] is False
    assert "refund" in str(alone["restock_note"])
    with_refund = preview(run, "rest", paid, "--restock", "--refund", config=config)
    assert with_refund["restocks"] is True
    assert with_refund["payment"] == "refund"
    assert with_refund["refunded"]["amount"] == "145.00"  # type: ignore[index]
