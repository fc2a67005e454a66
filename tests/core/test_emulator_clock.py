"""The sandbox emulators' write clock: logical by default, the wall clock when given one."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import unified_orders as uo
from unified_orders import jsonutil
from unified_orders.adapter import Capability
from unified_orders.sandbox import BaseEmulator, WriteClock, utc_now

DIALECTS: dict[str, list[dict[str, Any]]] = {"shopify": [{"api": "graphql"}, {"api": "rest"}]}
EMULATORS = {
    "nextcommerce": "NextCommerceEmulator",
    "shopify": "ShopifyEmulator",
    "shopware": "ShopwareEmulator",
}
THEN = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
LATER = datetime(2032, 1, 2, 3, 4, 5, tzinfo=UTC)


def targets() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, info in uo.adapters().items():
        if info.error is None and Capability.REFUNDS_CREATE in info.capabilities:
            found += [(name, dialect) for dialect in DIALECTS.get(name, [{}])]
    return found


TARGETS = targets()
PLATFORMS = sorted({name for name, _ in TARGETS if name in EMULATORS})


def refund_one_unit(store: uo.Store) -> uo.Refund:
    """Refund one unit of the first refundable line of a paid order."""
    for order in store.orders.list():
        if order.captured_payments:
            for line in order.lines:
                if line.refundable_quantity:
                    request = uo.RefundRequest(
                        lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)]
                    )
                    return store.refunds.create(order.id, request)
    pytest.skip("the sandbox has no refundable order left")


def emulator_class(platform: str) -> Callable[..., BaseEmulator]:
    module = importlib.import_module(f"unified_orders_adapters.{platform}.sandbox")
    cls: Callable[..., BaseEmulator] = getattr(module, EMULATORS[platform])
    return cls


def ids(value: Any) -> str:
    return value if isinstance(value, str) else "-".join(map(str, value.values())) or "default"


def test_the_write_clock_is_logical_until_a_wall_clock_is_set() -> None:
    clock = WriteClock(datetime(2025, 1, 1, tzinfo=UTC), timedelta(seconds=2))
    assert clock.at(3) == datetime(2025, 1, 1, 0, 0, 6, tzinfo=UTC)
    clock.wall = lambda: datetime.fromisoformat("2031-05-06T09:08:09+02:00")
    assert clock.at(3) == THEN  # in UTC
    assert clock.at(4) == THEN  # the wall clock, whatever the write number
    clock.wall = lambda: datetime(2031, 5, 6)  # naive: which zone is that?
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.at(1)
    real = utc_now()
    assert real.tzinfo is UTC
    assert abs(real - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.skipif(not TARGETS, reason="no adapter with a sandbox and refunds is registered")
@pytest.mark.parametrize(("platform", "dialect"), TARGETS, ids=ids)
def test_refunds_follow_the_logical_clock_by_default(
    platform: str, dialect: dict[str, Any]
) -> None:
    first = refund_one_unit(uo.connect(platform, sandbox=True, **dialect))
    again = refund_one_unit(uo.connect(platform, sandbox=True, **dialect))
    assert first.created_at is not None
    assert first.created_at == again.created_at  # deterministic: the same writes, the same times
    assert abs(first.created_at - datetime.now(UTC)) > timedelta(days=1)  # not the real clock


@pytest.mark.skipif(not TARGETS, reason="no adapter with a sandbox and refunds is registered")
@pytest.mark.parametrize(("platform", "dialect"), TARGETS, ids=ids)
def test_refunds_are_dated_by_the_wall_clock_once_set(
    platform: str, dialect: dict[str, Any]
) -> None:
    store = uo.connect(platform, sandbox=True, **dialect)
    assert isinstance(store.sandbox, BaseEmulator)
    store.sandbox.wall_clock = lambda: THEN
    refund = refund_one_unit(store)
    assert refund.created_at == THEN
    shown = store.orders.get(refund.order_id).refunds
    assert [r.created_at for r in shown if r.id == refund.id] == [THEN]  # read back the same
    store.sandbox.wall_clock = utc_now
    now = refund_one_unit(store)
    assert now.created_at is not None
    assert abs(now.created_at - datetime.now(UTC)) < timedelta(minutes=5)


@pytest.mark.skipif(not PLATFORMS, reason="no built-in adapter with a sandbox is registered")
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_constructor_keyword_leaves_the_seeded_demo_data_alone(platform: str) -> None:
    emulator = emulator_class(platform)
    ticking = emulator(wall_clock=lambda: THEN)
    assert ticking.wall_clock is not None
    assert ticking.wall_clock() == THEN
    logical = emulator()
    assert logical.wall_clock is None
    assert jsonutil.dumps(ticking.dump_state()) == jsonutil.dumps(logical.dump_state())


@pytest.mark.skipif(not TARGETS, reason="no adapter with a sandbox and refunds is registered")
@pytest.mark.parametrize(("platform", "dialect"), TARGETS, ids=ids)
def test_saved_state_moves_between_clocks(platform: str, dialect: dict[str, Any]) -> None:
    walled = uo.connect(platform, sandbox=True, **dialect)
    assert isinstance(walled.sandbox, BaseEmulator)
    walled.sandbox.wall_clock = lambda: THEN
    kept = refund_one_unit(walled)
    saved = jsonutil.loads(jsonutil.dumps(walled.sandbox.dump_state()))  # as the CLI saves it

    # loaded into an emulator on the logical clock: the refund keeps its date, new writes are
    # dated by the logical clock again (the wall clock is not part of the state)
    logical = uo.connect(platform, sandbox=True, **dialect)
    assert logical.sandbox is not None
    logical.sandbox.load_state(saved)
    order = logical.orders.get(kept.order_id)
    assert [r.created_at for r in order.refunds if r.id == kept.id] == [THEN]
    later = refund_one_unit(logical)
    assert later.created_at is not None
    assert later.created_at < THEN
    assert abs(later.created_at - datetime.now(UTC)) > timedelta(days=1)

    # and into one on a wall clock: dated by it
    again = uo.connect(platform, sandbox=True, **dialect)
    assert isinstance(again.sandbox, BaseEmulator)
    again.sandbox.load_state(jsonutil.loads(jsonutil.dumps(logical.sandbox.dump_state())))
    again.sandbox.wall_clock = lambda: LATER
    assert refund_one_unit(again).created_at == LATER
    ids = {r.id for r in again.orders.get(kept.order_id).refunds}
    assert kept.id in ids
