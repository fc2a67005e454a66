"""Both Shopify dialects: one sandbox, two dialects reading the same order as equal canonical
orders (``raw`` aside), with ids that work across both; full shipping as all that remains, even
0.00; the shop-domain rule; and the package's layout (importing the adapter never imports the
sandbox, no import cycles, neither dialect imports the other). Exactly-once refunds through both
dialects are in test_shopify_exactly_once."""

from __future__ import annotations

import ast
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from shopify_helpers import API, connect
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator

import unified_orders as uo
from unified_orders.http import RecordingTransport

TOKEN = "test-token-not-a-real-secret"
PACKAGE = "unified_orders_adapters.shopify"
FOLDER = Path(__file__).resolve().parents[3] / "adapters" / "shopify"


def by_number(store: uo.Store, number: str) -> uo.Order:
    return next(o for o in store.orders.list() if o.number == number)


def test_rest_and_graphql_read_equal_orders(
    emulator: ShopifyEmulator, stores: tuple[uo.Store, uo.Store, RecordingTransport]
) -> None:
    graphql, rest, _ = stores
    emulator.seed_orders(6)
    via_graphql = list(graphql.orders.list())
    via_rest = list(rest.orders.list())
    assert len(via_graphql) == 11
    assert via_graphql == via_rest
    # raw keeps each dialect's own payload
    assert str(via_graphql[0].raw["id"]).startswith("gid://shopify/Order/")
    assert isinstance(via_rest[0].raw["id"], int)
    assert via_graphql[0].lines[0].raw["id"].startswith("gid://shopify/LineItem/")


def test_orders_stay_equal_after_writes_through_both_dialects(
    stores: tuple[uo.Store, uo.Store, RecordingTransport],
) -> None:
    graphql, rest, _ = stores
    order = by_number(graphql, "#1001")
    request = uo.RefundRequest(
        lines=[
            uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1, restock=uo.Restock.RETURN),
            uo.RefundLineRequest(line_id=order.lines[1].id, quantity=1),
        ],
        shipping=uo.ShippingRefund(amount="2.50"),
    )
    refund = graphql.refunds.create(order.id, request, idempotency_key="dialects-1")
    again = rest.refunds.create(
        order.id,
        uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1)]),
    )
    eur = by_number(rest, "#1002")
    rest.orders.update_shipping_address(eur.id, uo.Address(city="Springfield"))
    graphql.orders.cancel(eur.id, reason="customer", refund=True, restock=True)
    for number in ("#1001", "#1002", "#1003", "#1004", "#1005"):
        assert by_number(graphql, number) == by_number(rest, number), number
    after = graphql.orders.get(order.id)
    assert [r.id for r in after.refunds] == [refund.id, again.id]
    assert after.refunds[0].adjustments[0].kind == "shipping_refund"
    assert after.refunds[0].shipping is not None
    assert after.refunds[0].shipping.amount.amount == Decimal("2.50")
    assert graphql.refunds.list(order.id) == rest.refunds.list(order.id)


def test_ids_cross_dialects(stores: tuple[uo.Store, uo.Store, RecordingTransport]) -> None:
    graphql, rest, _ = stores
    order = by_number(rest, "#1002")
    assert int(order.id) > 2**53
    assert graphql.orders.get(order.id) == order
    assert graphql.orders.get(f"gid://shopify/Order/{order.id}") == order
    [fo] = graphql.fulfillments.list(order.id)
    assert rest.fulfillments.list(order.id) == [fo]
    held = graphql.fulfillments.hold(fo.id, reason=uo.HoldReason.OTHER, note="check")
    [rest_view] = rest.fulfillments.list(order.id)
    assert rest_view == held
    assert rest.fulfillments.release_hold(fo.id).status is uo.FulfillmentOrderStatus.OPEN
    with pytest.raises(uo.InvalidRequest, match="not a Shopify Order id"):
        graphql.orders.get("gid://shopify/LineItem/1")


# --- "full shipping" means all that remains, even 0.00 (issue 13) ---------------------------------
@pytest.mark.parametrize("api", API)
def test_full_shipping_on_a_free_shipping_order_is_a_zero_shipping_refund(
    emulator: ShopifyEmulator, api: str
) -> None:
    store = connect(emulator, api)
    order = by_number(store, "#1005")
    assert order.shipping == uo.Money.zero("USD")
    request = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1)],
        shipping=uo.ShippingRefund(full=True),
    )
    calc = store.refunds.calculate(order.id, request)
    assert calc.shipping is not None
    assert calc.shipping.amount == uo.Money.of("0.00", "USD")
    assert calc.shipping.maximum_refundable == uo.Money.of("0.00", "USD")
    goods = sum((x.total.amount for x in calc.lines), Decimal(0))
    assert calc.total.amount == goods
    refund = store.refunds.create(order.id, calc, idempotency_key=f"free-{api}")
    assert refund.total == calc.total
    assert refund.shipping is None  # nothing of shipping was refunded, and nothing refused
    after = store.orders.get(order.id)
    assert after.shipping_refunded == uo.Money.zero("USD")


@pytest.mark.parametrize("api", API)
def test_full_shipping_after_shipping_was_refunded_is_zero_and_an_amount_above_is_refused(
    emulator: ShopifyEmulator, api: str
) -> None:
    store = connect(emulator, api)
    order = by_number(store, "#1001")
    assert order.shipping.amount == Decimal("5.00")
    first = store.refunds.create(
        order.id, uo.RefundRequest(shipping=uo.ShippingRefund(full=True)), idempotency_key="s-1"
    )
    assert first.shipping is not None
    assert first.shipping.amount.amount == Decimal("5.00")
    request = uo.RefundRequest(
        lines=[uo.RefundLineRequest(line_id=order.lines[1].id, quantity=1)],
        shipping=uo.ShippingRefund(full=True),
    )
    calc = store.refunds.calculate(order.id, request)
    assert calc.shipping is not None
    assert calc.shipping.amount.amount == Decimal("0.00")
    assert calc.shipping.maximum_refundable is not None
    assert calc.shipping.maximum_refundable.amount == Decimal("0.00")
    second = store.refunds.create(order.id, request, idempotency_key="s-2")
    assert second.total == calc.total
    assert store.orders.get(order.id).shipping_refunded.amount == Decimal("5.00")
    # only an explicit amount above what remains is refused
    with pytest.raises(uo.InvalidRequest, match="shipping.amount"):
        store.refunds.calculate(
            order.id,
            uo.RefundRequest(
                lines=[uo.RefundLineRequest(line_id=order.lines[0].id, quantity=1)],
                shipping=uo.ShippingRefund(amount="0.01"),
            ),
        )


def test_the_sandbox_answers_full_shipping_with_what_remains(emulator: ShopifyEmulator) -> None:
    order = emulator.state.orders()[0]
    line = order["line_items"][1]
    path = f"/admin/api/2026-07/orders/{order['id']}/refunds"
    rows = [{"line_item_id": line["id"], "quantity": 1, "restock_type": "no_restock"}]
    full = {"refund": {"shipping": {"full_refund": True}, "refund_line_items": rows}}
    status, answer, _ = emulator.handle("POST", f"{path}/calculate.json", {}, {}, full)
    assert status == 200
    assert answer["refund"]["shipping"]["amount"] == "5.00"
    emulator.handle("POST", f"{path}.json", {}, {}, {"refund": {"shipping": {"full_refund": True}}})
    status, answer, _ = emulator.handle("POST", f"{path}/calculate.json", {}, {}, full)
    assert status == 200
    shipping = answer["refund"]["shipping"]
    assert (shipping["amount"], shipping["maximum_refundable"]) == ("0.00", "0.00")
    over = {"refund": {"shipping": {"amount": "0.01"}, "refund_line_items": rows}}
    status, answer, _ = emulator.handle("POST", f"{path}/calculate.json", {}, {}, over)
    assert status == 422
    assert "exceeds the refundable shipping 0.00" in str(answer["errors"])


# --- the shop domain (issue 14: a typo must not send the token elsewhere) ----------------------------
@pytest.mark.parametrize(
    ("given", "domain"),
    [
        ("acme", "acme.myshopify.com"),
        ("ACME.myshopify.com", "acme.myshopify.com"),
        ("https://acme.myshopify.com/admin", "acme.myshopify.com"),
    ],
)
def test_a_shop_is_a_myshopify_domain(given: str, domain: str) -> None:
    store = uo.connect("shopify", shop=given, access_token=TOKEN)
    assert store.adapter.base_url.startswith(f"https://{domain}/admin/api/")


@pytest.mark.parametrize(
    "given",
    [
        "acme.myshopfy.com",  # a typo
        "acme.example.com",
        "acme.myshopify.com.evil.example",
        "acme.myshopify.com@evil.example",
        "evil.example/acme.myshopify.com",
        "acme.myshopify.com:8443",
        "shop.acme.myshopify.com",
    ],
)
def test_any_other_host_is_refused_unless_said_to_be_a_custom_domain(given: str) -> None:
    with pytest.raises(uo.ConfigurationError, match="myshopify.com"):
        uo.connect("shopify", shop=given, access_token=TOKEN)


def test_a_custom_domain_is_taken_when_set_explicitly() -> None:
    store = uo.connect("shopify", shop="admin.acme.example", custom_domain=True, access_token=TOKEN)
    assert store.adapter.base_url.startswith("https://admin.acme.example/admin/api/")
    with pytest.raises(uo.ConfigurationError):  # still a bare host: no user, port or path tricks
        uo.connect("shopify", shop="a@evil.example", custom_domain=True, access_token=TOKEN)


# --- layout ------------------------------------------------------------------------------------
def test_importing_the_adapter_never_imports_the_sandbox() -> None:
    probe = (
        "import sys\n"
        "import unified_orders as uo\n"
        f"import {PACKAGE} as shopify\n"
        f"from {PACKAGE}.settings import ShopifySettings\n"
        "for api in ('graphql', 'rest'):\n"
        "    shopify.make_adapter(ShopifySettings(shop='acme', access_token='t', api=api))\n"
        "    uo.connect('shopify', shop='acme', access_token='t', api=api).close()\n"
        "def loaded():\n"
        f"    return sorted(m for m in sys.modules if m.startswith('{PACKAGE}.sandbox'))\n"
        "before = loaded()\n"
        "uo.connect('shopify', sandbox=True).adapter.emulator()\n"
        "print(before, bool(loaded()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    # nothing of the sandbox before a sandbox is asked for; then emulator() brings it in
    assert done.stdout.split() == ["[]", "True"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(FOLDER).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


def _imports(path: Path) -> dict[str, bool]:
    """The modules of the package a file imports (function-level ones too), each with whether
    every import of it is inside a function or an ``if TYPE_CHECKING:`` block."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    deferred: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.If):
            if isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                continue
            deferred |= {id(child) for child in ast.walk(node) if child is not node}
    found: dict[str, bool] = {}
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            targets = [f"{source}.{alias.name}" for alias in node.names] + [source]
        for target in targets:
            if target == PACKAGE or target.startswith(PACKAGE + "."):
                found[target] = found.get(target, True) and id(node) in deferred
    return found


def _files(*parts: str) -> list[Path]:
    return sorted((FOLDER.joinpath(*parts)).rglob("*.py")) if parts else sorted(FOLDER.glob("*.py"))


def test_neither_dialect_imports_the_other() -> None:
    for dialect, other in (("graphql", "rest"), ("rest", "graphql")):
        for path in _files(dialect):
            crossing = [t for t in _imports(path) if t.startswith(f"{PACKAGE}.{other}")]
            assert crossing == [], f"{path.relative_to(FOLDER)} imports the {other} dialect"


def test_shared_modules_import_only_shared_modules() -> None:
    layers = {
        "settings": set(),
        "rules": set(),
        "vocabulary": set(),
        "mapping": {"rules", "vocabulary"},
        "answers": {"vocabulary"},
        "access_scopes": {"answers", "vocabulary"},
        "base": {"access_scopes", "rules", "settings", "vocabulary", "sandbox"},
    }
    for module, allowed in layers.items():
        imported = _imports(FOLDER / f"{module}.py")
        outside = {
            t.removeprefix(PACKAGE + ".").split(".")[0]
            for t in imported
            if t.startswith(PACKAGE + ".")
        } - allowed
        assert outside == set(), f"{module}.py imports {sorted(outside)}"


def test_only_the_lazy_emulator_imports_the_sandbox() -> None:
    for path in [*_files(), *_files("graphql"), *_files("rest")]:
        imported = _imports(path)
        eager = [t for t, deferred in imported.items() if ".sandbox" in t and not deferred]
        assert eager == [], f"{path.relative_to(FOLDER)} imports the sandbox at import time"
        if path.name != "base.py":
            assert not any(".sandbox" in t for t in imported), path.relative_to(FOLDER)


def test_every_module_stays_small() -> None:
    for path in [*_files(), *_files("graphql"), *_files("rest")]:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 600, f"{path.relative_to(FOLDER)} has {lines} lines"
