"""What both Shopify dialects share: capabilities, authentication, the cached sandbox, and the
deprecation-header log. ``rest/`` and ``graphql/`` subclass the base here; the platform rules it
applies (the restock policy) are in :mod:`.rules`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from unified_orders.adapter import (
    Adapter,
    Capability,
    IdKind,
    Op,
    OrderReference,
    ReadLimits,
    Response,
    RestockPolicy,
)
from unified_orders.errors import Hint, InvalidRequest, Problem
from unified_orders.models import Order, RefundRequest
from unified_orders.ratelimit import TokenBucket

from . import access_scopes
from .rules import RESTOCK_POLICY, refund_problems
from .settings import ShopifySettings
from .vocabulary import PLATFORM, unwrap_gid

if TYPE_CHECKING:
    from .sandbox import ShopifyEmulator

__all__ = [
    "GRAPHQL_CAPABILITIES",
    "REST_CAPABILITIES",
    "RETURNS_HINT",
    "ShopifyAdapterBase",
]

log = logging.getLogger("unified_orders.shopify")

#: What the REST dialect can do.
REST_CAPABILITIES = frozenset(
    {
        Capability.ORDERS_GET,
        Capability.ORDERS_LIST,
        Capability.ORDERS_CREATE,
        Capability.ORDERS_CANCEL,
        Capability.ORDERS_UPDATE_SHIPPING_ADDRESS,
        Capability.REFUNDS_CALCULATE,
        Capability.REFUNDS_CREATE,
        Capability.REFUNDS_LIST,
        Capability.FULFILLMENTS_LIST,
        Capability.FULFILLMENTS_HOLD,
        Capability.FULFILLMENTS_RELEASE_HOLD,
        Capability.FULFILLMENTS_REQUEST_FULFILLMENT,
        Capability.FULFILLMENTS_REQUEST_CANCELLATION,
        Capability.FULFILLMENTS_AVAILABLE_LOCATIONS,
        Capability.FULFILLMENTS_MOVE,
        Capability.FULFILLMENTS_CREATE,
        Capability.FULFILLMENTS_UPDATE_TRACKING,
        Capability.FULFILLMENTS_CANCEL,
        Capability.WEBHOOKS_SUBSCRIBE,
        Capability.WEBHOOKS_LIST,
        Capability.WEBHOOKS_UNSUBSCRIBE,
    }
)

#: What the GraphQL dialect (the default) can do: REST's, plus returns.
GRAPHQL_CAPABILITIES = REST_CAPABILITIES | frozenset(
    {
        Capability.RETURNS_CREATE,
        Capability.RETURNS_GET,
        Capability.RETURNS_LIST,
        Capability.RETURNS_APPROVE,
        Capability.RETURNS_DECLINE,
        Capability.RETURNS_CLOSE,
        Capability.RETURNS_CANCEL,
        Capability.RETURNS_REOPEN,
        Capability.RETURNS_CALCULATE,
        Capability.RETURNS_PROCESS,
        Capability.REFUNDS_GET,
    }
)

#: No mutation adds units to an existing return (2026-04 has only ``removeFromReturn``).
ADD_ITEMS_HINT = Hint(
    "Shopify cannot add items to an existing return: open another return for the other units "
    "(store.returns.create)",
    cli="Shopify cannot add items to an existing return: open another one with "
    "'unified-orders returns create'",
)

#: REST reads a refund only under its order (``orders/{order_id}/refunds/{id}.json``).
REFUND_GET_HINT = Hint(
    "Shopify's REST API reads a refund only with its order: use store.refunds.list(order_id), "
    "or api='graphql' (refund(id:))",
    cli="Shopify's REST API reads a refund only with its order: use 'unified-orders refunds "
    "list STORE ORDER', or set api = \"graphql\" in the store's config",
)

RETURNS_HINT = Hint(
    "returns need the GraphQL Admin API (api='graphql')",
    cli='returns need the GraphQL Admin API: set api = "graphql" in the store\'s config',
)

#: The GID types that name each kind of id (the canonical id is the GID's number).
GID_TYPES: dict[IdKind, tuple[str, ...]] = {
    IdKind.ORDER: ("Order",),
    IdKind.LINE: ("LineItem",),
    IdKind.FULFILLMENT_ORDER: ("FulfillmentOrder",),
    IdKind.FULFILLMENT_ORDER_LINE: ("FulfillmentOrderLineItem",),
    IdKind.LOCATION: ("Location",),
    IdKind.RETURN: ("Return",),
    IdKind.REFUND: ("Refund",),
    IdKind.TRANSACTION: ("OrderTransaction",),
}


class ShopifyAdapterBase(Adapter):
    """Shared by the Shopify dialects."""

    platform: ClassVar[str] = PLATFORM
    restock_policy: ClassVar[RestockPolicy] = RESTOCK_POLICY
    calculates_refunds: ClassVar[bool] = True
    partial_refund_needs_capture: ClassVar[bool] = True
    #: Both dialects put the key marker in the refund's note and read it back.
    stores_idempotency_keys: ClassVar[bool] = True
    #: A refund pays back its transactions: amount-only refunds and lines for less (README).
    refunds_by_amount: ClassVar[bool] = True

    settings: ShopifySettings
    #: The dialect's own limit: REST's leaky bucket or GraphQL's cost bucket.
    bucket: TokenBucket

    def __init__(self, settings: ShopifySettings) -> None:
        super().__init__(settings)
        self._emulator: ShopifyEmulator | None = None
        self._lock = threading.Lock()
        self._deprecations: set[str] = set()

    @property
    def admin_url(self) -> str:
        """``https://{shop}/admin/api/{version}/``."""
        return f"https://{self.settings.shop_domain}/admin/api/{self.settings.api_version}/"

    @property
    def base_url(self) -> str:
        """``https://{shop}/admin/api/{version}/`` (GraphQL requests all go to ``graphql.json``)."""
        return self.admin_url

    def rate_limits(self) -> list[TokenBucket]:
        """The dialect's bucket."""
        return [self.bucket]

    def static_headers(self) -> Mapping[str, str]:
        """``X-Shopify-Access-Token`` (none in a sandbox without a token)."""
        token = self.settings.access_token
        return {"X-Shopify-Access-Token": token.get_secret_value()} if token is not None else {}

    def secrets(self) -> list[str]:
        """The access token, for redaction."""
        token = self.settings.access_token
        return [token.get_secret_value()] if token is not None else []

    def emulator(self) -> ShopifyEmulator:
        """The in-memory Shopify store, one per adapter."""
        with self._lock:
            if self._emulator is None:
                from .sandbox import ShopifyEmulator  # only when a sandbox is asked for

                self._emulator = ShopifyEmulator(
                    shop=self.settings.shop_domain,
                    rate_limit=self.settings.sandbox_rate_limit,
                )
            return self._emulator

    def note_deprecation(self, response: Response) -> None:
        """Log ``X-Shopify-API-Deprecated-Reason`` once per distinct reason."""
        reason = response.header("x-shopify-api-deprecated-reason")
        if not reason:
            return
        with self._lock:
            if reason in self._deprecations:
                return
            self._deprecations.add(reason)
        log.warning(
            "shopify: %s uses a deprecated API (version %s): %s",
            response.url or "a request",
            self.settings.api_version,
            reason,
        )

    def canonical_id(self, kind: IdKind, value: str, path: str) -> str:
        """A GID of the kind's type (``gid://shopify/LineItem/1``) as its number; an id as is."""
        return unwrap_gid(value, GID_TYPES[kind], path)

    def order_reference(self, text: str) -> OrderReference:
        """An Order GID is an id; digits are an id first, then an order number (``1001`` is
        order ``#1001``). Anything else is refused before any request: an order name that is not
        ``#`` and digits is given with a leading ``#`` (``#EU1001``), which always means a name."""
        if text.startswith("gid://"):
            return OrderReference(id=self.canonical_id(IdKind.ORDER, text, "order_id"))
        if text.isdigit():
            return OrderReference(id=text, number=text)
        raise InvalidRequest(
            [
                Problem(
                    "order_id",
                    f"{text!r} is not a Shopify id (digits expected), an Order GID or an order "
                    f"number; give an order name with a leading #, e.g. #{text}",
                )
            ]
        )

    def read_limits(self) -> Op[ReadLimits]:
        """The orders and fulfillment orders the app's access scopes hide
        (:mod:`.access_scopes`)."""
        return (yield from access_scopes.read_limits())

    def refund_problems(self, order: Order, request: RefundRequest) -> list[Problem]:
        """What Shopify cannot take, before any request (:func:`.rules.refund_problems`)."""
        return refund_problems(request)

    def hint(self, capability: Capability) -> str:
        """Why a capability is absent."""
        if capability is Capability.RETURNS_ADD_ITEMS and self.settings.api == "graphql":
            return ADD_ITEMS_HINT
        if capability is Capability.REFUNDS_GET:
            return REFUND_GET_HINT
        if capability.value.startswith("returns."):
            return RETURNS_HINT
        return f"{capability.value} is not available through the {self.settings.api} API"
