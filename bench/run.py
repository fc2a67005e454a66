"""Benchmarks of the reporting pipeline, measured side by side in one run.

    python bench/run.py              # everything (the memory run syncs 100,000 orders: minutes)
    python bench/run.py --quick      # smaller sizes, for a smoke check
    python bench/run.py --only translation,ratelimit

Sections (targets from issue 9; results are recorded in bench/README.md, never asserted in tests):

- translation: platform JSON bytes -> canonical Order for each adapter's (and each Shopify
  dialect's) largest sandbox order, as a ratio to ``json.loads`` of the same bytes (target <=
  2.0x): the median of paired CPU-time ratios, the two timed interleaved round by round, beside
  the floor (``models_only``: building the same models from their finished parts);
- ratelimit: a sync against a sandbox with its platform limit switched on (emulator enforcing,
  client pacing): requests per second as a fraction of the limit (target >= 0.9, zero 429s);
- concurrency: wall time of 50 sandbox stores synced at once against 1 (target <= 1.3x), with
  the emulators served from another process (the client alone) and in-process, side by side
  (``--no-db``: writing nothing, which bounds what any writer could gain);
- memory: peak RSS of a subprocess syncing N sandbox orders (target <= 300 MB at 100,000); by
  default the sandbox (a real one: shopware or nextcommerce) runs in its own server process, so
  the figure is the sync's own, and the sandbox's peak is reported beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

import unified_orders as uo
from unified_orders import jsonutil
from unified_orders import operations as ops
from unified_orders.adapter import Response
from unified_orders.http import emulator_transport
from unified_orders.models.base import CanonicalModel
from unified_orders.sync import run_sync, runner
from unified_orders.sync.destination import RunState

HERE = Path(__file__).resolve().parent
PLATFORMS = ("nextcommerce", "shopify", "shopware")


def registered(platform: str) -> bool:
    info = uo.adapters().get(platform)
    return info is not None and info.error is None


# --- translation -------------------------------------------------------------------------------
class Capture(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Keeps the raw response bytes of every exchange."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.responses: list[tuple[int, dict[str, str], bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        content = response.read()
        headers = {k.lower(): v for k, v in response.headers.items()}
        self.responses.append((response.status_code, headers, content))
        return httpx.Response(response.status_code, headers=response.headers, content=content)


#: Translation runs: (label, platform, connect settings): every adapter and every dialect.
DIALECTS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("nextcommerce", "nextcommerce", {}),
    ("shopify", "shopify", {}),  # the GraphQL default
    ("shopify-rest", "shopify", {"api": "rest"}),
    ("shopware", "shopware", {}),
)


def replay(
    platform: str, seed: int, settings: dict[str, Any] | None = None
) -> tuple[Callable[[], uo.Order], Callable[[], None]]:
    """``translate`` (the adapter's ``orders.get`` of the largest order, replayed from its
    recorded response bytes) and ``baseline`` (``json.loads`` of the same bytes)."""
    store = uo.connect(platform, sandbox=True, **(settings or {}))
    emulator = store.sandbox
    assert emulator is not None
    emulator.seed_orders(seed)  # type: ignore[attr-defined]
    largest = max(
        store.orders.list(), key=lambda o: (len(o.lines), len(o.refunds), len(o.transactions))
    )
    capture = Capture(emulator_transport(emulator))
    adapter = store.adapter
    recorder = uo.Store(adapter, uo.store.SyncDriver(adapter, capture), emulator)  # type: ignore[attr-defined]
    recorder.orders.get(largest.id)
    exchanges = list(capture.responses)

    def translate() -> uo.Order:
        op = ops.get_order(adapter, largest.id)
        next(op)
        try:
            for status, headers, body in exchanges:
                op.send(Response(status, headers, jsonutil.loads(body) if body else None, ""))
        except StopIteration as stop:
            result: uo.Order = stop.value
            return result
        raise AssertionError("the operation asked for more requests than were recorded")

    def baseline() -> None:
        for _, _, body in exchanges:
            if body:
                json.loads(body)

    assert translate() == largest
    translate.order = largest  # type: ignore[attr-defined]
    translate.exchanges = exchanges  # type: ignore[attr-defined]
    return translate, baseline


def _builder(value: Any) -> Callable[[], Any]:
    """What builds ``value`` again the way any translator must at the least: every model
    (trusted, unvalidated) and every Money anew, the scalars (already Decimal, datetime, enum
    members) reused. Its cost is the floor of translation into these models."""
    if isinstance(value, uo.Money):
        amount, currency = value.amount, value.currency
        shop = _builder(value.shop) if value.shop is not None else None
        if shop is None:
            return lambda: uo.Money._make(amount, currency, None)
        return lambda: uo.Money._make(amount, currency, shop())
    if isinstance(value, CanonicalModel):
        cls = type(value)
        parts = {name: _builder(getattr(value, name)) for name in cls.model_fields}
        return lambda: cls.trusted(**{name: part() for name, part in parts.items()})
    if isinstance(value, list):
        items = [_builder(item) for item in value]
        return lambda: [item() for item in items]
    return lambda: value


def translation(platform: str, seed: int, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Replay the responses of ``orders.get`` of the largest order through the adapter, beside
    ``json.loads`` of the same bytes, the floor (building the same models, nothing else) and the
    translation's own parsing alone (``jsonutil.loads``)."""
    translate, baseline = replay(platform, seed, settings)
    largest: uo.Order = translate.order  # type: ignore[attr-defined]
    floor = _builder(largest)
    assert floor() == largest
    exchanges = translate.exchanges  # type: ignore[attr-defined]
    payload = sum(len(body) for _, _, body in exchanges)
    bodies = [body for _, _, body in exchanges if body]

    def parse() -> None:
        """The translation's own parsing of the same bytes (exact Decimals), nothing else."""
        for body in bodies:
            jsonutil.loads(body)

    # Paired rounds, interleaved, in CPU time: both sides of a ratio see the same machine load
    # (separate loops minutes apart moved the ratio 2.5-5x on a shared box).
    number, rounds = 100, 30
    ours_s, base_s, floor_s, ratios, floor_ratios, parse_ratios = [], [], [], [], [], []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(number):
            baseline()
        base = time.process_time() - started
        started = time.process_time()
        for _ in range(number):
            translate()
        ours = time.process_time() - started
        started = time.process_time()
        for _ in range(number):
            floor()
        least = time.process_time() - started
        started = time.process_time()
        for _ in range(number):
            parse()
        parsing = time.process_time() - started
        parse_ratios.append(parsing / base)
        ours_s.append(ours / number)
        base_s.append(base / number)
        floor_s.append(least / number)
        ratios.append(ours / base)
        floor_ratios.append(least / base)
    return {
        "order": largest.id,
        "lines": len(largest.lines),
        "requests": len(exchanges),
        "bytes": payload,
        "translate_us": round(min(ours_s) * 1e6, 1),
        "json_loads_us": round(min(base_s) * 1e6, 1),
        "ratio": round(statistics.median(ratios), 2),
        "ratio_range": [round(min(ratios), 2), round(max(ratios), 2)],
        "models_only_us": round(min(floor_s) * 1e6, 1),
        "models_only_ratio": round(statistics.median(floor_ratios), 2),
        "parse_only_ratio": round(statistics.median(parse_ratios), 2),
    }


# --- rate limit ----------------------------------------------------------------------------
class Statuses(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Counts responses by status, with the time of each."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.stamps: list[tuple[float, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.stamps.append((time.monotonic(), response.status_code))
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.handle_request(request)


LIMITS: dict[str, dict[str, Any]] = {
    # requests/s sustained and the burst the platform allows on top
    "nextcommerce": {"rate": 4.0, "burst": 4.0, "settings": {"rate_limit": True}},
    "shopify": {
        "rate": 2.0,
        "burst": 40.0,
        # REST's leaky bucket in requests; the GraphQL dialect (the default) is limited in cost
        # points, which this requests/s model does not describe: pin REST here.
        "settings": {"rate_limit": True, "sandbox_rate_limit": True, "api": "rest"},
    },
}


def ratelimit(platform: str, seed: int) -> dict[str, Any]:
    """Sync a rate-limited sandbox with pacing on; the achieved rate as a fraction of the limit."""
    limit = LIMITS[platform]
    from unified_orders.testing.sandbox import instrumented_sandbox

    holder: dict[str, Statuses] = {}

    def wrap(inner: Any) -> Statuses:
        holder["t"] = Statuses(inner)
        return holder["t"]

    store = instrumented_sandbox(platform, wrap, asynchronous=True, **limit["settings"])
    emulator = store.sandbox
    assert emulator is not None
    emulator.seed_orders(seed)  # type: ignore[attr-defined]
    emulator.rate_limit = True  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        summary = run_sync({"r": store}, Path(tmp) / "r.duckdb")  # type: ignore[dict-item]
        elapsed = time.monotonic() - started
    stamps = holder["t"].stamps
    throttled = sum(1 for _, status in stamps if status == 429)
    span = stamps[-1][0] - stamps[0][0]
    allowed = limit["burst"] + limit["rate"] * span
    return {
        "ok": summary.ok,
        "requests": len(stamps),
        "429s": throttled,
        "seconds": round(elapsed, 2),
        "allowed_in_span": round(allowed, 1),
        "fraction": round(len(stamps) / allowed, 3),
    }


# --- concurrency ----------------------------------------------------------------------------
class Latency(httpx.AsyncBaseTransport):
    """Adds a network round trip to every exchange (the sandboxes answer in microseconds)."""

    def __init__(self, inner: httpx.BaseTransport, seconds: float) -> None:
        self.inner = inner
        self.seconds = seconds

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(self.seconds)
        return self.inner.handle_request(request)


class NoDatabase:
    """A destination that keeps nothing (``--no-db``): what the sync costs without its writer."""

    location = "(no database)"

    def claim_store(self, store: str) -> None:
        pass

    def release_store(self, store: str) -> None:
        pass

    def state(self, store: str, platform: str) -> RunState:
        return RunState(store=store, platform=platform)

    def stored_hashes(self, store: str, ids: Any) -> dict[str, str | None]:
        return {}

    def unlisted_ids(self, store: str, run_id: str) -> list[str]:
        return []

    def open_fulfillment_orders(self, store: str, statuses: Any) -> dict[str, Any]:
        return {}

    def stored_fulfillment_orders(self, store: str, order_ids: Any) -> dict[str, Any]:
        return {}

    def write_batch(self, writes: Any) -> dict[str, int]:
        return {}

    def counts(self, store: str | None = None) -> dict[str, int]:
        return {}

    def close(self) -> None:
        pass


@contextlib.contextmanager
def destination(no_db: bool) -> Iterator[None]:
    """With ``no_db``, syncs in the block write to a :class:`NoDatabase`."""
    if not no_db:
        yield
        return
    real = runner.open_destination
    runner.open_destination = lambda *_, **__: NoDatabase()  # type: ignore[assignment]
    try:
        yield
    finally:
        runner.open_destination = real


def concurrency(
    platform: str, stores: int, latency: float, *, served: bool, no_db: bool = False
) -> dict[str, Any]:
    """Wall time of ``stores`` sandbox stores synced together, against one alone.

    Each store is paced by its own platform limit and every request takes ``latency`` seconds of
    simulated network round trip, as against a real platform. ``served``: the emulators answer
    from another process over loopback HTTP (:mod:`served`), so the figure is the client's
    alone; else they run in the measured process, their CPU counted with the sync's. ``no_db``:
    nothing is written (:class:`NoDatabase`), which bounds what any writer could gain.
    """
    from served import served_stores

    from unified_orders.testing.sandbox import instrumented_sandbox

    settings = LIMITS.get(platform, {}).get("settings", {"rate_limit": True})

    @contextlib.contextmanager
    def in_process(n: int) -> Iterator[dict[str, uo.AsyncStore]]:
        yield {
            f"s{i}": instrumented_sandbox(  # type: ignore[misc]
                platform, lambda t: Latency(t, latency), asynchronous=True, **settings
            )
            for i in range(n)
        }

    def timed(n: int) -> tuple[float, float, bool]:
        # stores (and their seeded emulators) are built before the clock starts: the figure is
        # the sync's, not the sandboxes' start-up
        made = served_stores(platform, n, latency, settings) if served else in_process(n)
        with made as stores, tempfile.TemporaryDirectory() as tmp, destination(no_db):
            started, cpu = time.monotonic(), time.process_time()
            summary = run_sync(stores, Path(tmp) / "c.duckdb")  # type: ignore[arg-type]
            return time.monotonic() - started, time.process_time() - cpu, summary.ok

    timed(1)  # warm-up: the first sync of a process imports DuckDB and the HTTP stack
    one, one_cpu, ok1 = timed(1)
    many, many_cpu, ok2 = timed(stores)
    return {
        "ok": ok1 and ok2,
        "emulators": "served" if served else "in-process",
        **({"database": "none"} if no_db else {}),
        "latency_ms": round(latency * 1000),
        "one_s": round(one, 2),
        f"{stores}_s": round(many, 2),
        "ratio": round(many / one, 2),
        # CPU of this process (served: the client's alone), one store and per store of the many
        "cpu_one_s": round(one_cpu, 3),
        "cpu_per_store_ms": round(many_cpu / stores * 1000, 1),
    }


# --- memory -----------------------------------------------------------------------------------
def memory(platform: str, orders: int, extra: list[str]) -> dict[str, Any]:
    """Peak RSS of a subprocess syncing ``orders`` sandbox orders (see ``memory_child.py``)."""
    child = HERE / "memory_child.py"
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [
                sys.executable,
                str(child),
                platform,
                str(orders),
                str(Path(tmp) / "m.duckdb"),
                *extra,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        return {"ok": False, "error": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke check)")
    parser.add_argument("--only", default="translation,ratelimit,concurrency,memory")
    parser.add_argument("--memory-orders", type=int, default=None)
    parser.add_argument("--memory-platform", default="shopware")
    parser.add_argument(
        "--memory-in-process",
        action="store_true",
        help="keep the sandbox in the measured process (its orders then count in the peak)",
    )
    parser.add_argument(
        "--memory-page-size", type=int, default=None, help="listing page size of the memory run"
    )
    parser.add_argument(
        "--memory-no-raw", action="store_true", help="memory run with run_sync(keep_raw=False)"
    )
    parser.add_argument(
        "--duckdb-memory-limit",
        default=None,
        help="what-if: open the memory run's DuckDB with this memory_limit (e.g. 100MB)",
    )
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument(
        "--platforms", default=",".join(PLATFORMS), help="comma-separated (default: all three)"
    )
    parser.add_argument("--latency", type=float, default=0.1, help="simulated round trip (s)")
    parser.add_argument(
        "--no-db",
        action="store_true",
        help="what-if: the concurrency runs write nothing (bounds what any writer could gain)",
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    quick = args.quick
    print(f"unified-orders sync benchmarks (python {sys.version.split()[0]}, pid {os.getpid()})")
    chosen = args.platforms.split(",")
    present = [p for p in PLATFORMS if p in chosen and registered(p)]
    if "translation" in only:
        print(
            "\n## translation: canonical Order from platform JSON bytes vs json.loads (target <= 2.0x)"
        )
        for label, platform, settings in DIALECTS:
            if platform in present:
                print(f"{label:13} {translation(platform, 5 if quick else 30, settings)}")
    if "ratelimit" in only:
        print(
            "\n## rate-limit use: requests / (burst + rate x span), limit on (target >= 0.9, zero 429s)"
        )
        for platform in present:
            if platform not in LIMITS:
                print(
                    f"{platform:13} skipped: the platform has no request-rate limit (bounded concurrency)"
                )
                continue
            seed = {"nextcommerce": 5 if quick else 60, "shopify": 10 if quick else 40}[platform]
            print(f"{platform:13} {ratelimit(platform, seed)}")
    if "concurrency" in only:
        print(
            f"\n## concurrency: {args.stores} paced sandbox stores at once vs 1, {args.latency * 1000:.0f} ms round trip, wall-time ratio (target <= 1.3x)"
        )
        for platform in present:
            for served in (True, False):  # the client alone, then with the emulators' CPU
                figures = concurrency(
                    platform,
                    10 if quick else args.stores,
                    args.latency,
                    served=served,
                    no_db=args.no_db,
                )
                print(f"{platform:13} {figures}", flush=True)
    if "memory" in only:
        orders = args.memory_orders or (5_000 if quick else 100_000)
        print(
            f"\n## memory: peak RSS syncing {orders} sandbox orders in a subprocess (target <= 300 MB)"
        )
        extra = (
            [] if args.memory_in_process or args.memory_platform == "synctoy" else ["--separate"]
        )
        if args.memory_page_size:
            extra += ["--page-size", str(args.memory_page_size)]
        if args.memory_no_raw:
            extra.append("--no-raw")
        if args.duckdb_memory_limit:
            extra += ["--duckdb-memory-limit", args.duckdb_memory_limit]
        print(f"{args.memory_platform:13} {memory(args.memory_platform, orders, extra)}")


if __name__ == "__main__":
    main()
