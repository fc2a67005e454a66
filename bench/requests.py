"""Requests per order of a sync, per platform and strategy, beside the fewest the API allows.

    python bench/requests.py                 # 200 sandbox orders per platform
    python bench/requests.py --orders 1000

For each platform's sandbox (pacing off) and read strategy: a first (full) sync of N orders, then
one refund on the oldest order and an incremental sync, each counted by request kind. "detail
reads" are the requests for returns and fulfillment orders (and their state-machine reads) the
sync made order by order because the order read did not bring them. "fewest" is what the
platform's documented API needs at the least for the same data (see ``STRATEGIES``); the gap is
what is left to win. Results go in bench/README.md ("Requests per order"), never in tests.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import unified_orders as uo
from unified_orders import jsonutil
from unified_orders.sync import run_sync
from unified_orders.testing.sandbox import instrumented_sandbox, unwrapped


@dataclass(frozen=True)
class Strategy:
    """One way a platform's orders are read, and the fewest requests per order it allows."""

    platform: str
    name: str
    fewest: str
    why: str
    settings: dict[str, Any] = field(default_factory=dict)
    bulk: bool = False


STRATEGIES = [
    Strategy(
        "nextcommerce",
        "REST",
        "2 + 1/page",
        "the order list omits lines (one ordersRetrieve per order) and no order read carries "
        "fulfillment orders (one ordersFulfillmentOrdersRetrieve per order; fulfillmentOrdersList "
        "filters by one order_number)",
    ),
    Strategy(
        "shopify",
        "GraphQL, paged",
        "1/3",
        "one OrdersPage query of 3 orders (returns and fulfillment orders included) under the "
        "1,000-point single-query limit",
        bulk=False,
    ),
    Strategy(
        "shopify",
        "GraphQL, bulk",
        "~0",
        "a Bulk Operation reads any number of orders in a handful of requests",
        bulk=True,
    ),
    Strategy(
        "shopify",
        "REST",
        "2 + 1/250",
        "orders.json carries refunds and fulfillments, 250 a page, but not transactions "
        "(orders/{id}/transactions.json) or fulfillment orders (orders/{id}/"
        "fulfillment_orders.json): one request each per order; REST has no returns",
        settings={"api": "rest"},
    ),
    Strategy(
        "shopware",
        "Admin API search",
        "1/500",
        "one search per page with every association (returns and deliveries included), at most "
        "500 per page (6.6+)",
    ),
]

#: Request kinds that read an order's returns or fulfillment orders on their own.
DETAIL_WORDS = ("return", "fulfillment", "state")


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


def detail_reads(kinds: Counter[str]) -> int:
    """The requests of ``kinds`` that read returns or fulfillment orders order by order."""
    return sum(
        n
        for kind, n in kinds.items()
        if any(w in kind.lower() for w in DETAIL_WORDS) and "changes" not in kind.lower()
    )  # a change feed (FulfillmentOrderChanges) names orders; it reads no order's details


def measure(strategy: Strategy, orders: int) -> dict[str, Any]:
    """Requests of a full sync, then of an incremental sync after one refund."""
    counting: list[Counting] = []

    def wrap(transport: Any) -> Counting:
        counting.append(Counting(transport))
        return counting[-1]

    store = instrumented_sandbox(
        strategy.platform, wrap, asynchronous=True, rate_limit=False, **strategy.settings
    )
    emulator: Any = store.sandbox
    emulator.seed_orders(orders)
    total = len(list(unwrapped(store).orders.list()))
    [counter] = counting
    counter.kinds.clear()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "r.duckdb"
        [full] = run_sync({"s": store}, db, bulk=strategy.bulk).results  # type: ignore[dict-item]
        first = Counter(counter.kinds)
        counter.kinds.clear()
        refunded = _refund_one(unwrapped(store))
        counter.kinds.clear()
        [again] = run_sync({"s": store}, db, bulk=strategy.bulk).results  # type: ignore[dict-item]
        second = Counter(counter.kinds)
    assert full.ok, full.error
    assert again.ok, again.error
    return {
        "orders": total,
        "full": sum(first.values()),
        "full_details": detail_reads(first),
        "full_kinds": dict(first.most_common(6)),
        "incremental": sum(second.values()),
        "incremental_details": detail_reads(second),
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
        "| platform | strategy | orders | full sync: requests (per order) | of them detail reads "
        "| incremental after 1 refund (detail reads) | fewest the API allows per order |"
    )
    print("|---|---|---|---|---|---|---|")
    for strategy in STRATEGIES:
        row = measure(strategy, orders)
        n = row["orders"]
        print(
            f"| {strategy.platform} | {strategy.name} | {n} | {row['full']} "
            f"({row['full'] / n:.2f}) | {row['full_details']} ({row['full_details'] / n:.2f}) "
            f"| {row['incremental']} ({row['incremental_details']}; {row['incremental_mode']}) "
            f"| {strategy.fewest}: {strategy.why} |"
        )
        print(f"<!-- {strategy.platform} {strategy.name} full: {row['full_kinds']} -->")
        print(
            f"<!-- {strategy.platform} {strategy.name} incremental: {row['incremental_kinds']} -->"
        )


if __name__ == "__main__":
    main()
