"""The REST Admin API handlers (request in, answer out) and the door to the GraphQL one.

Each handler takes the :class:`~unified_orders.sandbox.SandboxRequest` and the path's ids, calls
the store's rules (:class:`~.state.ShopifyState`) and answers ``(status, body[, headers])`` in
REST shape; refusals are :class:`~.errors.ShopifyError` raised by the rules. ``GET orders.json``
pages with opaque ``page_info`` cursors in ``Link`` headers, as Shopify does.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from unified_orders.sandbox import SandboxRequest

from .errors import ShopifyError

if TYPE_CHECKING:
    from .graphql import GraphQLSandbox
    from .state import ShopifyState

__all__ = ["API_PATH", "RestHandlers", "api_version"]

#: A REST Admin API path: the API version and the resource path (without ``.json``).
API_PATH = re.compile(r"^/admin/api/(?P<version>[^/]+)/(?P<rest>.+)\.json$")

#: ``GET orders.json`` filters a ``page_info`` cursor carries on.
ORDER_FILTERS = (
    "status",
    "created_at_min",
    "created_at_max",
    "updated_at_min",
    "updated_at_max",
    "ids",
    "since_id",
    "financial_status",
)

Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]]


def api_version(request: SandboxRequest) -> str:
    """The API version in the request's path (the shell admitted only matching paths)."""
    match = API_PATH.match(request.path)
    assert match is not None
    return match.group("version")


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


def _wrapped(body: Any, key: str) -> dict[str, Any]:
    """The object a REST body wraps under ``key`` (400 when missing)."""
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise ShopifyError(400, {"errors": {key: "Required parameter missing or invalid"}})
    return body[key]  # type: ignore[no-any-return]


def _fields(data: dict[str, Any], request: SandboxRequest) -> dict[str, Any]:
    """``data`` cut down to the ``fields`` query parameter, when given."""
    fields = request.arg("fields")
    if not fields:
        return data
    wanted = {f.strip() for f in fields.split(",")}
    return {k: v for k, v in data.items() if k in wanted}


def _matches(order: dict[str, Any], filters: Mapping[str, Any]) -> bool:
    """Whether ``order`` passes the ``GET orders.json`` filters (``status`` defaults to open)."""
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


class RestHandlers:
    """The handlers :data:`~.routes.ROUTES` names, mixed into the emulator."""

    shop: str
    state: ShopifyState
    graphql: GraphQLSandbox

    # --- orders -------------------------------------------------------------------------------
    def list_orders(self, request: SandboxRequest) -> Answer:
        """``GET orders.json``: filtered, paged by ``limit`` and ``page_info`` cursors."""
        limit_text = request.arg("limit") or "50"
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 250:
            raise ShopifyError(400, {"errors": {"limit": ["must be between 1 and 250"]}})
        limit = int(limit_text)
        token = request.arg("page_info")
        if token is not None:
            others = set(request.query) - {"page_info", "limit", "fields"}
            if others:
                message = f"cannot be combined with {', '.join(sorted(others))}"
                raise ShopifyError(400, {"errors": {"page_info": [message]}})
            cursor = _decode_cursor(token)
            filters = cursor["filters"]
            after = int(cursor["after"])
        else:
            filters = {k: request.arg(k) for k in ORDER_FILTERS if request.arg(k) is not None}
            after = int(filters.get("since_id") or 0)
        matching = [o for o in self.state.orders() if _matches(o, filters) and self.state.shown(o)]
        after_cursor = [o for o in matching if int(o["id"]) > after]
        page = after_cursor[:limit]
        headers: dict[str, str] = {}
        links = []
        base = f"https://{self.shop}/admin/api/{api_version(request)}/orders.json"
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
        return 200, {"orders": [_fields(o, request) for o in page]}, headers

    def create_order(self, request: SandboxRequest) -> Answer:
        """``POST orders.json``."""
        return 201, {"order": self.state.create_order(_wrapped(request.body, "order"))}

    def get_order(self, request: SandboxRequest, order_id: str) -> Answer:
        """``GET orders/{id}.json`` (``fields`` honoured)."""
        return 200, {"order": _fields(self.state.shown_order(order_id), request)}

    def update_order(self, request: SandboxRequest, order_id: str) -> Answer:
        """``PUT orders/{id}.json``."""
        changes = _wrapped(request.body, "order")
        return 200, {"order": self.state.update_order(order_id, changes)}

    def cancel_order(self, request: SandboxRequest, order_id: str) -> Answer:
        """``POST orders/{id}/cancel.json``."""
        body = request.body if isinstance(request.body, dict) else {}
        order = self.state.cancel_order(order_id, body)
        return 200, {"order": order, "notice": "Order has been canceled"}

    def list_transactions(self, request: SandboxRequest, order_id: str) -> Answer:
        """``GET orders/{id}/transactions.json``."""
        return 200, {"transactions": self.state.transactions(order_id)}

    # --- refunds ------------------------------------------------------------------------------
    def list_refunds(self, request: SandboxRequest, order_id: str) -> Answer:
        """``GET orders/{id}/refunds.json``."""
        return 200, {"refunds": self.state.refunds(order_id)}

    def get_refund(self, request: SandboxRequest, order_id: str, refund_id: str) -> Answer:
        """``GET orders/{id}/refunds/{refund_id}.json``."""
        return 200, {"refund": self.state.refund(order_id, refund_id)}

    def calculate_refund(self, request: SandboxRequest, order_id: str) -> Answer:
        """``POST orders/{id}/refunds/calculate.json``."""
        body = _wrapped(request.body, "refund")
        return 200, {"refund": self.state.calculate_refund(order_id, body)}

    def create_refund(self, request: SandboxRequest, order_id: str) -> Answer:
        """``POST orders/{id}/refunds.json``."""
        body = _wrapped(request.body, "refund")
        return 201, {"refund": self.state.create_refund(order_id, body)}

    # --- fulfillment orders -------------------------------------------------------------------
    def list_fulfillment_orders(self, request: SandboxRequest, order_id: str) -> Answer:
        """``GET orders/{id}/fulfillment_orders.json``."""
        return 200, {"fulfillment_orders": self.state.fulfillment_orders_of(order_id)}

    def get_fulfillment_order(self, request: SandboxRequest, fo_id: str) -> Answer:
        """``GET fulfillment_orders/{id}.json``."""
        return 200, {"fulfillment_order": self.state.fulfillment_order(fo_id)}

    def hold(self, request: SandboxRequest, fo_id: str) -> Answer:
        """``POST fulfillment_orders/{id}/hold.json``."""
        held = self.state.hold(fo_id, _wrapped(request.body, "fulfillment_hold"))
        return 200, {"fulfillment_order": held}

    def release_hold(self, request: SandboxRequest, fo_id: str) -> Answer:
        """``POST fulfillment_orders/{id}/release_hold.json``."""
        return 200, {"fulfillment_order": self.state.release_hold(fo_id)}

    def request_fulfillment(self, request: SandboxRequest, fo_id: str) -> Answer:
        """``POST fulfillment_orders/{id}/fulfillment_request.json``."""
        wanted = _wrapped(request.body, "fulfillment_request")
        return 200, self.state.fulfillment_request(fo_id, wanted)

    def accept_fulfillment_request(self, request: SandboxRequest, fo_id: str) -> Answer:
        """``POST fulfillment_orders/{id}/fulfillment_request/accept.json`` (the service's side)."""
        return 200, {"fulfillment_order": self.state.accept_fulfillment_request(fo_id)}

    def request_cancellation(self, request: SandboxRequest, fo_id: str) -> Answer:
        """``POST fulfillment_orders/{id}/cancellation_request.json``."""
        body = request.body
        wanted = body.get("cancellation_request") if isinstance(body, dict) else None
        return 200, {"fulfillment_order": self.state.cancellation_request(fo_id, wanted or {})}

    def locations_for_move(self, request: SandboxRequest, fo_id: str) -> Answer:
        """``GET fulfillment_orders/{id}/locations_for_move.json``."""
        return 200, {"locations_for_move": self.state.locations_for_move(fo_id)}

    def move(self, request: SandboxRequest, fo_id: str) -> Answer:
        """``POST fulfillment_orders/{id}/move.json``."""
        return 200, self.state.move(fo_id, _wrapped(request.body, "fulfillment_order"))

    # --- shipments ----------------------------------------------------------------------------
    def cancel_fulfillment_order(self, request: SandboxRequest, fo_id: str) -> Answer:
        """``POST fulfillment_orders/{id}/cancel.json``."""
        return 200, self.state.cancel_fulfillment_order(fo_id)

    def create_fulfillment(self, request: SandboxRequest) -> Answer:
        """``POST fulfillments.json``."""
        made = self.state.create_fulfillment(_wrapped(request.body, "fulfillment"))
        return 201, {"fulfillment": made}

    def update_tracking(self, request: SandboxRequest, fulfillment_id: str) -> Answer:
        """``POST fulfillments/{id}/update_tracking.json``."""
        body = _wrapped(request.body, "fulfillment")
        return 200, {"fulfillment": self.state.update_tracking(fulfillment_id, body)}

    # --- GraphQL ------------------------------------------------------------------------------
    def answer_graphql(self, request: SandboxRequest) -> Answer:
        """``POST graphql.json``: answered by the GraphQL layer over the same state."""
        return self.graphql.handle(request.body, api_version(request))
