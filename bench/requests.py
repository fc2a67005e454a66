"""Requests per order of a sync, per platform and strategy, beside the fewest the API allows.

    python bench/requests.py                 # 200 sandbox orders per platform
    python bench/requests.py --orders 1000

For each platform's sandbox (pacing off): a first (full) sync of N orders, then one refund on the
oldest order and an incremental sync, each counted by request kind. "fewest" is what the
platform's documented API needs at the least for the same data (see ``FEWEST``); the gap is
what is left to win. Results go in bench/README.md ("Requests per order"), never in tests.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

import unified_orders as uo
from unified_orders import jsonutil
from unified_orders.sync import run_sync
from unified_orders.testing.sandbox import instrumented_sandbox, unwrapped

#: The fewest requests per order a full read needs, and why (documented API limits).
FEWEST = {
    "nextcommerce": (
        "1 + 1/page",
        "the order list omits lines: one ordersRetrieve per order, plus the list pages",
    ),
    "shopify": (
        "1/3 (bulk: ~0)",
        "one OrdersPage query of 3 orders under the 1,000-point cost limit; a Bulk Operation "
        "reads any number of orders in a handful of requests",
    ),
    "shopware": (
        "1/500",
        "one search per page with every association, at most 500 per page (6.6+)",
    ),
}


class Counting(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Counts requests by method, path and (GraphQL) operation name."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.kinds: Counter[str] = Counter()

    def _count(self, request: httpx.Request) -> None:
        name = request.url.path.rstrip("/").split("/")[-1]
        if request.content and request.url.path.endswith("graphql.json"):
            body = jsonutil.loads(request.content)
            name = str(body.get("operationName") or name)
        self.kinds[f"{request.method} {name}"] += 1

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._count(request)
        response: httpx.Response = self.inner.handle_request(request)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._count(request)
        response: httpx.Response = await self.inner.handle_async_request(request)
        return response


def measure(platform: str, orders: int) -> dict[str, Any]:
    """Requests of a full sync, then of an incremental sync after one refund."""
    counting: list[Counting] = []

    def wrap(transport: Any) -> Counting:
        counting.append(Counting(transport))
        return counting[-1]

    store = instrumented_sandbox(platform, wrap, asynchronous=True, rate_limit=False)
    emulator: Any = store.sandbox
    emulator.seed_orders(orders)
    total = len(list(unwrapped(store).orders.list()))
    [counter] = counting
    counter.kinds.clear()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "r.duckdb"
        [full] = run_sync({"s": store}, db).results  # type: ignore[dict-item]
        first = Counter(counter.kinds)
        counter.kinds.clear()
        refunded = _refund_one(unwrapped(store))
        counter.kinds.clear()
        [again] = run_sync({"s": store}, db).results  # type: ignore[dict-item]
        second = Counter(counter.kinds)
    assert full.ok, full.error
    assert again.ok, again.error
    return {
        "orders": total,
        "full": sum(first.values()),
        "full_kinds": dict(first.most_common(6)),
        "incremental": sum(second.values()),
        "incremental_mode": again.mode,
        "incremental_kinds": dict(second.most_common(6)),
        "refunded": refunded,
    }


def _refund_one(plain: uo.Store) -> bool:
    for order in plain.orders.list():
        for line in order.lines:
            if line.refundable_quantity < 1:
                continue
            request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=line.id, quantity=1)])
            try:
                plain.refunds.create(order, request, idempotency_key=f"bench-{order.id}")
            except (uo.InvalidRequest, uo.UnsupportedOperation, uo.IllegalTransition):
                continue
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    orders = parser.parse_args().orders
    print(
        "| platform | orders | full sync: requests (per order) | incremental after 1 refund "
        "| fewest the API allows per order |"
    )
    print("|---|---|---|---|---|")
    for platform in ("nextcommerce", "shopify", "shopware"):
        row = measure(platform, orders)
        n = row["orders"]
        fewest, why = FEWEST[platform]
        print(
            f"| {platform} | {n} | {row['full']} ({row['full'] / n:.2f}) "
            f"| {row['incremental']} ({row['incremental_mode']}) | {fewest}: {why} |"
        )
        print(f"<!-- {platform} full: {row['full_kinds']} -->")
        print(f"<!-- {platform} incremental: {row['incremental_kinds']} -->")


if __name__ == "__main__":
    main()
