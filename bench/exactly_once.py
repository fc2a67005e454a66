"""Exactly-once under faults: outcome counts per platform, for the README.

    python bench/exactly_once.py               # 500 random fault sequences per platform/dialect
    python bench/exactly_once.py --runs 100

The same scenario as ``tests/core/test_exactly_once.py`` (which asserts the rules on >= 200
sequences each): one ``refunds.create`` of one unit through a transport injecting a random
sequence of faults, then the same key again from a new store. Counted: what the caller was told,
and what the platform ended with (new refunds, refunds carrying the key after the retry). Any
double, lost or foreign refund is a failure of the promise and is printed as such.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from typing import Any

import unified_orders as uo
from unified_orders.adapter import Capability
from unified_orders.testing import Fault, FaultInjectingTransport, instrumented_sandbox, unwrapped

DIALECTS: dict[str, list[dict[str, Any]]] = {"shopify": [{"api": "graphql"}, {"api": "rest"}]}


def _target(platform: str, dialect: dict[str, Any]) -> tuple[str, str]:
    store = uo.connect(platform, sandbox=True, **dialect)
    for order in store.orders.list():
        if order.captured_payments:
            for line in order.lines:
                if line.refundable_quantity:
                    return order.id, line.id
    raise SystemExit(f"{platform}: no refundable sandbox order")


def run(platform: str, dialect: dict[str, Any], runs: int, seed: int) -> Counter[str]:
    order_id, line_id = _target(platform, dialect)
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line_id, quantity=1)])
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    for _ in range(runs):
        plan = iter([rng.choice([None, *Fault]) for _ in range(rng.randint(0, 12))])
        kept: list[FaultInjectingTransport] = []

        def wrap(transport: Any, plan: Any = plan, kept: Any = kept) -> FaultInjectingTransport:
            kept.append(FaultInjectingTransport(transport, lambda m, p: next(plan, None)))
            return kept[-1]

        store = instrumented_sandbox(platform, wrap, max_attempts=4, retry_backoff=0, **dialect)
        assert isinstance(store, uo.Store)
        before = {r.id for r in unwrapped(store).orders.get(order_id).refunds}
        try:
            outcome = store.refunds.create(order_id, request, idempotency_key="bench-key")
            told = "refunded"
        except uo.UnifiedOrdersError as error:
            outcome, told = None, type(error).__name__
        kept[0].settle()
        after = unwrapped(store).orders.get(order_id).refunds
        new = [r for r in after if r.id not in before and r.status is not uo.RefundStatus.FAILURE]
        counts[f"told {told}"] += 1
        if len(new) > 1:
            counts["DOUBLE REFUND"] += 1
        if outcome is not None and [r.id for r in new] != [outcome.id]:
            counts["TOLD DONE FOR ANOTHER REFUND"] += 1
        try:
            retried = unwrapped(store).refunds.create(
                order_id, request, idempotency_key="bench-key"
            )
        except uo.RefundFailed as failed:
            retried = failed.refund
        keyed = [r for r in unwrapped(store).orders.get(order_id).refunds if r.idempotency_key]
        counts[
            "retry found the first" if retried.id in {r.id for r in new} else "retry created"
        ] += 1
        if len([r for r in keyed if r.idempotency_key == "bench-key"]) != 1:
            counts["LOST OR DOUBLED AFTER RETRY"] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    for name, info in sorted(uo.adapters().items()):
        if info.error is not None or Capability.REFUNDS_CREATE not in info.capabilities:
            continue
        for dialect in DIALECTS.get(name, [{}]):
            label = "/".join([name, *dialect.values()])
            counts = run(name, dialect, args.runs, args.seed)
            print(f"{label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
