"""A migrated order is created exactly once: a lost create answer is settled by the marker
search, an order created by a run that died before its map row is adopted, and a dry run writes
nothing. Library level, on the sandboxes, with faults injected into the create request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

import unified_orders as uo
from unified_orders.http import Fault, FaultInjectingTransport, emulator_transport
from unified_orders.migrate import (
    Endpoint,
    Migration,
    MigrationOptions,
    ProductMap,
    marker_for,
    open_idmap,
)
from unified_orders.migrate.plan import plan_order

TARGETS = [("shopify", {"api": "graphql"}), ("shopify", {"api": "rest"}), ("shopware", {})]
CREATES = (b"orderCreate", b'"line_items"', b'"orderCustomer"', b'"payment_method"')


class DropFirstCreate(FaultInjectingTransport):
    """The first order create reaches the platform and its answer is lost."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        super().__init__(inner, lambda method, path: None)
        self.dropped = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        if request.method == "POST" and not self.dropped and any(c in body for c in CREATES):
            self.dropped += 1
            self.inner.handle_request(request)
            self.injected.append((request.method, request.url.path, Fault.DROP_AFTER_APPLY))
            raise httpx.ReadTimeout("injected: response dropped after apply", request=request)
        return super().handle_request(request)


def _target(platform: str, settings: dict[str, Any]) -> tuple[uo.Store, DropFirstCreate]:
    emulator = uo.connect(platform, sandbox=True, **settings).sandbox
    transport = DropFirstCreate(emulator_transport(emulator))
    return uo.connect(platform, sandbox=True, transport=transport, **settings), transport


def _count(store: uo.Store) -> int:
    return sum(1 for _ in store.orders.list())


@pytest.mark.parametrize(("platform", "settings"), TARGETS)
def test_a_lost_create_answer_is_found_by_marker_not_sent_again(
    platform: str, settings: dict[str, Any], tmp_path: Path
) -> None:
    source = uo.connect("nextcommerce", sandbox=True)
    target, transport = _target(platform, settings)
    before = _count(target)
    idmap = open_idmap(tmp_path / "m.duckdb", "nc", "t")
    options = MigrationOptions(orders=["10002"])
    job = Migration(Endpoint("nc", source), Endpoint("t", target), idmap, options)
    [result] = job.run().results
    idmap.close()
    assert transport.dropped == 1
    assert result.outcome == "created", result
    assert _count(target) == before + 1
    marker = marker_for("nextcommerce", "nc", source.orders.get("10002"))
    assert [o.id for o in target.orders.find_by_marker(marker)] == [result.target_id]


def test_nextcommerce_lost_create_answer_is_found_by_marker(tmp_path: Path) -> None:
    source = uo.connect("shopify", sandbox=True)
    target, transport = _target("nextcommerce", {})
    before = _count(target)
    idmap = open_idmap(tmp_path / "m.duckdb", "shop", "nc")
    options = MigrationOptions(orders=["#1002"], products=ProductMap({"EX-MUG": "1102"}))
    [result] = (
        Migration(Endpoint("shop", source), Endpoint("nc", target), idmap, options).run().results
    )
    idmap.close()
    assert transport.dropped == 1
    assert result.outcome == "created", result
    assert _count(target) == before + 1


def test_an_order_created_before_a_crash_is_adopted_not_created_again(tmp_path: Path) -> None:
    source = uo.connect("nextcommerce", sandbox=True)
    target = uo.connect("shopware", sandbox=True)
    order = source.orders.get("10003")
    marker = marker_for("nextcommerce", "nc", order)
    plan = plan_order(order, "shopware", ProductMap())
    assert plan.order is not None
    made = target.orders.create(plan.order, source_marker=marker)  # the run died right here
    before = _count(target)
    idmap = open_idmap(tmp_path / "m.duckdb", "nc", "sw")
    options = MigrationOptions(orders=["10003"])
    [result] = (
        Migration(Endpoint("nc", source), Endpoint("sw", target), idmap, options).run().results
    )
    assert (result.outcome, result.target_id) == ("adopted", made.id)
    assert _count(target) == before
    assert idmap.get("10003") is not None
    idmap.close()


def test_a_changed_source_order_is_reported_not_migrated_again(tmp_path: Path) -> None:
    source = uo.connect("nextcommerce", sandbox=True)
    target = uo.connect("shopify", sandbox=True)
    idmap = open_idmap(tmp_path / "m.duckdb", "nc", "shop")
    job = Migration(
        Endpoint("nc", source), Endpoint("shop", target), idmap, MigrationOptions(orders=["10003"])
    )
    assert [r.outcome for r in job.run().results] == ["created"]
    assert [r.outcome for r in job.run().results] == ["skipped"]
    moved = uo.Address(
        first_name="Ada", last_name="Byron", line1="1 Rue X", city="Lyon", country_code="FR"
    )
    source.orders.update_shipping_address("10003", moved)
    before = _count(target)
    assert [r.outcome for r in job.run().results] == ["changed"]
    assert _count(target) == before
    idmap.close()


def test_dry_run_checks_everything_and_writes_nothing(tmp_path: Path) -> None:
    source = uo.connect("shopify", sandbox=True)
    target = uo.connect("nextcommerce", sandbox=True)
    before = _count(target)
    options = MigrationOptions(dry_run=True, products=ProductMap({"EX-MUG": "1102"}))
    summary = Migration(Endpoint("shop", source), Endpoint("nc", target), None, options).run()
    assert _count(target) == before
    assert not (tmp_path / "m.duckdb").exists()
    outcomes = {r.source_number: r for r in summary.results}
    assert outcomes["#1002"].outcome == "would_create"
    hoodie = outcomes["#1001"]  # every problem at once: two unmapped products and a discount
    assert hoodie.outcome == "refused"
    assert len([p for p in hoodie.problems if "not mapped" in p]) == 2
    assert any(p.startswith("discount") for p in hoodie.problems)


def test_an_order_with_the_marker_tag_but_not_our_metadata_is_never_adopted() -> None:
    target = uo.connect("nextcommerce", sandbox=True)
    source = uo.connect("shopify", sandbox=True).orders.get("#1002")
    marker = marker_for("shopify", "shop", source)
    # an existing order tagged with our marker by hand: the tag search finds it, but only our
    # metadata proves an order ours
    target.sandbox.backend.order("10001")["tags"] = [marker.value]
    assert target.orders.find_by_marker(marker) == []
    target.sandbox.backend.order("10001")["metadata"] = {"uo_source_marker": marker.value}
    assert [o.id for o in target.orders.find_by_marker(marker)] == ["10001"]
