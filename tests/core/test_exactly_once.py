"""Exactly-once refunds, proven by fault injection against every adapter sandbox.

Each example runs one ``refunds.create`` through a transport that drops responses after the
sandbox applied the write, times out before it, answers 5xx after applying, or answers 429, in a
random sequence. Whatever happens, the sandbox must end with at most one new refund; a returned
refund must exist on the platform (never reported done and lost); any other outcome must be a typed
error, and only ``AmbiguousWrite`` may leave the outcome open.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import unified_orders as uo
from unified_orders.adapter import Capability
from unified_orders.testing import Fault, FaultInjectingTransport, instrumented_sandbox, unwrapped

# Each dialect of a platform is its own write path: Shopify GraphQL sends @idempotent keys.
DIALECTS: dict[str, list[dict[str, Any]]] = {"shopify": [{"api": "graphql"}, {"api": "rest"}]}


def sandbox_targets() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, info in uo.adapters().items():
        if info.error is None and Capability.REFUNDS_CREATE in info.capabilities:
            found += [(name, dialect) for dialect in DIALECTS.get(name, [{}])]
    return found


TARGETS = sandbox_targets()
faults = st.lists(st.one_of(st.none(), st.sampled_from(list(Fault))), min_size=0, max_size=12)


def target(platform: str, dialect: dict[str, Any]) -> tuple[uo.Order, uo.LineItem]:
    store = uo.connect(platform, sandbox=True, **dialect)
    for order in store.orders.list():
        if order.captured_payments:
            for line in order.lines:
                if line.refundable_quantity:
                    return order, line
    pytest.skip(f"the {platform} sandbox has no refundable order")


@pytest.mark.skipif(not TARGETS, reason="no adapter with a sandbox and refunds is registered")
@pytest.mark.parametrize(
    ("platform", "dialect"),
    TARGETS,
    ids=lambda v: v if isinstance(v, str) else "-".join(map(str, v.values())) or "default",
)
def test_refund_create_is_exactly_once_under_faults(platform: str, dialect: dict[str, Any]) -> None:
    order, line = target(platform, dialect)
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)])

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(sequence=faults)
    def run(sequence: list[Fault | None]) -> None:
        plan = iter(sequence)

        def wrap(transport: Any) -> FaultInjectingTransport:
            return FaultInjectingTransport(transport, lambda method, path: next(plan, None))

        store = instrumented_sandbox(
            platform,
            wrap,
            max_attempts=4,
            retry_backoff=0,
            **dialect,
        )
        assert isinstance(store, uo.Store)
        before = {r.id for r in unwrapped(store).orders.get(order.id).refunds}
        outcome: uo.Refund | Exception
        try:
            outcome = store.refunds.create(order.id, request, idempotency_key="fault-test")
        except uo.UnifiedOrdersError as error:
            outcome = error
        after = unwrapped(store).orders.get(order.id).refunds
        # A refund record the platform failed or cancelled moved no money: it is not a refund made.
        new = [r for r in after if r.id not in before and r.status is not uo.RefundStatus.FAILURE]
        assert len(new) <= 1, f"{len(new)} refunds for one request under {sequence}"
        if isinstance(outcome, uo.Refund):
            assert [r.id for r in new] == [outcome.id], "a refund reported as done must exist"
            assert outcome.idempotency_key == "fault-test"
        elif not isinstance(outcome, uo.AmbiguousWrite):
            assert new == [], f"{type(outcome).__name__} raised but a refund was made"

    run()
