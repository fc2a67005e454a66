"""Exactly-once refunds, proven by fault injection against every adapter sandbox.

Each example runs one ``refunds.create`` through a transport that, in a random sequence, drops
responses after the sandbox applied the write, times out before it, answers 5xx after applying,
answers 429, answers an applied write with an unreadable 200 (HTML, truncated, empty, ``null``,
nested too deep), or applies it late (after our timeout). Whatever happens:

- the sandbox ends with at most one new refund (0 double refunds);
- a returned refund exists on the platform and carries our key (0 callers told "done" for a
  refund that is not theirs);
- any other outcome is a typed error, and only ``AmbiguousWrite`` may leave the outcome open;
- retrying with the same key from a new store (as a new process would) ends with exactly one
  refund carrying the key (0 lost refunds, 0 doubles).
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

        transports: list[FaultInjectingTransport] = []

        def wrap_and_keep(transport: Any) -> FaultInjectingTransport:
            transports.append(wrap(transport))
            return transports[-1]

        store = instrumented_sandbox(
            platform,
            wrap_and_keep,
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
        transports[0].settle()  # a write applied late lands now, if it has not yet
        after = unwrapped(store).orders.get(order.id).refunds
        # A refund record the platform failed or cancelled moved no money: it is not a refund made.
        new = [r for r in after if r.id not in before and r.status is not uo.RefundStatus.FAILURE]
        assert len(new) <= 1, f"{len(new)} refunds for one request under {sequence}"
        if isinstance(outcome, uo.Refund):
            assert [r.id for r in new] == [outcome.id], "a refund reported as done must exist"
            assert outcome.idempotency_key == "fault-test"
        elif not isinstance(outcome, uo.AmbiguousWrite):
            assert new == [], f"{type(outcome).__name__} raised but a refund was made"
        # The same key again, from a new store over the same platform (a new process): one refund.
        try:
            retried = unwrapped(store).refunds.create(
                order.id, request, idempotency_key="fault-test"
            )
        except uo.RefundFailed as failed:  # the platform declined it: the same record again
            retried = failed.refund
        final = unwrapped(store).orders.get(order.id).refunds
        keyed = [r for r in final if r.idempotency_key == "fault-test"]
        assert [r.id for r in keyed] == [retried.id], f"retry after {outcome!r} under {sequence}"

    run()
