"""The Shopify sandbox: an in-memory store answering the REST and GraphQL Admin APIs.

One store (:class:`~.state.ShopifyState`) answers both dialects. REST requests
(``/admin/api/{version}/...json``) are routed by :data:`~.routes.ROUTES` to :mod:`.handlers`;
``POST graphql.json`` goes to :class:`~.graphql.GraphQLSandbox`, with its own cost-based limit.
Answers look like Shopify's: ``{"errors": ...}`` bodies, ``X-Shopify-API-Version`` (and
``X-Shopify-API-Deprecated-Reason`` for old versions) on every answer, the
``X-Shopify-Shop-Api-Call-Limit`` header on every REST answer, ``Link`` headers with
``page_info`` cursors, and (when ``rate_limit`` is on) 429 with ``Retry-After`` once the leaky
bucket is full. Thread-safe (the shell's lock), deterministic (writes are dated by a logical
clock unless ``wall_clock`` is given), JSON-serialisable state.

The layout: :mod:`.routes` (what it answers), :mod:`.handlers` (REST request in, answer out),
:mod:`.graphql` (the GraphQL Admin API), :mod:`.state` with :mod:`.store`,
:mod:`.fulfillment_orders`, :mod:`.refunds` and :mod:`.orders` (data and rules), :mod:`.seed`
with ``data/demo.json`` (demo data), :mod:`.errors` and :mod:`.origin` (leaves).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, ClassVar

from unified_orders.sandbox import (
    BaseEmulator,
    EmulatorError,
    LeakyBucket,
    NoRoute,
    Router,
    SandboxRequest,
    WallClock,
)

from .bulk import BulkSandbox
from .graphql import GraphQLSandbox
from .graphql.metafields import MetafieldResolvers
from .handlers import API_PATH, RestHandlers
from .metafields import MetafieldHandlers
from .origin import logical_clock
from .routes import ROUTES
from .seed import LargeOrder, build_large_order
from .state import ShopifyState
from .webhooks import ShopifyWebhooks, WebhookResolvers

__all__ = ["BUCKET_SIZE", "LEAK_RATE", "ShopifyEmulator"]

BUCKET_SIZE = 40
LEAK_RATE = 2.0
#: Versions the sandbox treats as deprecated (answers carry X-Shopify-API-Deprecated-Reason).
OLDEST_SUPPORTED = "2025-10"
DEPRECATION_NOTE = "https://shopify.dev/api/usage/versioning#deprecation-practices"

_TOKEN_ERROR = "[API] Invalid API key or access token (unrecognized login or wrong password)"
_THROTTLED = (
    "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted "
    "service."
)


class ShopifyEmulator(RestHandlers, MetafieldHandlers, BaseEmulator):
    """An in-memory Shopify store answering the REST and GraphQL Admin APIs.

    ``clock`` is the monotonic clock the rate limits read; ``wall_clock`` (e.g.
    ``unified_orders.sandbox.utc_now``) dates the writes after seeding, which otherwise follow
    the logical clock (one minute per write from :data:`~.origin.EPOCH`).
    """

    router: ClassVar[Router] = ROUTES

    def __init__(
        self,
        shop: str = "sandbox.myshopify.com",
        *,
        rate_limit: bool = False,
        require_token: bool = False,
        clock: Callable[[], float] = time.monotonic,
        seed: bool = True,
        wall_clock: WallClock | None = None,
    ) -> None:
        super().__init__(write_clock=logical_clock())
        self.shop = shop
        self.state: ShopifyState = ShopifyState(shop, seed=seed, clock=self.write_clock)
        self.wall_clock = wall_clock  # after seeding: demo data keeps its dates
        self.require_token = require_token
        self.clock = clock
        self.bucket = LeakyBucket(BUCKET_SIZE, LEAK_RATE, clock, enforce=rate_limit)
        self.graphql = GraphQLSandbox(self.state, clock, rate_limit)
        self.bulk = BulkSandbox.install(self)  # Bulk Operations and their result files
        #: Subscriptions' signed deliveries (``webhooks.outbox`` has the fault hooks).
        self.webhooks = ShopifyWebhooks(lambda: self.state, shop)
        hooks = WebhookResolvers(self.state, lambda: self.graphql.version)
        self.graphql.roots.update(hooks.roots())
        self.graphql.mutations.update(hooks.mutations())
        self.graphql.mutations.update(MetafieldResolvers(self.state).mutations())

    def changed(self) -> None:
        """The state may have changed: emit webhooks for it."""
        self.webhooks.changed()

    # --- the REST leaky bucket (tests and benchmarks read and tune these) -----------------------
    @property
    def rate_limit(self) -> bool:
        """Whether the limits are enforced (429 / ``THROTTLED``) or only measured."""
        return self.bucket.enforce

    @rate_limit.setter
    def rate_limit(self, value: bool) -> None:
        self.bucket.enforce = value
        self.graphql.cost.bucket.enforce = value

    @property
    def bucket_size(self) -> int:
        """Requests the REST bucket holds."""
        return self.bucket.size

    @bucket_size.setter
    def bucket_size(self, value: int) -> None:
        self.bucket.size = value

    @property
    def leak_rate(self) -> float:
        """Requests per second the REST bucket leaks."""
        return self.bucket.leak_rate

    @leak_rate.setter
    def leak_rate(self, value: float) -> None:
        self.bucket.leak_rate = value

    @property
    def throttled(self) -> int:
        """REST requests refused with 429 so far."""
        return self.bucket.throttled

    @property
    def peak(self) -> float:
        """The fullest the REST bucket has been."""
        return self.bucket.peak

    # --- the gate -------------------------------------------------------------------------------
    def admit(self, request: SandboxRequest) -> None:
        """The API path and version headers, the access token, then (REST only) the bucket."""
        match = API_PATH.match(request.path)
        if match is None:
            raise EmulatorError(404, {"errors": "Not Found"})
        version = match.group("version")
        request.reply_headers["X-Shopify-API-Version"] = version
        if version != "unstable" and version < OLDEST_SUPPORTED:
            request.reply_headers["X-Shopify-API-Deprecated-Reason"] = DEPRECATION_NOTE
        if self.require_token and not request.headers.get("x-shopify-access-token"):
            raise EmulatorError(401, {"errors": _TOKEN_ERROR})
        if match.group("rest") == "graphql":
            return
        wait = self.bucket.take()
        level = min(math.ceil(self.bucket.level), self.bucket.size)
        request.reply_headers["X-Shopify-Shop-Api-Call-Limit"] = f"{level}/{self.bucket.size}"
        if wait is not None:
            raise EmulatorError(429, {"errors": _THROTTLED}, {"Retry-After": f"{wait:.1f}"})

    def route_path(self, request: SandboxRequest) -> str | None:
        """The resource path: below ``/admin/api/{version}/``, without ``.json``."""
        match = API_PATH.match(request.path)
        return match.group("rest") if match else None

    def no_route(self, request: SandboxRequest, missing: NoRoute) -> EmulatorError:
        """405 for a GraphQL request that is not a POST; Shopify's 404 for anything else."""
        if self.route_path(request) == "graphql":
            return EmulatorError(405, {"errors": "GraphQL requests are POSTs"})
        return EmulatorError(404, {"errors": "Not Found"})

    # --- state ----------------------------------------------------------------------------------
    def dump_state(self) -> dict[str, Any]:
        """The store's state (JSON-serialisable)."""
        with self.lock:
            return self.state.dump()

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace the store's state."""
        with self.lock:
            self.state.load(state)

    def seed_orders(self, n: int) -> list[str]:
        """Add ``n`` deterministic generated orders; returns their ids."""
        with self.lock:
            return self.state.seed_orders(n)

    def delete_order(self, order_id: str) -> None:
        """Delete an order, as a merchant does in the admin; Shopify keeps a ``destroy`` event
        for it (the ``events`` query)."""
        with self.lock:
            self.state.delete_order(order_id)
            self.changed()

    def seed_large_order(self, shape: str | LargeOrder = "warehouse", **changes: Any) -> str:
        """Add a large order (a shape named in ``data/large_orders.json``, with ``changes``, or a
        :class:`~.seed.LargeOrder`); returns its id."""
        chosen = LargeOrder.named(shape, **changes) if isinstance(shape, str) else shape
        with self.lock:
            return str(build_large_order(self.state, chosen)["id"])
