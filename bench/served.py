"""Sandbox stores served from another process, for benchmarks that measure only the client.

An in-process emulator spends its CPU (answering, encoding JSON) in the measured process and on
its event loop, which a real platform never does. ``served_stores`` forks a process running a
:class:`~unified_orders.sandbox.server.SandboxServer` with ``n`` stores, each with its own
emulator and demo data, answering after ``latency`` seconds (outside the emulator's lock, as a
network round trip), and yields async stores reaching them over loopback HTTP.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

import unified_orders as uo
from unified_orders.sandbox.server import SandboxServer, ServedStore


def _serve(
    conn: Connection, platform: str, n: int, latency: float, settings: dict[str, Any]
) -> None:
    def emulator() -> Any:
        return uo.connect(platform, sandbox=True, **settings).sandbox

    stores = {f"s{i}": ServedStore(f"s{i}", platform, emulator(), fresh=emulator) for i in range(n)}
    server = SandboxServer(stores, latency=latency)
    server.start()
    conn.send(server.url)
    conn.recv()  # until the benchmark is done
    server.stop()


@contextlib.contextmanager
def served_stores(
    platform: str, n: int, latency: float, settings: dict[str, Any]
) -> Iterator[dict[str, uo.AsyncStore]]:
    """``n`` async stores named ``s0``... served by a forked sandbox server."""
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    server = context.Process(
        target=_serve, args=(theirs, platform, n, latency, settings), daemon=True
    )
    server.start()
    try:
        url = ours.recv()
        yield {
            f"s{i}": uo.connect_async(
                platform, sandbox=True, sandbox_server=f"{url}/stores/s{i}", **settings
            )
            for i in range(n)
        }
    finally:
        ours.send(None)
        server.join(10)
