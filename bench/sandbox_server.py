"""What a sandbox server costs per request: ``orders.get`` in-process vs through
``unified-orders sandbox serve`` (a separate process on loopback), with and without
``--latency-ms``.

    python bench/sandbox_server.py [--gets 200] [--latency-ms 50]

Runs in a temporary data dir (the saved sandbox state is not touched). Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import unified_orders as uo

PLATFORMS = ("nextcommerce", "shopify", "shopware")
CLI = (sys.executable, "-m", "unified_orders")


def _timed(gets: int, store: uo.Store) -> float:
    """Milliseconds per ``orders.get`` over ``gets`` calls (after one warm-up call)."""
    ids = [order.id for order in store.orders.list()]
    store.orders.get(ids[0])
    started = time.perf_counter()
    for n in range(gets):
        store.orders.get(ids[n % len(ids)])
    return (time.perf_counter() - started) * 1000 / gets


def _serve(latency_ms: float) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [*CLI, "sandbox", "serve", "--port", "0", "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())["url"]


def _through(url: str) -> Callable[[str], uo.Store]:
    def open_store(platform: str) -> uo.Store:
        return uo.connect(platform, sandbox=True, sandbox_server=f"{url}/stores/sandbox-{platform}")

    return open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gets", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    os.environ["UNIFIED_ORDERS_DATA_DIR"] = tempfile.mkdtemp(prefix="uo-bench-serve-")
    os.environ.pop("UNIFIED_ORDERS_SANDBOX_SERVER", None)
    rows: dict[str, list[float]] = {p: [] for p in PLATFORMS}
    for platform in PLATFORMS:
        rows[platform].append(_timed(args.gets, uo.connect(platform, sandbox=True)))
    for latency, gets in ((0.0, args.gets), (args.latency_ms, max(args.gets // 10, 5))):
        process, url = _serve(latency)
        try:
            for platform in PLATFORMS:
                rows[platform].append(_timed(gets, _through(url)(platform)))
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(f"ms per orders.get: in-process | server | server --latency-ms {args.latency_ms:g}")
    for platform, (local, served, slow) in rows.items():
        print(f"{platform:<13} {local:8.2f} | {served:6.2f} | {slow:6.2f}")


if __name__ == "__main__":
    main()
