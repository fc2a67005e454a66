"""Exactly-once for the refunds agencies issue: an amount-only refund, a line refunded for less,
and everything left, under fault sequences against every sandbox (both Shopify dialects).

The same rules as ``test_exactly_once.py``: whatever the faults (responses dropped after the write
applied, timeouts before it, 5xx after applying, 429s, unreadable 200s, writes applied late),

- the sandbox ends with at most one new refund, and no more money paid back than asked;
- a refund reported as done exists and carries our key;
- any other outcome is a typed error, and only ``AmbiguousWrite`` may leave the outcome open;
- the same key again, from a new store (a new process), ends with exactly one refund carrying it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import unified_orders as uo
from unified_orders.testing import Fault, FaultInjectingTransport, instrumented_sandbox, unwrapped

TARGETS = [
    ("nextcommerce", {}),
    ("shopify", {"api": "graphql"}),
    ("shopify", {"api": "rest"}),
    ("shopware", {}),
]
IDS = ["nextcommerce", "shopify-graphql", "shopify-rest", "shopware"]
KINDS = ["amount", "line-amount", "everything-left"]
faults = st.lists(st.one_of(st.none(), st.sampled_from(list(Fault))), min_size=0, max_size=12)


def target(platform: str, dialect: dict[str, Any]) -> uo.Order:
    store = uo.connect(platform, sandbox=True, **dialect)
    for order in store.orders.list():
        if order.captured_payments and all(x.refundable_quantity for x in order.lines):
            return order
    raise AssertionError(f"the {platform} sandbox has no refundable order")


def request_of(kind: str, order: uo.Order) -> tuple[uo.RefundRequest, Decimal | None]:
    """The request, and the money it pays back where known in advance."""
    if kind == "amount":
        return uo.RefundRequest(amount=Decimal("2.50")), Decimal("2.50")
    if kind == "line-amount":
        line = order.lines[0]
        wanted = uo.RefundLineRequest(line_id=line.id, quantity=1, amount=Decimal("1.25"))
        return uo.RefundRequest(lines=[wanted]), Decimal("1.25")
    return uo.RefundRequest.everything_left(), None


def money_paid(order: uo.Order) -> Decimal:
    return sum(
        (r.total.amount for r in order.refunds if r.status is not uo.RefundStatus.FAILURE),
        Decimal(0),
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("platform", "dialect"), TARGETS, ids=IDS)
def test_refund_kinds_are_exactly_once_under_faults(
    platform: str, dialect: dict[str, Any], kind: str
) -> None:
    order = target(platform, dialect)
    request, amount = request_of(kind, order)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(sequence=faults)
    def run(sequence: list[Fault | None]) -> None:
        plan = iter(sequence)
        transports: list[FaultInjectingTransport] = []

        def wrap(transport: Any) -> FaultInjectingTransport:
            transports.append(
                FaultInjectingTransport(transport, lambda method, path: next(plan, None))
            )
            return transports[-1]

        store = instrumented_sandbox(platform, wrap, max_attempts=4, retry_backoff=0, **dialect)
        assert isinstance(store, uo.Store)
        before = unwrapped(store).orders.get(order.id)
        known = {r.id for r in before.refunds}
        outcome: uo.Refund | Exception
        try:
            outcome = store.refunds.create(order.id, request, idempotency_key="kinds-test")
        except uo.UnifiedOrdersError as error:
            outcome = error
        transports[0].settle()  # a write applied late lands now, if it has not yet
        after = unwrapped(store).orders.get(order.id)
        new = [
            r
            for r in after.refunds
            if r.id not in known and r.status is not uo.RefundStatus.FAILURE
        ]
        assert len(new) <= 1, f"{len(new)} refunds for one request under {sequence}"
        if amount is not None:
            assert money_paid(after) - money_paid(before) in (Decimal(0), amount)
        if isinstance(outcome, uo.Refund):
            assert [r.id for r in new] == [outcome.id], "a refund reported as done must exist"
            assert outcome.idempotency_key == "kinds-test"
        elif not isinstance(outcome, uo.AmbiguousWrite):
            assert new == [], f"{type(outcome).__name__} raised but a refund was made"
        try:
            retried = unwrapped(store).refunds.create(
                order.id, request, idempotency_key="kinds-test"
            )
        except uo.RefundFailed as failed:
            retried = failed.refund
        final = unwrapped(store).orders.get(order.id)
        keyed = [r for r in final.refunds if r.idempotency_key == "kinds-test"]
        assert [r.id for r in keyed] == [retried.id], f"retry after {outcome!r} under {sequence}"
        if kind == "everything-left":
            assert all(x.refundable_quantity == 0 for x in final.lines)

    run()
