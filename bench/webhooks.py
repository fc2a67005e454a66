"""Load test of ``unified-orders webhooks serve`` on loopback: signed Shopify deliveries, some
sent twice, as fast as the receiver takes them; deliveries/s accepted, then 0 lost and 0
duplicated checked in the inbox table.

    python bench/webhooks.py [--deliveries 2000] [--duplicates 0.1] [--concurrency 32]
                             [--seconds 60] [--drain 10] [--orders 5] [--latency-ms 0]

The receiver is a separate process (``webhooks serve`` on a free port, a DuckDB file in a
temporary dir) serving the Shopify sandbox store; the client is this process (httpx, HTTP/1.1
keep-alive). Sending stops after ``--deliveries`` or ``--seconds``, whichever comes first; the
receiver then gets ``--drain`` seconds to re-read the orders before SIGTERM. Each delivery is an
``orders/updated`` of one of the sandbox's orders, signed with hmac here. ``--orders N`` seeds
the sandbox with N orders and spreads the deliveries over them; ``--latency-ms L`` serves the
sandbox from ``sandbox serve --latency-ms L`` (a platform's round trip on every re-read).
Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import httpx

import unified_orders as uo
from unified_orders.cli.sandboxes import SandboxStates

CLI = (sys.executable, "-m", "unified_orders")
SECRET = "bench-webhook-secret"
STORE = "sandbox-shopify"
#: The Shopify sandbox's demo orders.
ORDERS = [820982911946154511 + step for step in (0, 12, 20, 32, 39)]


def delivery(n: int, orders: list[int]) -> tuple[bytes, dict[str, str]]:
    """Delivery ``n``: an ``orders/updated`` of one of ``orders``, Shopify-signed."""
    body = json.dumps({"id": orders[n % len(orders)], "note": f"update {n}"}).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest())
    return body, {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/updated",
        "X-Shopify-Hmac-Sha256": signature.decode(),
        "X-Shopify-Shop-Domain": "sandbox.myshopify.com",
        "X-Shopify-Event-Id": f"bench-{n}",
        "X-Shopify-Webhook-Id": f"bench-{n}-{random.random()}",
    }


async def send(
    url: str, orders: list[int], total: int, duplicates: float, concurrency: int, seconds: float
) -> tuple[int, int, int, float]:
    """(unique deliveries sent, copies sent, answers that were not 200, elapsed seconds)."""
    plan = [n for n in range(total) for _ in range(2 if random.random() < duplicates else 1)]
    random.shuffle(plan)  # a copy may come before or after its original
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in plan:
        queue.put_nowait(n)
    sent: set[int] = set()
    copies = failures = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal copies, failures
        while not queue.empty() and time.monotonic() < deadline:
            n = queue.get_nowait()
            body, headers = delivery(n, orders)
            answer = await client.post(url, content=body, headers=headers)
            if answer.status_code != 200:
                failures += 1
            elif n in sent:
                copies += 1
            sent.add(n)

    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return len(sent), copies, failures, time.perf_counter() - started


def seeded(data: Path, count: int) -> list[int]:
    """The sandbox store's order ids, seeded with ``count`` orders first where it has fewer
    than the demo's (its state saved where the CLI processes load it)."""
    if count <= len(ORDERS):
        return ORDERS[:count]
    store = uo.connect("shopify", sandbox=True)
    emulator = store.sandbox
    assert emulator is not None
    emulator.seed_orders(count - len(ORDERS))  # type: ignore[attr-defined]
    SandboxStates(data).save(STORE, "shopify", emulator)
    return [int(order_id) for order_id in emulator.state.data["orders"]][:count]  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--duplicates", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--drain", type=float, default=10.0)
    parser.add_argument("--orders", type=int, default=len(ORDERS))
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="uo-bench-webhooks-"))
    db = work / "inbox.duckdb"
    env = {
        **os.environ,
        "UNIFIED_ORDERS_DATA_DIR": str(work / "data"),
        "UNIFIED_ORDERS_WEBHOOK_SECRET_SANDBOX_SHOPIFY": SECRET,
    }
    orders = seeded(work / "data", args.orders)
    sandbox = None
    if args.latency_ms:
        sandbox = subprocess.Popen(
            [*CLI, "sandbox", "serve", STORE, "--port", "0", "--latency-ms", str(args.latency_ms)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert sandbox.stdout is not None
        env["UNIFIED_ORDERS_SANDBOX_SERVER"] = json.loads(sandbox.stdout.readline())["url"]
    process = subprocess.Popen(
        [*CLI, "webhooks", "serve", STORE, "--db", str(db), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        url = json.loads(process.stdout.readline())["url"] + f"/webhooks/{STORE}"
        unique, copies, failures, elapsed = asyncio.run(
            send(url, orders, args.deliveries, args.duplicates, args.concurrency, args.seconds)
        )
        time.sleep(args.drain)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
        if sandbox is not None:
            sandbox.send_signal(signal.SIGTERM)
            sandbox.wait(60)
    with duckdb.connect(str(db), read_only=True) as con:
        rows, distinct, processed, span = con.execute(
            "SELECT count(*), count(DISTINCT delivery_id), count(processed_at), "
            "epoch(max(processed_at) - min(received_at)) FROM webhook_inbox"
        ).fetchone() or (0, 0, 0, None)
    print(
        json.dumps(
            {
                "orders": len(orders),
                "latency_ms": args.latency_ms,
                "deliveries": unique,
                "copies": copies,
                "non_200": failures,
                "seconds": round(elapsed, 2),
                "accepted_per_s": round((unique + copies) / elapsed, 1),
                "inbox_rows": rows,
                "lost": unique - distinct,
                "duplicated": rows - distinct,
                "processed": processed,
                "processed_per_s": round(processed / span, 1) if span else None,
            }
        )
    )


if __name__ == "__main__":
    main()
