"""The Shopify sandbox: an in-memory REST Admin API over :class:`~.state.ShopifyState`.

``POST /admin/api/{version}/graphql.json`` is answered by :class:`.sandbox_graphql.GraphQLSandbox`
from the same state (one store, both dialects), with its own cost-based limit.

``ShopifyEmulator.handle`` routes ``/admin/api/{version}/...json`` requests to the state's
methods and answers like Shopify: ``{"errors": ...}`` bodies, the
``X-Shopify-Shop-Api-Call-Limit`` header on every response, ``Link`` headers with ``page_info``
cursors, and (when ``rate_limit`` is on) 429 with ``Retry-After`` once the leaky bucket is full.
Thread-safe (one lock), deterministic, JSON-serialisable state.
"""

from __future__ import annotations

import base64
import json
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from unified_orders.adapter import Emulator

from .graphql import GraphQLSandbox
from .state import ShopifyError, ShopifyState

__all__ = ["BUCKET_SIZE", "LEAK_RATE", "ShopifyEmulator"]

BUCKET_SIZE = 40
LEAK_RATE = 2.0
#: Versions the sandbox treats as deprecated (answers carry X-Shopify-API-Deprecated-Reason).
OLDEST_SUPPORTED = "2025-10"
DEPRECATION_NOTE = "https://shopify.dev/api/usage/versioning#deprecation-practices"

_PATH = re.compile(r"^/admin/api/(?P<version>[^/]+)/(?P<rest>.+)\.json$")
_TOKEN_ERROR = "[API] Invalid API key or access token (unrecognized login or wrong password)"

Handler = Callable[[dict[str, str], Mapping[str, list[str]], Any], tuple[int, Any, dict[str, str]]]


def _encode_cursor(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, sort_keys=True).encode()).decode().rstrip("=")


def _decode_cursor(token: str) -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise ShopifyError(400, {"errors": {"page_info": ["Invalid value."]}}) from None
    if not isinstance(data, dict):
        raise ShopifyError(400, {"errors": {"page_info": ["Invalid value."]}})
    return data


class ShopifyEmulator(Emulator):
    """An in-memory Shopify store answering the REST Admin API."""

    def __init__(
        self,
        shop: str = "sandbox.myshopify.com",
        *,
        rate_limit: bool = False,
        require_token: bool = False,
        clock: Callable[[], float] = time.monotonic,
        seed: bool = True,
    ) -> None:
        self.shop = shop
        self.state = ShopifyState(shop, seed=seed)
        self.rate_limit = rate_limit
        self.require_token = require_token
        self.bucket_size = BUCKET_SIZE
        self.leak_rate = LEAK_RATE
        self._clock = clock
        self.clock = clock
        self._level = 0.0
        self._stamp = clock()
        self._lock = threading.RLock()
        self.throttled = 0
        self.peak = 0.0
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = [
            ("GET", re.compile(r"^orders$"), self._list_orders),
            ("POST", re.compile(r"^orders$"), self._create_order),
            ("GET", re.compile(r"^orders/(\d+)$"), self._get_order),
            ("PUT", re.compile(r"^orders/(\d+)$"), self._update_order),
            ("POST", re.compile(r"^orders/(\d+)/cancel$"), self._cancel_order),
            ("GET", re.compile(r"^orders/(\d+)/transactions$"), self._transactions),
            ("GET", re.compile(r"^orders/(\d+)/refunds$"), self._refunds),
            ("GET", re.compile(r"^orders/(\d+)/refunds/(\d+)$"), self._refund),
            ("POST", re.compile(r"^orders/(\d+)/refunds/calculate$"), self._calculate),
            ("POST", re.compile(r"^orders/(\d+)/refunds$"), self._create_refund),
            ("GET", re.compile(r"^orders/(\d+)/fulfillment_orders$"), self._fulfillment_orders),
            ("GET", re.compile(r"^fulfillment_orders/(\d+)$"), self._fulfillment_order),
            ("POST", re.compile(r"^fulfillment_orders/(\d+)/hold$"), self._hold),
            ("POST", re.compile(r"^fulfillment_orders/(\d+)/release_hold$"), self._release),
            (
                "POST",
                re.compile(r"^fulfillment_orders/(\d+)/fulfillment_request$"),
                self._fulfillment_request,
            ),
            (
                "POST",
                re.compile(r"^fulfillment_orders/(\d+)/fulfillment_request/accept$"),
                self._accept_request,
            ),
            (
                "POST",
                re.compile(r"^fulfillment_orders/(\d+)/cancellation_request$"),
                self._cancellation_request,
            ),
            (
                "GET",
                re.compile(r"^fulfillment_orders/(\d+)/locations_for_move$"),
                self._locations_for_move,
            ),
            ("POST", re.compile(r"^fulfillment_orders/(\d+)/move$"), self._move),
        ]
        self.graphql = GraphQLSandbox(self)

    # --- Emulator interface -------------------------------------------------------------------
    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> tuple[int, Any, Mapping[str, str]]:
        """Answer one REST request."""
        with self._lock:
            extra: dict[str, str] = {}
            match = _PATH.match(path)
            if match is None:
                return 404, {"errors": "Not Found"}, extra
            version = match.group("version")
            extra["X-Shopify-API-Version"] = version
            if version != "unstable" and version < OLDEST_SUPPORTED:
                extra["X-Shopify-API-Deprecated-Reason"] = DEPRECATION_NOTE
            if self.require_token and not headers.get("x-shopify-access-token"):
                return 401, {"errors": _TOKEN_ERROR}, extra
            if match.group("rest") == "graphql":
                if method.upper() != "POST":
                    return 405, {"errors": "GraphQL requests are POSTs"}, extra
                status, payload = self.graphql.handle(body, version)
                return status, payload, extra
            throttled = self._drip()
            extra["X-Shopify-Shop-Api-Call-Limit"] = (
                f"{min(math.ceil(self._level), self.bucket_size)}/{self.bucket_size}"
            )
            if throttled is not None:
                extra["Retry-After"] = f"{throttled:.1f}"
                return (
                    429,
                    {
                        "errors": "Exceeded 2 calls per second for api client. Reduce request "
                        "rates to resume uninterrupted service."
                    },
                    extra,
                )
            for route_method, pattern, handler in self.routes:
                found = pattern.match(match.group("rest"))
                if route_method == method.upper() and found:
                    try:
                        status, payload, more = handler(
                            *found.groups(), query=query, body=body, version=version
                        )
                    except ShopifyError as error:
                        return error.status, error.body, extra
                    extra.update(more)
                    return status, payload, extra
            return 404, {"errors": "Not Found"}, extra

    def dump_state(self) -> dict[str, Any]:
        """The store's state (JSON-serialisable)."""
        with self._lock:
            return self.state.dump()

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace the store's state."""
        with self._lock:
            self.state.load(state)

    def seed_orders(self, n: int) -> list[str]:
        """Add ``n`` deterministic generated orders; returns their ids."""
        with self._lock:
            return self.state.seed_orders(n)

    # --- leaky bucket -------------------------------------------------------------------------
    def _drip(self) -> float | None:
        """Leak, then add this request; seconds to wait when the bucket is full and enforced."""
        now = self._clock()
        self._level = max(self._level - (now - self._stamp) * self.leak_rate, 0.0)
        self._stamp = now
        if self.rate_limit and self._level + 1 > self.bucket_size:
            self.throttled += 1
            return (self._level + 1 - self.bucket_size) / self.leak_rate
        self._level = min(self._level + 1, float(self.bucket_size))
        self.peak = max(self.peak, self._level)
        return None

    # --- handlers -----------------------------------------------------------------------------
    @staticmethod
    def _one(query: Mapping[str, list[str]], name: str) -> str | None:
        values = query.get(name)
        return values[0] if values else None

    @staticmethod
    def _wrapped(body: Any, key: str) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get(key), dict):
            raise ShopifyError(400, {"errors": {key: "Required parameter missing or invalid"}})
        return body[key]  # type: ignore[no-any-return]

    def _fields(self, data: dict[str, Any], query: Mapping[str, list[str]]) -> dict[str, Any]:
        fields = self._one(query, "fields")
        if not fields:
            return data
        wanted = {f.strip() for f in fields.split(",")}
        return {k: v for k, v in data.items() if k in wanted}

    def _list_orders(self, *, query: Mapping[str, list[str]], body: Any, version: str) -> Any:
        limit_text = self._one(query, "limit") or "50"
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 250:
            raise ShopifyError(400, {"errors": {"limit": ["must be between 1 and 250"]}})
        limit = int(limit_text)
        token = self._one(query, "page_info")
        if token is not None:
            others = set(query) - {"page_info", "limit", "fields"}
            if others:
                raise ShopifyError(
                    400,
                    {
                        "errors": {
                            "page_info": [f"cannot be combined with {', '.join(sorted(others))}"]
                        }
                    },
                )
            cursor = _decode_cursor(token)
            filters = cursor["filters"]
            after = int(cursor["after"])
        else:
            filters = {
                k: self._one(query, k)
                for k in (
                    "status",
                    "created_at_min",
                    "created_at_max",
                    "updated_at_min",
                    "updated_at_max",
                    "ids",
                    "since_id",
                    "financial_status",
                )
                if self._one(query, k) is not None
            }
            after = int(filters.get("since_id") or 0)
        matching = [o for o in self.state.orders() if self._matches(o, filters)]
        after_cursor = [o for o in matching if int(o["id"]) > after]
        page = after_cursor[:limit]
        headers: dict[str, str] = {}
        links = []
        base = f"https://{self.shop}/admin/api/{version}/orders.json"
        if len(after_cursor) > limit:
            token = _encode_cursor({"filters": filters, "after": int(page[-1]["id"])})
            links.append(f'<{base}?{urlencode({"limit": limit, "page_info": token})}>; rel="next"')
        if page and page[0] is not matching[0]:
            before = [o for o in matching if int(o["id"]) < int(page[0]["id"])]
            start = before[-limit - 1]["id"] if len(before) > limit else 0
            token = _encode_cursor({"filters": filters, "after": int(start)})
            links.append(
                f'<{base}?{urlencode({"limit": limit, "page_info": token})}>; rel="previous"'
            )
        if links:
            headers["Link"] = ", ".join(links)
        return 200, {"orders": [self._fields(o, query) for o in page]}, headers

    @staticmethod
    def _matches(order: dict[str, Any], filters: dict[str, Any]) -> bool:
        from datetime import datetime

        status = filters.get("status") or "open"
        if status == "open" and (order.get("cancelled_at") or order.get("closed_at")):
            return False
        if status == "closed" and not order.get("closed_at"):
            return False
        if status == "cancelled" and not order.get("cancelled_at"):
            return False
        if filters.get("ids"):
            ids = {x.strip() for x in str(filters["ids"]).split(",")}
            if str(order["id"]) not in ids:
                return False
        wanted = filters.get("financial_status")
        if wanted and wanted != "any" and order.get("financial_status") != wanted:
            return False
        for field, key, sign in (
            ("created_at", "created_at_min", 1),
            ("created_at", "created_at_max", -1),
            ("updated_at", "updated_at_min", 1),
            ("updated_at", "updated_at_max", -1),
        ):
            if filters.get(key):
                try:
                    bound = datetime.fromisoformat(str(filters[key]))
                    value = datetime.fromisoformat(str(order[field]))
                except ValueError:
                    raise ShopifyError(
                        400, {"errors": {key: ["is not a valid ISO 8601 date"]}}
                    ) from None
                if (value - bound).total_seconds() * sign < 0:
                    return False
        return True

    def _create_order(self, *, query: Any, body: Any, version: str) -> Any:
        return 201, {"order": self.state.create_order(self._wrapped(body, "order"))}, {}

    def _get_order(self, order_id: str, *, query: Any, body: Any, version: str) -> Any:
        return 200, {"order": self._fields(self.state.order(order_id), query)}, {}

    def _update_order(self, order_id: str, *, query: Any, body: Any, version: str) -> Any:
        return 200, {"order": self.state.update_order(order_id, self._wrapped(body, "order"))}, {}

    def _cancel_order(self, order_id: str, *, query: Any, body: Any, version: str) -> Any:
        order = self.state.cancel_order(order_id, body if isinstance(body, dict) else {})
        return 200, {"order": order, "notice": "Order has been canceled"}, {}

    def _transactions(self, order_id: str, *, query: Any, body: Any, version: str) -> Any:
        return 200, {"transactions": self.state.transactions(order_id)}, {}

    def _refunds(self, order_id: str, *, query: Any, body: Any, version: str) -> Any:
        return 200, {"refunds": self.state.refunds(order_id)}, {}

    def _refund(self, order_id: str, refund_id: str, *, query: Any, body: Any, version: str) -> Any:
        return 200, {"refund": self.state.refund(order_id, refund_id)}, {}

    def _calculate(self, order_id: str, *, query: Any, body: Any, version: str) -> Any:
        refund = self.state.calculate_refund(order_id, self._wrapped(body, "refund"))
        return 200, {"refund": refund}, {}

    def _create_refund(self, order_id: str, *, query: Any, body: Any, version: str) -> Any:
        return (
            201,
            {"refund": self.state.create_refund(order_id, self._wrapped(body, "refund"))},
            {},
        )

    def _fulfillment_orders(self, order_id: str, *, query: Any, body: Any, version: str) -> Any:
        return 200, {"fulfillment_orders": self.state.fulfillment_orders_of(order_id)}, {}

    def _fulfillment_order(self, fo_id: str, *, query: Any, body: Any, version: str) -> Any:
        return 200, {"fulfillment_order": self.state.fulfillment_order(fo_id)}, {}

    def _hold(self, fo_id: str, *, query: Any, body: Any, version: str) -> Any:
        held = self.state.hold(fo_id, self._wrapped(body, "fulfillment_hold"))
        return 200, {"fulfillment_order": held}, {}

    def _release(self, fo_id: str, *, query: Any, body: Any, version: str) -> Any:
        return 200, {"fulfillment_order": self.state.release_hold(fo_id)}, {}

    def _fulfillment_request(self, fo_id: str, *, query: Any, body: Any, version: str) -> Any:
        request = self._wrapped(body, "fulfillment_request")
        return 200, self.state.fulfillment_request(fo_id, request), {}

    def _accept_request(self, fo_id: str, *, query: Any, body: Any, version: str) -> Any:
        return 200, {"fulfillment_order": self.state.accept_fulfillment_request(fo_id)}, {}

    def _cancellation_request(self, fo_id: str, *, query: Any, body: Any, version: str) -> Any:
        request = body.get("cancellation_request") if isinstance(body, dict) else None
        fo = self.state.cancellation_request(fo_id, request or {})
        return 200, {"fulfillment_order": fo}, {}

    def _locations_for_move(self, fo_id: str, *, query: Any, body: Any, version: str) -> Any:
        return 200, {"locations_for_move": self.state.locations_for_move(fo_id)}, {}

    def _move(self, fo_id: str, *, query: Any, body: Any, version: str) -> Any:
        return 200, self.state.move(fo_id, self._wrapped(body, "fulfillment_order")), {}
