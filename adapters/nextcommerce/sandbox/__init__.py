"""An in-memory Next Commerce store (Admin API 2024-04-01) for ``sandbox=True``.

Stateful and deterministic: seeded demo orders (fake customers at example.com), a logical clock
(or the wall clock, ``wall_clock``), JSON-serialisable state. It answers the endpoints the adapter uses, plus the fulfillment-service
side (accept/reject requests, create fulfillments) so every fulfillment-order state can be reached,
and enforces the documented rules (:mod:`..rules`):

- refunds: refundable quantities; restock ``cancel`` for unfulfilled units only, ``return`` or
  ``no_restock`` for fulfilled physical units, ``no_restock`` for fulfilled digital units; partial
  refunds only against captured payments; ``transactions[]`` must name the order's payments;
- fulfillment orders: hold only when open, release only when on hold, move only when open (a
  ``processing`` one needs an accepted cancellation request first), cancellation requests only
  once the fulfillment service accepted;
- the 4 requests/s per token limit with 429 + ``Retry-After`` (off by default: ``rate_limit``).

Behaviour the documentation leaves open is marked INFERRED where it is decided.
Responses follow the 2024-04-01 schemas, with the documented deviations of the real API:
``GET /orders/{number}/fulfillment-orders/`` answers a list, ``available-locations`` answers the
guide's list shape, and ``fulfillment_status`` can be ``partially_fulfilled``.

- ``routes.py``  the routing table;
- ``state.py``   the store's data, clock, ids, lookups and derived quantities;
- ``records.py`` new orders, transactions, fulfillments and fulfillment orders;
- ``handlers/``  the endpoints, by area; ``render.py`` their answers' bodies;
- ``seed.py``    the catalogue and demo orders (``data/*.json``), generated orders.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from unified_orders.sandbox import (
    BaseEmulator,
    EmulatorError,
    Router,
    SandboxRequest,
    SlidingWindow,
    WallClock,
)

from ..rules import API_ROOT, API_VERSION, RATE_LIMIT, RATE_WINDOW, VERSION_HEADER
from .handlers import (
    FulfillmentHandlers,
    FulfillmentOrderHandlers,
    FulfillmentServiceHandlers,
    OrderHandlers,
    RefundHandlers,
    TransactionHandlers,
)
from .routes import ROUTES
from .seed import (
    empty_state,
    seed_currency_orders,
    seed_demo,
    seed_orders,
    seed_unreadable_order,
)
from .state import Json, NextCommerceBackend, detail, logical_clock
from .webhooks import NextCommerceWebhooks, WebhookHandlers

__all__ = ["NextCommerceEmulator"]


class NextCommerceEmulator(
    OrderHandlers,
    RefundHandlers,
    FulfillmentOrderHandlers,
    FulfillmentServiceHandlers,
    FulfillmentHandlers,
    TransactionHandlers,
    WebhookHandlers,
    BaseEmulator,
):
    """The in-memory Next Commerce store. ``seed_orders(n)`` adds n generated orders.

    ``rate_limit=True`` enforces 4 requests/s per access token (429 + ``Retry-After: 1``);
    ``clock`` is the monotonic clock the limit reads; ``page_size`` is the order-list page size;
    ``demo=False`` starts with no orders. ``currency_orders=True`` adds a BGN and a KWD order,
    ``unreadable_order=True`` an order whose retrieve cannot be read (after the demo orders,
    whose ids stay the same). ``wall_clock`` (e.g. ``unified_orders.sandbox.utc_now``) dates the
    writes after seeding; without it they follow the logical clock (one minute per write).
    """

    router: ClassVar[Router] = ROUTES
    api_root: ClassVar[str] = API_ROOT

    def __init__(
        self,
        *,
        rate_limit: bool = False,
        clock: Callable[[], float] = time.monotonic,
        page_size: int = 4,
        demo: bool = True,
        currency_orders: bool = False,
        unreadable_order: bool = False,
        wall_clock: WallClock | None = None,
    ) -> None:
        super().__init__(write_clock=logical_clock())
        #: Subscriptions' deliveries (``webhooks.outbox`` has the fault hooks); see .webhooks.
        self.webhooks = NextCommerceWebhooks(self)
        self.rate_limit = rate_limit
        self.page_size = page_size
        self.window = SlidingWindow(RATE_LIMIT, RATE_WINDOW, clock)
        self.state = empty_state()
        if demo:
            seed_demo(self.backend)
        if currency_orders:
            seed_currency_orders(self.backend)
        if unreadable_order:
            seed_unreadable_order(self.backend)
        self.wall_clock = wall_clock  # after seeding: demo data keeps its dates
        self.changed()

    # --- state: the backend's data --------------------------------------------------------------
    @property
    def state(self) -> Json:
        """The whole store as JSON data (what ``dump_state``/``load_state`` copy)."""
        return self.backend.data

    @state.setter
    def state(self, data: Json) -> None:
        self.backend = NextCommerceBackend(data, self.write_clock)

    def changed(self) -> None:
        """Forget the derived indexes: the state may have changed; emit webhooks for it."""
        self.backend.forget()
        self.webhooks.changed()

    # --- the gate -------------------------------------------------------------------------------
    def admit(self, request: SandboxRequest) -> None:
        """A bearer token, the pinned API version, and (``rate_limit``) at most 4 requests/s."""
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            raise detail("Authentication credentials were not provided.", 401)
        version = request.headers.get(VERSION_HEADER)
        if version != API_VERSION:
            raise detail(
                f"X-29next-API-Version must be {API_VERSION!r} on this sandbox, not {version!r}."
            )
        if self.rate_limit and self.window.take(auth[7:].strip()) is not None:
            raise EmulatorError(
                429,
                {"detail": "Request was throttled. Expected available in 1 second."},
                {"retry-after": "1"},
            )

    # --- demo data ------------------------------------------------------------------------------
    def seed_orders(self, n: int, *, seed: int = 0) -> list[str]:
        """Add ``n`` generated orders, deterministically (same state + seed -> same orders).

        Each is paid by one card sale; about half are shipped in full, the rest have an open
        fulfillment order. Returns the new order numbers.
        """
        with self.lock:
            numbers = seed_orders(self.backend, n, seed=seed)
            self.changed()
            return numbers

    def seed_currency_orders(self) -> list[str]:
        """Add a BGN order (a withdrawn currency, reported in EUR) and a KWD order (three
        decimals in ISO 4217, two on the platform, reported in USD); their numbers."""
        with self.lock:
            numbers = seed_currency_orders(self.backend)
            self.changed()
            return numbers

    def seed_unreadable_order(self, kind: str = "malformed") -> str:
        """Add an order that lists like any other but whose retrieve answers a payload no
        translator can read (``malformed``: ``currency`` null) or fails (``error``: a 500)."""
        with self.lock:
            number = seed_unreadable_order(self.backend, kind)
            self.changed()
            return number
