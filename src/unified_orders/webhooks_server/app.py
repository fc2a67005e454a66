"""The receiver: an ASGI app (Starlette) with one endpoint per configured store,
``POST /webhooks/<store>``.

A delivery is read (at most :data:`MAX_BODY` bytes: 413 beyond), checked against the store's
secret with the platform's rules (401 on a bad or missing signature, nothing parsed), written to
the inbox once by (platform, store, delivery id), and answered 200 at once; a worker then parses
it, re-reads the orders it names into the destination and forwards the canonical events. An
unknown store is 404, any method but POST 405. Logs name stores, topics and delivery ids, never a
secret, a header value or a body.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import webhooks
from ..errors import UnifiedOrdersError, WebhookSignatureError
from ..store import AsyncStore
from ..sync.destination import Destination
from ..webhooks import Event
from .forward import Forwarder
from .inbox import Delivery, Inbox
from .refresh import mark_deleted, refresh_orders

__all__ = ["MAX_BODY", "Endpoint", "Receiver", "build_app"]

log = logging.getLogger("unified_orders.webhooks_server")

#: The largest body accepted (bytes). Platforms send orders of a few hundred kB at most.
MAX_BODY = 2 * 1024 * 1024
#: Seconds a stopping server goes on processing the deliveries it accepted.
DRAIN_SECONDS = 10.0
#: Deliveries processed together (an order named by several of them is re-read once).
BATCH = 100
#: Headers never kept in the inbox (credentials a proxy in front may add).
_DROPPED = frozenset({"authorization", "cookie", "proxy-authorization"})


@dataclass
class Endpoint:
    """One store the receiver serves: its platform, its webhook secret, and how to open it."""

    name: str
    platform: str
    secret: str = field(repr=False)
    open: Callable[[], AsyncStore] = field(repr=False)


class Receiver:
    """The inbox, the queue of deliveries to process, and the worker that empties it."""

    def __init__(
        self,
        db: Destination,
        endpoints: dict[str, Endpoint],
        *,
        forwarder: Forwarder | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        self.db = db
        self.endpoints = endpoints
        self.forwarder = forwarder
        self.max_body = max_body
        self.inbox = Inbox(db)
        self.queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self.processed = 0
        self._stores: dict[str, AsyncStore] = {}
        self._write_lock = asyncio.Lock()

    # -- the worker ------------------------------------------------------------------------
    async def resume(self) -> None:
        """Queue the deliveries an earlier run accepted and did not process (before the server
        accepts new ones, so none is queued twice)."""
        for delivery in await asyncio.to_thread(self.inbox.pending):
            self.queue.put_nowait(delivery)

    async def run(self) -> None:
        """Process the queued deliveries as they come, up to :data:`BATCH` at a time."""
        while True:
            batch = [await self.queue.get()]
            while len(batch) < BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            await self.process(batch)
            for _ in batch:
                self.queue.task_done()

    async def process(self, batch: list[Delivery]) -> None:
        """Parse deliveries, bring the orders they name up to date (each order once, however
        many deliveries name it, and a store's orders in one read), forward their events, and
        mark them processed (with the error, where one failed: it is not retried, a later
        delivery or sync brings the order)."""
        parsed: dict[tuple[str, str, str], list[Event]] = {}
        errors: dict[tuple[str, str, str], str] = {}
        for delivery in batch:
            try:
                parsed[delivery.key] = self._parse(delivery)
            except Exception as failure:  # one bad delivery must not stop the worker
                errors[delivery.key] = self._failed(delivery, failure)
        failed: dict[tuple[str, str], str] = {}
        for store, order_ids, deleted in _orders_named(parsed):
            try:
                outcome = await self._refresh(store, order_ids, deleted)
            except Exception as failure:  # the store or the database: recorded, not fatal
                outcome = dict.fromkeys(order_ids, failure)
            for order_id, result in outcome.items():
                if isinstance(result, Exception):
                    failed[(store, order_id)] = f"{type(result).__name__}: {result}"
        done = []
        for delivery in batch:
            events = parsed.get(delivery.key, [])
            named = list(dict.fromkeys(e.order_id for e in events if e.order_id))
            for order_id in named:
                if (delivery.store, order_id) in failed and delivery.key not in errors:
                    errors[delivery.key] = failed[(delivery.store, order_id)]
                    self._failed(delivery, "its orders were not re-read")
            if delivery.key not in errors and self.forwarder is not None:
                for event in events:
                    await self.forwarder.forward(event)
            done.append((delivery.key, named, errors.get(delivery.key)))
            if delivery.key not in errors:
                log.info(
                    "delivery %s of %s (%s) processed: %d orders",
                    delivery.delivery_id,
                    delivery.store,
                    delivery.topic,
                    len(named),
                )
        await asyncio.to_thread(self.inbox.done_many, done)
        self.processed += len(batch)

    def _parse(self, delivery: Delivery) -> list[Event]:
        endpoint = self.endpoints.get(delivery.store)
        if endpoint is None:
            raise LookupError(f"store {delivery.store!r} is no longer configured")
        return webhooks.rules(endpoint.platform).parse(
            delivery.headers, delivery.body, delivery.store
        )

    @staticmethod
    def _failed(delivery: Delivery, failure: Exception | str) -> str:
        """Log a failed delivery (its id and kind of failure, never its content)."""
        why = failure if isinstance(failure, str) else type(failure).__name__
        log.warning(
            "delivery %s of %s (%s) not processed: %s",
            delivery.delivery_id,
            delivery.store,
            delivery.topic,
            why,
        )
        return why if isinstance(failure, str) else f"{why}: {failure}"

    async def _refresh(
        self, name: str, order_ids: list[str], deleted: bool
    ) -> Mapping[str, bool | Exception]:
        endpoint = self.endpoints[name]
        if deleted:
            await mark_deleted(self.db, name, endpoint.platform, order_ids, self._write_lock)
            return dict.fromkeys(order_ids, True)
        store = self._store(endpoint)
        return await refresh_orders(self.db, name, store, order_ids, self._write_lock)

    def _store(self, endpoint: Endpoint) -> AsyncStore:
        store = self._stores.get(endpoint.name)
        if store is None:
            store = self._stores[endpoint.name] = endpoint.open()
        return store

    async def aclose(self) -> None:
        """Close the stores opened, the forwarder and the inbox."""
        for store in self._stores.values():
            await store.aclose()
        if self.forwarder is not None:
            await self.forwarder.aclose()
        self.inbox.close()

    # -- the endpoint ----------------------------------------------------------------------
    async def receive(self, request: Request) -> JSONResponse:
        """``POST /webhooks/<store>``: verify, write to the inbox once, answer."""
        name = request.path_params["store"]
        endpoint = self.endpoints.get(name)
        if endpoint is None:
            return _answer(404, "unknown store")
        body = await _read_body(request, self.max_body)
        if body is None:
            return _answer(413, f"body over {self.max_body} bytes")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROPPED}
        rules = webhooks.rules(endpoint.platform)
        try:
            rules.verify(headers, body, endpoint.secret)
            delivery = Delivery(
                endpoint.platform,
                name,
                rules.delivery_id(headers, body),
                rules.topic(headers, body),
                headers,
                body,
            )
        except WebhookSignatureError:
            log.warning("delivery to %s refused: bad or missing signature", name)
            return _answer(401, "bad or missing signature")
        except UnifiedOrdersError as failure:
            log.warning("delivery to %s refused: %s", name, type(failure).__name__)
            return _answer(400, "not a delivery this platform sends")
        new = await asyncio.to_thread(self.inbox.record, delivery)
        if new:
            self.queue.put_nowait(delivery)
        log.info(
            "delivery %s of %s (%s) %s",
            delivery.delivery_id,
            name,
            delivery.topic,
            "accepted" if new else "duplicate",
        )
        return JSONResponse({"accepted": True, "duplicate": not new})


def _orders_named(
    parsed: dict[tuple[str, str, str], list[Event]],
) -> list[tuple[str, list[str], bool]]:
    """The orders the deliveries name, each once, by store: (store, order ids, deleted), the
    orders to re-read together and those a delivery of the batch deletes (marked deleted: a
    later re-read finds them gone too)."""
    found: dict[tuple[str, str], bool] = {}
    for (_, store, _), events in parsed.items():
        for event in events:
            if event.order_id:
                key = (store, event.order_id)
                deleted = event.type == webhooks.EventType.ORDER_DELETED
                found[key] = found.get(key, False) or deleted
    groups: dict[tuple[str, bool], list[str]] = {}
    for (store, order_id), deleted in found.items():
        groups.setdefault((store, deleted), []).append(order_id)
    return [(store, order_ids, deleted) for (store, deleted), order_ids in groups.items()]


def _answer(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"accepted": False, "error": reason}, status_code=status)


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to be over ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def build_app(receiver: Receiver) -> Starlette:
    """The ASGI app: the endpoint, and the worker running for the app's lifetime."""

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await receiver.resume()
        worker = asyncio.create_task(receiver.run(), name="webhooks-worker")
        try:
            yield
        finally:
            # accepted deliveries are processed before the worker stops, for a while: what is
            # left stays unprocessed in the inbox for the next start
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(receiver.queue.join(), DRAIN_SECONDS)
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            await receiver.aclose()

    routes = [Route("/webhooks/{store}", receiver.receive, methods=["POST"])]
    return Starlette(routes=routes, lifespan=lifespan)
