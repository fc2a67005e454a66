"""Shopify bulk vs paged GraphQL: orders/s of a full sync under Shopify's real limit, side by side.

    python bench/bulk.py                 # N = 100
    python bench/bulk.py --orders 300

Each run syncs N sandbox orders into a fresh DuckDB file through the GraphQL dialect, once with
the paged listing (``bulk=False``: ``OrdersPage``, then the sync's returns / fulfillment order
reads) and once with Bulk Operations (``bulk=True``: one job, its JSONL file, the paged read for
the orders the file cannot carry, then the returns reads). The sandbox enforces Shopify's standard
GraphQL limit (a 2,000-point bucket restoring 100 points/s, ``THROTTLED`` beyond) and the client
paces itself by it, as against a real store. The sandbox's bulk job finishes at its first poll:
Shopify publishes no export throughput, so the bulk figure is this library's side (submit, poll,
download, rebuild, follow-ups, writes) and a real job adds its export time. Results are recorded
in bench/README.md ("Shopify bulk vs paged"), never asserted in tests.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator

import unified_orders as uo
from unified_orders import jsonutil
from unified_orders.http import emulator_transport
from unified_orders.sync import bulk as bulk_phase
from unified_orders.sync import run_sync


class Counting:
    """A transport over the emulator counting GraphQL requests, their cost points and the
    bulk file's bytes."""

    def __init__(self, emulator: ShopifyEmulator) -> None:
        self.inner = emulator_transport(emulator)
        self.operations: Counter[str] = Counter()
        self.actual = 0
        self.file_bytes = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body: Any = jsonutil.loads(request.content) if request.content else {}
        response = self.inner.handle_request(request)
        content = response.read()
        if not request.url.path.endswith("graphql.json"):
            self.operations["(bulk file download)"] += 1
            self.file_bytes += len(content)
            return response
        answer: Any = jsonutil.loads(content)
        self.operations[str(body.get("operationName"))] += 1
        cost = (answer.get("extensions") or {}).get("cost") or {}
        self.actual += int(cost.get("actualQueryCost") or 0)
        return response


def measure(orders: int, bulk: bool) -> dict[str, Any]:
    """One full sync of ``orders`` sandbox orders under the enforced limit (in bulk at any size:
    the sync pages stores of fewer than ``BULK_MIN_ORDERS`` orders by default)."""
    bulk_phase.BULK_MIN_ORDERS = 0
    emulator = ShopifyEmulator(shop="acme.myshopify.com", rate_limit=True)
    emulator.seed_orders(max(orders - len(emulator.state.data["orders"]), 0))
    total = len(emulator.state.data["orders"])
    counting = Counting(emulator)
    store = uo.connect_async(
        "shopify", sandbox=True, rate_limit=True, transport=httpx.MockTransport(counting)
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        [result] = run_sync({"s": store}, Path(folder) / "s.duckdb", bulk=bulk).results
    seconds = time.monotonic() - started
    assert result.ok, result.error
    requests = sum(counting.operations.values())
    return {
        "orders": total,
        "seconds": seconds,
        "per_second": total / seconds,
        "requests": requests,
        "per_order": requests / total,
        "actual_per_order": counting.actual / total,
        "throttled": emulator.graphql.throttled,
        # in a bulk run, OrdersPage queries are the re-reads of orders the file cannot carry
        "reread": counting.operations.get("OrdersPage", 0),
        "file_bytes": counting.file_bytes,
        "operations": dict(counting.operations.most_common()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, action="append", help="sandbox orders (repeatable)")
    sizes = parser.parse_args().orders or [100]
    print(
        "| orders | read | seconds | orders/s | requests | requests/order | actual points/order "
        "| re-read queries | THROTTLED |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for size in sizes:
        for label, bulk in (("paged GraphQL", False), ("bulk", True)):
            row = measure(size, bulk)
            print(
                f"| {row['orders']} | {label} | {row['seconds']:.1f} | {row['per_second']:.2f} "
                f"| {row['requests']} | {row['per_order']:.2f} | {row['actual_per_order']:.1f} "
                f"| {row['reread'] if bulk else '-'} | {row['throttled']} |"
            )
            print(f"<!-- {label} {size}: {row['operations']}, file {row['file_bytes']} B -->")


if __name__ == "__main__":
    main()
