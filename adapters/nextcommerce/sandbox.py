"""An in-memory Next Commerce store (Admin API 2024-04-01) for ``sandbox=True``.

Stateful and deterministic: seeded demo orders (fake customers at example.com), a logical clock,
JSON-serialisable state. It answers the endpoints the adapter uses, plus the fulfillment-service
side (accept/reject requests, create fulfillments) so every fulfillment-order state can be reached,
and enforces the documented rules:

- refunds: refundable quantities; restock ``cancel`` for unfulfilled units only, ``return`` or
  ``no_restock`` for fulfilled physical units, ``no_restock`` for fulfilled digital units; partial
  refunds only against captured payments; ``transactions[]`` must name the order's payments;
- fulfillment orders: hold only when open, release only when on hold, move only when open (a
  ``processing`` one needs an accepted cancellation request first), cancellation requests only
  once the fulfillment service accepted;
- the 4 requests/s per token limit with 429 + ``Retry-After`` (off by default: ``rate_limit``).

Behaviour the documentation leaves open is marked INFERRED where it is decided here.
Responses follow the 2024-04-01 schemas, with the documented deviations of the real API:
``GET /orders/{number}/fulfillment-orders/`` answers a list, ``available-locations`` answers the
guide's list shape, and ``fulfillment_status`` can be ``partially_fulfilled``.
"""

from __future__ import annotations

import copy
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from unified_orders.adapter import Emulator

__all__ = ["NextCommerceEmulator"]

API_VERSION = "2024-04-01"
PREFIX = "/api/admin/"
BASE_TIME = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
CENT = Decimal("0.01")
RATE_LIMIT = 4  # requests per second per access token
FO_STATUSES_OPEN = ("open", "on_hold")
HOLD_REASONS = ("address_incorrect", "out_of_stock", "high_risk", "awaiting_payment", "other")
REQUIRED_ADDRESS = ("first_name", "last_name", "line1", "line4", "country")

Json = dict[str, Any]


class _Error(Exception):
    """An error response: status and DRF-style body."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def _bad(body: Any) -> _Error:
    return _Error(400, body)


def _detail(message: str, status: int = 400) -> _Error:
    return _Error(status, {"detail": message})


def d(value: Any) -> Decimal:
    """A Decimal from a stored decimal string."""
    return Decimal(str(value))


def q2(value: Decimal) -> Decimal:
    """Rounded half-up to cents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def s2(value: Decimal) -> str:
    """Cents as the platform's decimal string."""
    return str(q2(value))


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


# --- seed data ---------------------------------------------------------------------------------------
def _address(
    id_: int, first: str, last: str, line1: str, city: str, state: str, postcode: str, country: str
) -> Json:
    return {
        "id": id_,
        "first_name": first,
        "last_name": last,
        "line1": line1,
        "line2": "",
        "line4": city,
        "state": state,
        "postcode": postcode,
        "country": country,
        "phone_number": "+15555550100",
    }


LOCATIONS: dict[str, Json] = {
    "1": {
        "id": 1,
        "name": "Main Warehouse",
        "address": {
            "line1": "1 Warehouse Way",
            "line4": "Austin",
            "state": "TX",
            "postcode": "78701",
            "country": "US",
        },
        "callback_url": None,
        "accept_return": True,
    },
    "2": {
        "id": 2,
        "name": "EU Fulfillment Centre",
        "address": {
            "line1": "2 Lagerstrasse",
            "line4": "Berlin",
            "state": "",
            "postcode": "10115",
            "country": "DE",
        },
        "callback_url": None,
        "accept_return": True,
    },
    "3": {
        "id": 3,
        "name": "Dropship Partner (3PL)",
        "address": {
            "line1": "3 Logistics Park",
            "line4": "Reno",
            "state": "NV",
            "postcode": "89501",
            "country": "US",
        },
        "callback_url": "https://3pl.example.com/nextcommerce",
        "accept_return": False,
    },
}

PRODUCTS: dict[str, Json] = {
    "101": {
        "id": 101,
        "variant_id": 1101,
        "sku": "TSHIRT-BLK-M",
        "title": "Demo T-Shirt",
        "variant_title": "Black / M",
        "price": "25.00",
        "cost": "8.00",
        "requires_shipping": True,
    },
    "102": {
        "id": 102,
        "variant_id": 1102,
        "sku": "MUG-WHT",
        "title": "Demo Mug",
        "variant_title": "White",
        "price": "12.50",
        "cost": "3.00",
        "requires_shipping": True,
    },
    "103": {
        "id": 103,
        "variant_id": 1103,
        "sku": "EBOOK-GUIDE",
        "title": "Demo E-book",
        "variant_title": "PDF",
        "price": "9.99",
        "cost": "0.00",
        "requires_shipping": False,
    },
    "104": {
        "id": 104,
        "variant_id": 1104,
        "sku": "HOODIE-GRY-L",
        "title": "Demo Hoodie",
        "variant_title": "Grey / L",
        "price": "49.00",
        "cost": "18.00",
        "requires_shipping": True,
    },
}

GATEWAYS: dict[str, Json] = {
    "1": {"id": 1, "name": "Sandbox Card Gateway", "type": "card", "decline_refunds": False},
    "2": {"id": 2, "name": "Sandbox Gift Card", "type": "gift_card", "decline_refunds": False},
    # Refunds through this gateway fail: shows that transaction status decides refund success.
    "3": {"id": 3, "name": "Sandbox Declining Gateway", "type": "card", "decline_refunds": True},
    "4": {"id": 4, "name": "External", "type": "external", "decline_refunds": False},
}


def _empty_state() -> Json:
    return {
        "tick": 0,
        "counters": {
            "order": 10000,
            "user": 500,
            "line": 1000,
            "txn": 5000,
            "refund": 700,
            "refund_line": 7000,
            "adjustment": 8000,
            "fo": 300,
            "fo_line": 3000,
            "fulfillment": 400,
            "fulfillment_line": 4000,
            "address": 9000,
        },
        "locations": copy.deepcopy(LOCATIONS),
        "products": copy.deepcopy(PRODUCTS),
        "gateways": copy.deepcopy(GATEWAYS),
        "orders": {},
        "fulfillment_orders": {},
    }


class NextCommerceEmulator(Emulator):
    """The in-memory Next Commerce store. ``seed_orders(n)`` adds n generated orders.

    ``rate_limit=True`` enforces 4 requests/s per access token (429 + ``Retry-After: 1``);
    ``clock`` is the monotonic clock the limit reads; ``page_size`` is the order-list page size.
    """

    def __init__(
        self,
        *,
        rate_limit: bool = False,
        clock: Callable[[], float] = time.monotonic,
        page_size: int = 4,
        demo: bool = True,
    ) -> None:
        self._lock = threading.RLock()
        self.rate_limit = rate_limit
        self.page_size = page_size
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self.state: Json = _empty_state()
        # Derived indexes, so a request costs O(page) however many orders the store holds. They
        # are rebuilt when ``_generation`` (bumped by every write) or the store's size changes.
        self._generation = 0
        self._fo_index: tuple[tuple[int, int], dict[str, list[Json]]] | None = None
        self._list_cache: dict[tuple[Any, ...], list[Json]] = {}
        self._list_key: tuple[int, int, int] | None = None
        if demo:
            self._seed_demo()

    # --- Emulator interface ------------------------------------------------------------------
    def dump_state(self) -> dict[str, Any]:
        """The whole store as JSON-serialisable data."""
        with self._lock:
            return copy.deepcopy(self.state)

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace the store with data from ``dump_state``."""
        with self._lock:
            self.state = copy.deepcopy(state)
            self._changed()

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> tuple[int, Any, Mapping[str, str]]:
        """Answer one Admin API request."""
        with self._lock:
            writes = method.upper() != "GET"
            if writes:
                self._changed()
            try:
                self._gate(headers)
                status, payload = self._route(method.upper(), path, query, headers, body)
            except _Error as error:
                return error.status, error.body, error.headers
            finally:
                if writes:
                    self._changed()
            return status, payload, {}

    def _changed(self) -> None:
        """Forget the derived indexes: the state may have changed."""
        self._generation += 1
        self._fo_index = None
        self._list_cache.clear()

    # --- cross-cutting checks ------------------------------------------------------------------
    def _gate(self, headers: Mapping[str, str]) -> None:
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            raise _detail("Authentication credentials were not provided.", 401)
        version = headers.get("x-29next-api-version")
        if version != API_VERSION:
            raise _detail(
                f"X-29next-API-Version must be {API_VERSION!r} on this sandbox, not {version!r}."
            )
        if self.rate_limit:
            now = self._clock()
            hits = self._hits.setdefault(auth[7:].strip(), deque())
            while hits and now - hits[0] >= 1.0:
                hits.popleft()
            if len(hits) >= RATE_LIMIT:
                raise _Error(
                    429,
                    {"detail": "Request was throttled. Expected available in 1 second."},
                    {"retry-after": "1"},
                )
            hits.append(now)

    def _route(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> tuple[int, Any]:
        if not path.startswith(PREFIX):
            raise _detail("Not found.", 404)
        rest = path[len(PREFIX) :]
        host = headers.get("host", "sandbox.29next.store")
        routes: list[tuple[str, str, Callable[..., tuple[int, Any]]]] = [
            ("GET", r"orders/", lambda: self._list_orders(query, host)),
            ("POST", r"orders/", lambda: self._create_order(body)),
            ("GET", r"orders/(?P<n>[^/]+)/", lambda n: (200, self._render_order(self._order(n)))),
            ("PATCH", r"orders/(?P<n>[^/]+)/", lambda n: self._patch_order(n, body)),
            ("POST", r"orders/(?P<n>[^/]+)/cancel/", lambda n: self._cancel(n, body)),
            ("POST", r"orders/(?P<n>[^/]+)/refund/calculate/", lambda n: self._calculate(n, body)),
            ("POST", r"orders/(?P<n>[^/]+)/refund/", lambda n: self._refund(n, body)),
            ("GET", r"orders/(?P<n>[^/]+)/fulfillment-orders/", lambda n: self._order_fos(n)),
            (
                "GET",
                r"fulfillment-orders/(?P<i>\d+)/",
                lambda i: (200, self._render_fo(self._fo(i))),
            ),
            ("POST", r"fulfillment-orders/(?P<i>\d+)/hold/", lambda i: self._hold(i, body)),
            ("POST", r"fulfillment-orders/(?P<i>\d+)/release-hold/", lambda i: self._release(i)),
            (
                "POST",
                r"fulfillment-orders/(?P<i>\d+)/fulfillment-request/",
                lambda i: self._request(i, body),
            ),
            (
                "POST",
                r"fulfillment-orders/(?P<i>\d+)/fulfillment-request/accept/",
                lambda i: self._request_answer(i, True),
            ),
            (
                "POST",
                r"fulfillment-orders/(?P<i>\d+)/fulfillment-request/reject/",
                lambda i: self._request_answer(i, False),
            ),
            (
                "POST",
                r"fulfillment-orders/(?P<i>\d+)/cancellation-request/",
                lambda i: self._cancel_request(i, body),
            ),
            (
                "POST",
                r"fulfillment-orders/(?P<i>\d+)/cancellation-request/accept/",
                lambda i: self._cancel_answer(i, True),
            ),
            (
                "POST",
                r"fulfillment-orders/(?P<i>\d+)/cancellation-request/reject/",
                lambda i: self._cancel_answer(i, False),
            ),
            (
                "GET",
                r"fulfillment-orders/(?P<i>\d+)/available-locations/",
                lambda i: self._locations(i),
            ),
            ("POST", r"fulfillment-orders/(?P<i>\d+)/move/", lambda i: self._move(i, body)),
            (
                "POST",
                r"fulfillment-orders/(?P<i>\d+)/fulfillments/",
                lambda i: self._fulfill(i, body),
            ),
        ]
        known_path = False
        for verb, pattern, action in routes:
            match = re.fullmatch(pattern, rest)
            if match is None:
                continue
            known_path = True
            if verb == method:
                return action(**match.groupdict())
        if known_path:
            raise _detail(f'Method "{method}" not allowed.', 405)
        raise _detail("Not found.", 404)

    # --- clock and ids -------------------------------------------------------------------------------
    def _now(self) -> str:
        self.state["tick"] += 1
        return (
            (BASE_TIME + timedelta(minutes=self.state["tick"])).isoformat().replace("+00:00", "Z")
        )

    def _next(self, name: str) -> int:
        self.state["counters"][name] += 1
        return int(self.state["counters"][name])

    # --- lookups -------------------------------------------------------------------------------------
    def _order(self, number: str) -> Json:
        order = self.state["orders"].get(number)
        if order is None:
            raise _detail("Not found.", 404)
        return order  # type: ignore[no-any-return]

    def _fo(self, fo_id: str | int) -> Json:
        fo = self.state["fulfillment_orders"].get(str(fo_id))
        if fo is None:
            raise _detail("Not found.", 404)
        return fo  # type: ignore[no-any-return]

    def _fos_of(self, number: str) -> list[Json]:
        # Fulfillment orders are only ever added, and never change order: an index by order
        # number, rebuilt when the table grows (or is replaced), is exact.
        fos: dict[str, Json] = self.state["fulfillment_orders"]
        key = (id(fos), len(fos))
        if self._fo_index is None or self._fo_index[0] != key:
            index: dict[str, list[Json]] = {}
            for fo in fos.values():
                index.setdefault(fo["order_number"], []).append(fo)
            self._fo_index = (key, index)
        return list(self._fo_index[1].get(number, ()))

    # --- derived quantities ------------------------------------------------------------------------
    @staticmethod
    def _fulfilled(order: Json, line_id: int) -> int:
        return sum(
            item["quantity"]
            for f in order["fulfillments"]
            if f["status"] == "success"
            for item in f["lines"]
            if item["order_line_id"] == line_id
        )

    @staticmethod
    def _refunded(order: Json, line_id: int, restock: str | None = None) -> int:
        return sum(
            item["quantity"]
            for r in order["refunds"]
            for item in r["lines"]
            if item["line_item_id"] == line_id
            and (restock is None or item["restock_type"] == restock)
        )

    def _unfulfilled(self, order: Json, line: Json) -> int:
        """Units still to ship: neither fulfilled nor canceled by a refund (INFERRED)."""
        return max(
            int(line["current_quantity"])
            - self._fulfilled(order, line["id"])
            - self._refunded(order, line["id"], "cancel"),
            0,
        )

    def _fulfilled_refundable(self, order: Json, line: Json) -> int:
        refunded_fulfilled = self._refunded(order, line["id"]) - self._refunded(
            order, line["id"], "cancel"
        )
        return max(self._fulfilled(order, line["id"]) - refunded_fulfilled, 0)

    @staticmethod
    def _incl(excl: Decimal, rate: Any) -> Decimal:
        return q2(excl * (1 + d(rate)))

    def _line_prices(self, line: Json) -> tuple[Decimal, Decimal]:
        excl = d(line["price_excl_tax"])
        return excl, self._incl(excl, line["tax_rate"])

    def _totals(self, order: Json) -> Json:
        lines_excl = sum(
            (self._line_prices(line)[0] * line["current_quantity"] for line in order["lines"]),
            Decimal(0),
        )
        lines_incl = sum(
            (self._line_prices(line)[1] * line["current_quantity"] for line in order["lines"]),
            Decimal(0),
        )
        ship_excl = d(order["shipping_excl_tax"])
        ship_incl = self._incl(ship_excl, order["shipping_tax_rate"])
        cost = sum(
            (d(line["unit_cost"]) * line["current_quantity"] for line in order["lines"]), Decimal(0)
        )
        return {
            "lines_excl": lines_excl,
            "lines_incl": lines_incl,
            "ship_excl": ship_excl,
            "ship_incl": ship_incl,
            "total_excl": lines_excl + ship_excl,
            "total_incl": lines_incl + ship_incl,
            "cost": cost,
        }

    def _txn(self, order: Json, txn_id: int) -> Json | None:
        return next((t for t in order["transactions"] if t["id"] == txn_id), None)

    def _refundable_of(self, order: Json, txn: Json) -> Decimal:
        """What a payment transaction can still give back (captures; open authorizations)."""
        if txn["status"] != "succeeded" or txn["type"] not in ("debit", "authorize"):
            return Decimal(0)
        children = [
            t
            for t in order["transactions"]
            if t.get("parent_id") == txn["id"] and t["status"] == "succeeded"
        ]
        if txn["type"] == "debit":
            used = sum((d(t["amount"]) for t in children if t["type"] == "refund"), Decimal(0))
        else:
            used = sum(
                (d(t["amount"]) for t in children if t["type"] in ("debit", "void")), Decimal(0)
            )
        return max(d(txn["amount"]) - used, Decimal(0))

    def _captured(self, order: Json) -> list[Json]:
        return [
            t for t in order["transactions"] if t["type"] == "debit" and t["status"] == "succeeded"
        ]

    def _payment_status(self, order: Json) -> str:
        txns = order["transactions"]
        ok = [t for t in txns if t["status"] == "succeeded"]
        captured = sum((d(t["amount"]) for t in ok if t["type"] == "debit"), Decimal(0))
        refunded = sum((d(t["amount"]) for t in ok if t["type"] == "refund"), Decimal(0))
        open_auth = sum(
            (self._refundable_of(order, t) for t in ok if t["type"] == "authorize"), Decimal(0)
        )
        voided = any(t["type"] == "void" for t in ok)
        if captured == 0:
            if open_auth > 0:
                return "authorized"
            return "voided" if voided else "pending"
        if refunded >= captured:
            return "refunded"
        if refunded > 0:
            return "partially_refunded"
        if captured >= self._totals(order)["total_incl"]:
            return "paid"
        return "partially_paid"

    def _fulfillment_status(self, order: Json) -> str:
        if order.get("fulfillment_status_override"):
            return str(order["fulfillment_status_override"])
        shippable = [line for line in order["lines"] if line["requires_shipping"]]
        to_ship = sum(
            line["current_quantity"] - self._refunded(order, line["id"], "cancel")
            for line in shippable
        )
        shipped = sum(self._fulfilled(order, line["id"]) for line in shippable)
        if to_ship <= 0:
            return "fulfilled" if order["fulfillments"] else "not_required"
        if shipped >= to_ship:
            return "fulfilled"
        if shipped > 0:
            return "partially_fulfilled"  # not in the response enum, but sent (see the notes §11)
        statuses = {fo["status"] for fo in self._fos_of(order["number"])}
        if "processing" in statuses:
            return "processing"
        if "on_hold" in statuses:
            return "on_hold"
        return "unfulfilled"

    # --- rendering (2024-04-01 schemas) -------------------------------------------------------------
    def _report(self, order: Json, amount: Decimal) -> str:
        return s2(amount * d(order["report_rate"]))

    def _render_txn(self, order: Json, txn: Json) -> Json:
        gateway = self.state["gateways"][str(txn["gateway_id"])]
        return {
            "id": txn["id"],
            "type": txn["type"],
            "status": txn["status"],
            "amount": txn["amount"],
            "currency": order["currency"],
            "parent_id": txn.get("parent_id"),
            "date_created": txn["date_created"],
            "response_code": 100 if txn["status"] == "succeeded" else 200,
            "auth_code": "SANDBOX" if txn["status"] == "succeeded" else None,
            "external_id": None,
            "is_disputed": False,
            "is_external": gateway["type"] == "external",
            "is_test": True,
            "network_transaction_id": None,
            "payment_method": txn["payment_method"],
            "statement_descriptor": None,
            "payment_details": {
                "gateway": {"id": gateway["id"], "name": gateway["name"], "type": gateway["type"]},
                "bankcard_first_six": "424242" if txn["payment_method"] == "card_token" else None,
                "bankcard_last_four": "4242" if txn["payment_method"] == "card_token" else None,
                "card_token": "",
                "is_3ds": False,
                "optimized_3ds": False,
                "paypal_vault_id": "",
                "sca_flow": "",
            },
            "report_values": {
                "amount": self._report(order, d(txn["amount"])),
                "currency": order["report_currency"],
            },
        }

    def _tax_breakdown(self, order: Json, amount: Decimal, rate: Any, title: str) -> Json:
        return {
            "amount": s2(amount),
            "currency": order["currency"],
            "rate": d(rate),
            "report_values": {
                "amount": self._report(order, amount),
                "currency": order["report_currency"],
            },
            "source": "store",
            "tax_id": 1,
            "tax_title": title,
        }

    def _render_line(self, order: Json, line: Json) -> Json:
        excl, incl = self._line_prices(line)
        unfulfilled = self._unfulfilled(order, line)
        product = self.state["products"].get(str(line["product_id"]), {})
        tax = (incl - excl) * line["current_quantity"]
        total_cost = d(line["unit_cost"]) * line["current_quantity"]

        def rv(amount: Decimal) -> str:
            return self._report(order, amount)

        return {
            "id": line["id"],
            "product_id": line["variant_id"],
            "variant_id": line["variant_id"],
            "sku": line["sku"],
            "product_title": line["title"],
            "variant_title": line["variant_title"],
            "product_image": f"https://cdn.example.com/products/{product.get('id', line['product_id'])}.png",
            "product_url": f"https://sandbox.29next.store/products/{product.get('id', line['product_id'])}/",
            "currency": order["currency"],
            "price_excl_tax": s2(excl),
            "price_incl_tax": s2(incl),
            "original_price_excl_tax": s2(excl),
            "original_price_incl_tax": s2(incl),
            "original_total_discount": "0.00",
            "total_discount": "0.00",
            "unit_cost": s2(d(line["unit_cost"])),
            "total_cost": s2(total_cost),
            "quantity": line["quantity"],
            "current_quantity": line["current_quantity"],
            "fulfillable_quantity": unfulfilled,
            "editable_quantity": unfulfilled,
            "requires_shipping": line["requires_shipping"],
            "is_upsell": False,
            "is_gift_card": False,
            "metadata": {},
            "tax_lines": [self._tax_breakdown(order, tax, line["tax_rate"], "Sales Tax")]
            if tax > 0
            else [],
            "report_values": {
                "currency": order["report_currency"],
                "price_excl_tax": rv(excl),
                "price_incl_tax": rv(incl),
                "original_price_excl_tax": rv(excl),
                "original_price_incl_tax": rv(incl),
                "original_total_discount": "0.00",
                "total_discount": "0.00",
                "total_cost": rv(total_cost),
                "unit_cost": rv(d(line["unit_cost"])),
            },
            "created_at": line["created_at"],
            "updated_at": line["created_at"],
        }

    def _render_fulfillment(self, order: Json, fulfillment: Json) -> Json:
        location = self.state["locations"][str(fulfillment["location_id"])]
        returned_left = {
            line["id"]: self._refunded(order, line["id"], "return") for line in order["lines"]
        }
        refunded_left = {
            line["id"]: self._refunded(order, line["id"])
            - self._refunded(order, line["id"], "cancel")
            for line in order["lines"]
        }
        items = []
        for item in fulfillment["lines"]:
            line = next(x for x in order["lines"] if x["id"] == item["order_line_id"])
            excl, incl = self._line_prices(line)
            returned = min(returned_left[line["id"]], item["quantity"])
            returned_left[line["id"]] -= returned
            refunded = min(refunded_left[line["id"]], item["quantity"])
            refunded_left[line["id"]] -= refunded
            items.append(
                {
                    "id": item["id"],
                    "order_line_id": line["id"],
                    "quantity": item["quantity"],
                    "fulfilled_quantity": str(item["quantity"]),
                    "returnable_quantity": str(item["quantity"] - refunded),
                    "returned_quantity": str(returned),
                    "fulfillment_service": "manual",
                    "sku": line["sku"],
                    "product_id": line["variant_id"],
                    "product_title": line["title"],
                    "product_image": f"https://cdn.example.com/products/{line['product_id']}.png",
                    "requires_shipping": line["requires_shipping"],
                    "price_excl_tax": s2(excl),
                    "price_incl_tax": s2(incl),
                    "total_discount": "0.00",
                    "currency": order["currency"],
                    "tax_lines": [],
                }
            )
        code = fulfillment.get("tracking_code") or ""
        link = f"https://tracking.example.com/{code}" if code else ""
        carrier = fulfillment.get("carrier") or ""
        return {
            "id": fulfillment["id"],
            "order_number": order["number"],
            "location_id": fulfillment["location_id"],
            "created_at": fulfillment["created_at"],
            "status": fulfillment["status"],
            "delivery_status": "tracking_added" if code else "",
            "last_event_date": None,
            "shipping_method": order["shipping_method"],
            "requires_shipping": any(i["requires_shipping"] for i in items),
            "origin_address": location["address"],
            "tracking_code": code,
            "tracking_codes": code,
            "tracking_link": link,
            "tracking_links": link,
            "tracking_carrier": carrier,
            "tracking_carriers": carrier,
            "line_items": items,
        }

    def _render_refund(self, order: Json, refund: Json) -> Json:
        rc = order["report_currency"]
        txns = [t for t in order["transactions"] if t["id"] in refund["transaction_ids"]]
        total = sum((d(t["amount"]) for t in txns if t["status"] == "succeeded"), Decimal(0))
        ret_excl = sum(
            (d(x["amount_excl_tax"]) for x in refund["lines"] + refund["adjustments"]), Decimal(0)
        )
        ret_incl = sum(
            (d(x["amount_incl_tax"]) for x in refund["lines"] + refund["adjustments"]), Decimal(0)
        )

        def pair(item: Json) -> Json:
            return {
                "amount_excl_tax": self._report(order, d(item["amount_excl_tax"])),
                "amount_incl_tax": self._report(order, d(item["amount_incl_tax"])),
                "currency": rc,
            }

        return {
            "id": refund["id"],
            "order_number": order["number"],
            "created_at": refund["created_at"],
            "note": refund.get("note"),
            "user_id": 1,
            "refund_line_items": [
                {
                    "id": item["id"],
                    "line_item_id": item["line_item_id"],
                    "location_id": item["location_id"],
                    "quantity": item["quantity"],
                    "restock_type": item["restock_type"],
                    "amount_excl_tax": item["amount_excl_tax"],
                    "amount_incl_tax": item["amount_incl_tax"],
                    "report_values": pair(item),
                }
                for item in refund["lines"]
            ],
            "adjustments": [
                {
                    "id": item["id"],
                    "type": item["type"],
                    "amount_excl_tax": item["amount_excl_tax"],
                    "amount_incl_tax": item["amount_incl_tax"],
                    "report_values": pair(item),
                }
                for item in refund["adjustments"]
            ],
            "transactions": [self._render_txn(order, t) for t in txns],
            "total_refund_amount": s2(total),
            "total_return_excl_tax": s2(ret_excl),
            "total_return_incl_tax": s2(ret_incl),
            "report_values": {
                "currency": rc,
                "total_refund_amount": self._report(order, total),
                "total_return_excl_tax": self._report(order, ret_excl),
                "total_return_incl_tax": self._report(order, ret_incl),
            },
        }

    def _summary(self, order: Json) -> Json:
        """The fields ``OrderList`` and ``Order`` share."""
        t = self._totals(order)
        captured = sum((d(x["amount"]) for x in self._captured(order)), Decimal(0))
        tax = t["total_incl"] - t["total_excl"]
        return {
            "number": order["number"],
            "status": order["status"],
            "payment_status": self._payment_status(order),
            "fulfillment_status": self._fulfillment_status(order),
            "currency": order["currency"],
            "is_test": True,
            "source": order["source"],
            "created_at": order["created_at"],
            "updated_at": order["updated_at"],
            "date_placed": order["date_placed"],
            "display_taxes": "exclusive",
            "order_status_url": f"https://sandbox.29next.store/orders/{order['number']}/status/",
            "shipping_code": order["shipping_code"],
            "shipping_method": order["shipping_method"],
            "shipping_excl_tax": s2(t["ship_excl"]),
            "shipping_incl_tax": s2(t["ship_incl"]),
            "shipping_tax": s2(t["ship_incl"] - t["ship_excl"]),
            "original_shipping_excl_tax": s2(t["ship_excl"]),
            "original_shipping_incl_tax": s2(t["ship_incl"]),
            "total_excl_tax": s2(t["total_excl"]),
            "total_incl_tax": s2(t["total_incl"]),
            "total_tax": s2(tax),
            "original_total_excl_tax": s2(t["total_excl"]),
            "original_total_incl_tax": s2(t["total_incl"]),
            "total_discount": "0.00",
            "original_total_discount": "0.00",
            "total_outstanding": s2(max(t["total_incl"] - captured, Decimal(0))),
            "total_cost": s2(t["cost"]),
            "metadata": order.get("metadata") or {},
            "user": dict(order["user"]),
        }

    def _render_list_item(self, order: Json) -> Json:
        return self._summary(order)

    def _render_order(self, order: Json) -> Json:
        t = self._totals(order)

        def rv(amount: Decimal) -> str:
            return self._report(order, amount)

        tax = t["total_incl"] - t["total_excl"]
        ship_tax = t["ship_incl"] - t["ship_excl"]
        body = self._summary(order)
        body.update(
            {
                "lines": [self._render_line(order, line) for line in order["lines"]],
                "shipping_address": copy.deepcopy(order.get("shipping_address")),
                "billing_address": copy.deepcopy(order.get("billing_address")),
                "attribution": {
                    "agent": {
                        "id": 1,
                        "email": "agent@example.com",
                        "first_name": "Sandbox",
                        "last_name": "Agent",
                    },
                    "funnel": None,
                    "affiliate": None,
                    "metadata": {},
                },
                "fulfillments": [self._render_fulfillment(order, f) for f in order["fulfillments"]],
                "refunds": [self._render_refund(order, r) for r in order["refunds"]],
                "transactions": [self._render_txn(order, x) for x in order["transactions"]],
                "offer_discounts": [],
                "voucher_discounts": [],
                "subscriptions": [],
                "subscription_lifecycle": "",
                "supports_post_purchase_upsells": False,
                "tags": list(order.get("tags") or []),
                "shipping_tax_lines": [
                    self._tax_breakdown(order, ship_tax, order["shipping_tax_rate"], "Shipping Tax")
                ]
                if ship_tax > 0
                else [],
                "tax_lines": (
                    [
                        {
                            "id": 1,
                            "amount": s2(tax),
                            "currency": order["currency"],
                            "rate": d(order["lines"][0]["tax_rate"])
                            if order["lines"]
                            else Decimal(0),
                            "source": "store",
                            "tax_title": "Sales Tax",
                            "report_values": {
                                "amount": rv(tax),
                                "currency": order["report_currency"],
                            },
                        }
                    ]
                    if tax > 0
                    else []
                ),
                "report_values": {
                    "currency": order["report_currency"],
                    "shipping_excl_tax": rv(t["ship_excl"]),
                    "shipping_incl_tax": rv(t["ship_incl"]),
                    "original_shipping_excl_tax": rv(t["ship_excl"]),
                    "original_shipping_incl_tax": rv(t["ship_incl"]),
                    "total_excl_tax": rv(t["total_excl"]),
                    "total_incl_tax": rv(t["total_incl"]),
                    "original_total_excl_tax": rv(t["total_excl"]),
                    "original_total_incl_tax": rv(t["total_incl"]),
                    "total_discount": "0.00",
                    "original_total_discount": "0.00",
                    "total_cost": rv(t["cost"]),
                },
            }
        )
        return body

    @staticmethod
    def _supported_actions(fo: Json) -> list[str]:
        # INFERRED: the spec leaves supported_actions untyped; names follow the endpoints.
        if fo["status"] == "open":
            actions = ["hold", "move", "create_fulfillment"]
            if fo["request_status"] in ("pending", "rejected", "cancel_accepted"):
                actions.insert(0, "request_fulfillment")
            if fo["request_status"] == "requested":
                actions.insert(0, "cancel_fulfillment_request")
            return actions
        if fo["status"] == "on_hold":
            return ["release_hold"]
        if fo["status"] == "processing":
            return (
                ["create_fulfillment"]
                if fo["request_status"] == "cancel_requested"
                else ["request_cancellation", "create_fulfillment"]
            )
        return []

    def _render_fo(self, fo: Json) -> Json:
        order = self._order(fo["order_number"])
        location = self.state["locations"][str(fo["location_id"])]
        items = []
        for item in fo["lines"]:
            line = next(x for x in order["lines"] if x["id"] == item["order_line_id"])
            excl, incl = self._line_prices(line)
            items.append(
                {
                    "id": item["id"],
                    "fulfillment_order_id": fo["id"],
                    "order_line_id": line["id"],
                    "quantity": item["quantity"],
                    "fulfillable_quantity": str(item["fulfillable"]),
                    "product_id": str(line["variant_id"]),
                    "sku": line["sku"],
                    "product_title": line["title"],
                    "product_image": f"https://cdn.example.com/products/{line['product_id']}.png",
                    "stockrecord_id": 20000 + int(line["variant_id"]),
                    "price_excl_tax": s2(excl),
                    "price_incl_tax": s2(incl),
                    "total_discount": "0.00",
                    "currency": order["currency"],
                    "tax_lines": [],
                }
            )
        shipping = order.get("shipping_address")
        return {
            "id": fo["id"],
            "order_number": fo["order_number"],
            "status": fo["status"],
            "request_status": fo["request_status"],
            "created_at": fo["created_at"],
            "updated_at": fo["updated_at"],
            "assigned_location": copy.deepcopy(location),
            "shipping_address": copy.deepcopy(shipping),
            "shipping_method": {"code": order["shipping_code"], "name": order["shipping_method"]},
            "line_items": items,
            "fulfillment_holds": [dict(h) for h in fo["holds"]],
            "merchant_requests": [dict(m) for m in fo["merchant_requests"]],
            "supported_actions": self._supported_actions(fo),
        }

    # --- orders ----------------------------------------------------------------------------------------
    def _list_orders(self, query: Mapping[str, list[str]], host: str) -> tuple[int, Any]:
        def first(name: str) -> str | None:
            values = query.get(name)
            return values[0] if values else None

        date_from, date_to = first("date_placed_from"), first("date_placed_to")
        statuses = query.get("status") or query.get("status[]")
        number = first("order_number")
        orders = self._filtered(date_from, date_to, statuses, number)
        offset = 0
        cursor = first("cursor")
        if cursor:
            match = re.fullmatch(r"o(\d+)", cursor)
            if match is None:
                raise _detail("Invalid cursor", 404)
            offset = int(match.group(1))
        page = orders[offset : offset + self.page_size]
        more = offset + self.page_size < len(orders)
        base = f"https://{host}{PREFIX}orders/"
        return 200, {
            "next": f"{base}?cursor=o{offset + self.page_size}" if more else None,
            "previous": (f"{base}?cursor=o{max(offset - self.page_size, 0)}" if offset else None),
            "results": [self._render_list_item(o) for o in page],
        }

    def _filtered(
        self,
        date_from: str | None,
        date_to: str | None,
        statuses: list[str] | None,
        number: str | None,
    ) -> list[Json]:
        """The orders a list query selects, in store order; kept until the next write."""
        all_orders: dict[str, Json] = self.state["orders"]
        state_key = (id(all_orders), len(all_orders), self._generation)
        if self._list_key != state_key:
            self._list_cache.clear()
            self._list_key = state_key
        key = (date_from, date_to, tuple(statuses) if statuses else None, number)
        cached = self._list_cache.get(key)
        if cached is not None:
            return cached
        orders = list(all_orders.values())
        if date_from:
            orders = [o for o in orders if o["date_placed"][:10] >= date_from]
        if date_to:
            orders = [o for o in orders if o["date_placed"][:10] <= date_to]
        if statuses:
            orders = [o for o in orders if o["status"] in statuses]
        if number:
            orders = [o for o in orders if o["number"] == number]
        self._list_cache[key] = orders
        return orders

    def _check_address(self, value: Any, field: str) -> Json | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise _bad({field: {"non_field_errors": ["Invalid data. Expected a dictionary."]}})
        missing = {
            key: ["This field is required."] for key in REQUIRED_ADDRESS if not value.get(key)
        }
        if missing:
            raise _bad({field: missing})
        allowed = (
            "first_name",
            "last_name",
            "line1",
            "line2",
            "line3",
            "line4",
            "state",
            "postcode",
            "country",
            "phone_number",
            "notes",
        )
        address: Json = {key: str(value[key]) for key in allowed if value.get(key) is not None}
        address["id"] = self._next("address")
        return address

    def _create_order(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, Mapping):
            raise _bad({"non_field_errors": ["Invalid data. Expected a dictionary."]})
        lines_in = body.get("lines")
        if not lines_in:
            raise _bad({"lines": ["This field is required."]})
        errors: list[Json] = []
        lines: list[tuple[Json, int, Decimal]] = []
        for item in lines_in:
            error: Json = {}
            product = self._product_by_variant(item.get("product_id"))
            if product is None:
                error["product_id"] = [
                    f'Invalid pk "{item.get("product_id")}" - object does not exist.'
                ]
            quantity = _as_int(item.get("quantity"))
            if quantity is None or quantity < 1:
                error["quantity"] = ["Ensure this value is greater than or equal to 1."]
            price = None
            if item.get("price") is not None:
                try:
                    price = Decimal(str(item["price"]))
                except InvalidOperation:
                    error["price"] = ["A valid number is required."]
            errors.append(error)
            if not error and product is not None and quantity is not None:
                lines.append(
                    (product, quantity, price if price is not None else d(product["price"]))
                )
        if any(errors):
            raise _bad({"lines": errors})
        status = body.get("status") or "open"
        if status not in ("open", "archived", "canceled"):
            raise _bad({"status": [f'"{status}" is not a valid choice.']})
        shipping = self._check_address(body.get("shipping_address"), "shipping_address")
        billing = self._check_address(body.get("billing_address"), "billing_address")
        if (
            billing is None
            and body.get("billing_same_as_shipping_address")
            and shipping is not None
        ):
            billing = {**shipping, "id": self._next("address")}
            billing.pop("notes", None)
        user_in = body.get("user") or {}
        user = {
            "id": self._next("user"),
            "email": user_in.get("email"),
            "first_name": user_in.get("first_name", ""),
            "last_name": user_in.get("last_name", ""),
        }
        now = self._now()
        number = str(self._next("order"))
        while number in self.state["orders"]:
            number = str(self._next("order"))
        # INFERRED: imported prices and shipping are taken as given, without tax on top.
        order = self._new_order(
            number=number,
            currency=str(body.get("currency") or "USD"),
            placed=str(body.get("date_placed") or now),
            user=user,
            shipping_address=shipping,
            billing_address=billing,
            lines=[(p, qty, price, Decimal(0)) for p, qty, price in lines],
            shipping_excl=d(body.get("shipping_price") or "0"),
            shipping_rate=Decimal(0),
            source="admin_api",
        )
        order["status"] = status
        total = self._totals(order)["total_incl"]
        method = body.get("payment_method")
        if method == "external" and total > 0:
            self._add_txn(order, "debit", total, gateway=4, method="external")
        self._open_fos(order, location_id=1)
        return 201, self._render_order(order)

    def _product_by_variant(self, value: Any) -> Json | None:
        ref = _as_int(value)
        if ref is None:
            return None
        for product in self.state["products"].values():
            if ref in (product["variant_id"], product["id"]):
                return product  # type: ignore[no-any-return]
        return None

    def _patch_order(self, number: str, body: Any) -> tuple[int, Any]:
        order = self._order(number)
        if not isinstance(body, Mapping):
            raise _bad({"non_field_errors": ["Invalid data. Expected a dictionary."]})
        writable = {
            "shipping_address",
            "billing_address",
            "tags",
            "metadata",
            "status",
            "fulfillment_status",
            "attribution",
        }
        if "shipping_address" in body:
            order["shipping_address"] = self._check_address(
                body["shipping_address"], "shipping_address"
            )
        if "billing_address" in body:
            order["billing_address"] = self._check_address(
                body["billing_address"], "billing_address"
            )
        if "tags" in body:
            order["tags"] = [str(t) for t in body["tags"] or []]
        if "metadata" in body:
            order["metadata"] = body["metadata"]
        if "status" in body:
            order["status"] = str(body["status"])[:100]
        if "fulfillment_status" in body:
            allowed = (
                "not_required",
                "unfulfilled",
                "on_hold",
                "rejected",
                "processing",
                "fulfilled",
                "incomplete",
            )
            if body["fulfillment_status"] not in allowed:
                raise _bad(
                    {
                        "fulfillment_status": [
                            f'"{body["fulfillment_status"]}" is not a valid choice.'
                        ]
                    }
                )
            order["fulfillment_status_override"] = body["fulfillment_status"]
        ignored = set(body) - writable
        del ignored  # read-only fields are ignored, as DRF does
        order["updated_at"] = self._now()
        return 200, self._render_order(order)

    def _cancel(self, number: str, body: Any) -> tuple[int, Any]:
        order = self._order(number)
        if not isinstance(body, Mapping) or not body.get("cancel_reason"):
            raise _bad({"cancel_reason": ["This field is required."]})
        if order["status"] == "canceled":
            raise _detail("Order is already canceled.")
        now = self._now()
        order["status"] = "canceled"
        order["cancel_reason"] = str(body["cancel_reason"])
        for fo in self._fos_of(number):
            if fo["status"] in FO_STATUSES_OPEN:
                fo["status"] = "canceled"
                fo["updated_at"] = now
            elif fo["status"] == "processing":
                # INFERRED: the fulfillment service is asked to cancel what it already accepted.
                fo["request_status"] = "cancel_requested"
                fo["updated_at"] = now
        # INFERRED: canceling voids open authorizations.
        for txn in list(order["transactions"]):
            if txn["type"] == "authorize":
                left = self._refundable_of(order, txn)
                if left > 0:
                    self._add_txn(
                        order,
                        "void",
                        left,
                        gateway=txn["gateway_id"],
                        method=txn["payment_method"],
                        parent=txn["id"],
                    )
        if body.get("full_refund"):
            ids = []
            for txn in self._captured(order):
                left = self._refundable_of(order, txn)
                if left > 0:
                    ids.append(self._refund_txn(order, txn, left)["id"])
            if ids:
                order["refunds"].append(
                    {
                        "id": self._next("refund"),
                        "created_at": now,
                        "note": f"Order canceled: {body['cancel_reason']}",
                        "lines": [],
                        "adjustments": [],
                        "transaction_ids": ids,
                    }
                )
        order["updated_at"] = now
        return 200, self._render_order(order)

    # --- refunds ---------------------------------------------------------------------------------------
    def _plan_refund(self, order: Json, body: Any, creating: bool) -> Json:
        """Validate a refund request and work out its amounts; raises a DRF-style 400."""
        if not isinstance(body, Mapping):
            raise _bad({"non_field_errors": ["Invalid data. Expected a dictionary."]})
        errors: Json = {}
        line_errors: list[Json] = []
        planned: list[Json] = []
        seen: set[int] = set()
        for item in body.get("refund_lines") or []:
            error: Json = {}
            line_errors.append(error)
            line_id = _as_int(item.get("line_id"))
            line = next((x for x in order["lines"] if x["id"] == line_id), None)
            if line is None:
                error["line_id"] = [f'Invalid pk "{item.get("line_id")}" - object does not exist.']
                continue
            if line_id in seen:
                error["line_id"] = ["This line appears more than once."]
                continue
            seen.add(line["id"])
            quantity = _as_int(item.get("quantity"))
            refundable = line["current_quantity"] - self._refunded(order, line["id"])
            if quantity is None or quantity < 0:
                error["quantity"] = ["Ensure this value is greater than or equal to 0."]
                continue
            if quantity > refundable:
                error["quantity"] = [f"Ensure this value is less than or equal to {refundable}."]
                continue
            unfulfilled = self._unfulfilled(order, line)
            fulfilled = self._fulfilled_refundable(order, line)
            restock = item.get("restock_type")
            if restock is None and creating:
                error["restock_type"] = ["This field is required."]
                continue
            if restock is None:
                # "the system will infer it based on quantity"
                if quantity <= unfulfilled:
                    restock = "cancel"
                elif quantity <= fulfilled:
                    restock = "no_restock"
                else:
                    error["restock_type"] = [
                        "Cannot infer a restock type: the quantity spans unfulfilled and fulfilled units."
                    ]
                    continue
            if restock not in ("cancel", "no_restock", "return"):
                error["restock_type"] = [f'"{restock}" is not a valid choice.']
                continue
            if restock == "cancel" and quantity > unfulfilled:
                error["restock_type"] = [
                    f"Only {unfulfilled} unfulfilled unit(s) can be refunded with restock_type cancel; fulfilled items must use no_restock or return."
                ]
                continue
            if restock in ("return", "no_restock") and quantity > fulfilled:
                error["restock_type"] = [
                    f"Only {fulfilled} fulfilled unit(s) can be refunded with restock_type {restock}; unfulfilled items must use cancel."
                ]
                continue
            if restock == "return" and not line["requires_shipping"]:
                error["restock_type"] = [
                    "Fulfilled digital products must use restock_type no_restock."
                ]
                continue
            excl, incl = self._line_prices(line)
            planned.append(
                {
                    "line": line,
                    "quantity": quantity,
                    "restock_type": restock,
                    "excl": excl * quantity,
                    "incl": incl * quantity,
                    "refundable": refundable,
                }
            )
        if any(line_errors):
            errors["refund_lines"] = line_errors
        totals = self._totals(order)
        refunded_ship_excl = sum(
            (
                d(a["amount_excl_tax"])
                for r in order["refunds"]
                for a in r["adjustments"]
                if a["type"] == "refund_shipping"
            ),
            Decimal(0),
        )
        refunded_ship_incl = sum(
            (
                d(a["amount_incl_tax"])
                for r in order["refunds"]
                for a in r["adjustments"]
                if a["type"] == "refund_shipping"
            ),
            Decimal(0),
        )
        ship_left_excl = totals["ship_excl"] - refunded_ship_excl
        ship_left_incl = totals["ship_incl"] - refunded_ship_incl
        ship_excl = ship_incl = Decimal(0)
        shipping = body.get("refund_shipping")
        if isinstance(shipping, Mapping):
            if shipping.get("full_refund"):
                ship_excl, ship_incl = ship_left_excl, ship_left_incl
            elif shipping.get("amount_excl_tax") not in (None, ""):
                try:
                    ship_excl = Decimal(str(shipping["amount_excl_tax"]))
                except InvalidOperation:
                    errors["refund_shipping"] = {"amount_excl_tax": ["A valid number is required."]}
                else:
                    if ship_excl < 0 or ship_excl > ship_left_excl:
                        errors["refund_shipping"] = {
                            "amount_excl_tax": [
                                f"Ensure this value is less than or equal to {s2(ship_left_excl)}."
                            ]
                        }
                    elif ship_excl == ship_left_excl:
                        ship_incl = ship_left_incl
                    else:
                        ship_incl = self._incl(ship_excl, order["shipping_tax_rate"])
        if errors:
            raise _bad(errors)
        total_incl = sum((p["incl"] for p in planned), Decimal(0)) + ship_incl
        total_excl = sum((p["excl"] for p in planned), Decimal(0)) + ship_excl
        captured = self._captured(order)
        full = (
            all(
                next((p["quantity"] for p in planned if p["line"]["id"] == line["id"]), 0)
                >= line["current_quantity"] - self._refunded(order, line["id"])
                for line in order["lines"]
            )
            and ship_excl >= ship_left_excl
        )
        sources: list[Json]
        if captured:
            sources = captured
        elif full:
            sources = [
                t
                for t in order["transactions"]
                if t["type"] == "authorize" and t["status"] == "succeeded"
            ]
        else:
            raise _bad(
                {
                    "non_field_errors": [
                        "Order payments must be captured in order to create partial refunds, uncaptured payments cannot be partially refunded."
                    ]
                }
            )
        allocation = []
        left = total_incl
        for txn in sorted(sources, key=lambda t: (t["date_created"], t["id"])):
            available = self._refundable_of(order, txn)
            share = min(available, left)
            allocation.append({"txn": txn, "amount": share, "refundable": available})
            left -= share
        if left > 0:
            raise _bad(
                {
                    "non_field_errors": [
                        f"The refund total {s2(total_incl)} exceeds what the order's payments can refund."
                    ]
                }
            )
        return {
            "lines": planned,
            "ship_excl": ship_excl,
            "ship_incl": ship_incl,
            "ship_left_excl": ship_left_excl,
            "total_incl": total_incl,
            "total_excl": total_excl,
            "allocation": allocation,
        }

    def _calculate(self, number: str, body: Any) -> tuple[int, Any]:
        order = self._order(number)
        plan = self._plan_refund(order, body, creating=False)
        gateways = self.state["gateways"]
        return 200, {
            "amount_excl_tax": s2(plan["total_excl"]),
            "amount_incl_tax": s2(plan["total_incl"]),
            "total_tax": s2(plan["total_incl"] - plan["total_excl"]),
            "currency": order["currency"],
            "refund_lines": [
                {
                    "line_id": p["line"]["id"],
                    "quantity": p["quantity"],
                    "refundable_quantity": p["refundable"],
                    "restock_type": p["restock_type"],
                    "amount_excl_tax": s2(p["excl"]),
                    "amount_incl_tax": s2(p["incl"]),
                    "total_tax": s2(p["incl"] - p["excl"]),
                    "product_id": p["line"]["variant_id"],
                    "variant_id": p["line"]["variant_id"],
                    "sku": p["line"]["sku"],
                    "product_title": p["line"]["title"],
                    "variant_title": p["line"]["variant_title"],
                    "product_image": f"https://cdn.example.com/products/{p['line']['product_id']}.png",
                    "product_url": f"https://sandbox.29next.store/products/{p['line']['product_id']}/",
                }
                for p in plan["lines"]
            ],
            "refund_shipping": {
                "amount_excl_tax": s2(plan["ship_excl"]),
                "amount_incl_tax": s2(plan["ship_incl"]),
                "total_tax": s2(plan["ship_incl"] - plan["ship_excl"]),
                "refundable_amount": s2(plan["ship_left_excl"]),
                "currency": order["currency"],
                "shipping_code": order["shipping_code"],
                "shipping_method": order["shipping_method"],
            },
            "transactions": [
                {
                    "id": a["txn"]["id"],
                    "amount": s2(a["amount"]),
                    "refundable_amount": s2(a["refundable"]),
                    "gateway_id": a["txn"]["gateway_id"],
                    "gateway_name": gateways[str(a["txn"]["gateway_id"])]["name"],
                    "payment_method": a["txn"]["payment_method"],
                    "type": a["txn"]["type"],
                }
                for a in plan["allocation"]
            ],
        }

    def _refund(self, number: str, body: Any) -> tuple[int, Any]:
        order = self._order(number)
        if not isinstance(body, Mapping) or not body.get("transactions"):
            raise _bad({"transactions": ["This field is required."]})
        plan = self._plan_refund(order, body, creating=True)
        txn_errors: list[Json] = []
        chosen: list[tuple[Json, Decimal]] = []
        for item in body["transactions"]:
            error: Json = {}
            txn_errors.append(error)
            txn = self._txn(order, _as_int(item.get("id")) or -1)
            allowed = {a["txn"]["id"] for a in plan["allocation"]} | {
                t["id"] for t in self._captured(order)
            }
            if txn is None or txn["id"] not in allowed:
                error["id"] = [
                    f"Transaction {item.get('id')} is not a refundable payment of order {number}."
                ]
                continue
            try:
                amount = Decimal(str(item.get("amount")))
            except InvalidOperation:
                error["amount"] = ["A valid number is required."]
                continue
            available = self._refundable_of(order, txn)
            if amount <= 0 or amount > available:
                error["amount"] = [
                    f"Ensure this value is greater than 0 and at most {s2(available)}."
                ]
                continue
            chosen.append((txn, amount))
        if any(txn_errors):
            raise _bad({"transactions": txn_errors})
        asked = sum((amount for _, amount in chosen), Decimal(0))
        if asked != plan["total_incl"]:
            # INFERRED: the platform takes the allocation as given; the sandbox insists it adds up.
            raise _bad(
                {
                    "transactions": [
                        f"The transaction amounts add up to {s2(asked)}, the refund is {s2(plan['total_incl'])}."
                    ]
                }
            )
        now = self._now()
        ids = [self._refund_txn(order, txn, amount)["id"] for txn, amount in chosen]
        refund_lines = []
        for p in plan["lines"]:
            if p["quantity"] == 0:
                continue
            location = self._restock_location(order, p["line"], p["restock_type"])
            refund_lines.append(
                {
                    "id": self._next("refund_line"),
                    "line_item_id": p["line"]["id"],
                    "location_id": location,
                    "quantity": p["quantity"],
                    "restock_type": p["restock_type"],
                    "amount_excl_tax": s2(p["excl"]),
                    "amount_incl_tax": s2(p["incl"]),
                }
            )
            if p["restock_type"] == "cancel":
                self._cancel_units(order, p["line"], p["quantity"], now)
        adjustments = []
        if plan["ship_excl"] > 0:
            adjustments.append(
                {
                    "id": self._next("adjustment"),
                    "type": "refund_shipping",
                    "amount_excl_tax": s2(plan["ship_excl"]),
                    "amount_incl_tax": s2(plan["ship_incl"]),
                }
            )
        refund = {
            "id": self._next("refund"),
            "created_at": now,
            "note": body.get("note"),
            "lines": refund_lines,
            "adjustments": adjustments,
            "transaction_ids": ids,
        }
        order["refunds"].append(refund)
        order["updated_at"] = now
        return 200, self._render_refund(order, refund)

    def _restock_location(self, order: Json, line: Json, restock: str) -> int:
        if restock != "cancel":
            for f in order["fulfillments"]:
                if any(i["order_line_id"] == line["id"] for i in f["lines"]):
                    return int(f["location_id"])
        for fo in self._fos_of(order["number"]):
            if any(i["order_line_id"] == line["id"] for i in fo["lines"]):
                return int(fo["location_id"])
        return 1

    def _cancel_units(self, order: Json, line: Json, quantity: int, now: str) -> None:
        """Take canceled units out of the line's fulfillment orders, open ones first."""
        fos = sorted(
            self._fos_of(order["number"]),
            key=lambda fo: (fo["status"] not in FO_STATUSES_OPEN, fo["id"]),
        )
        for fo in fos:
            for item in fo["lines"]:
                if quantity and item["order_line_id"] == line["id"] and item["fulfillable"] > 0:
                    take = min(item["fulfillable"], quantity)
                    item["fulfillable"] -= take
                    quantity -= take
                    fo["updated_at"] = now
            if (
                fo["lines"]
                and all(i["fulfillable"] == 0 for i in fo["lines"])
                and fo["status"] in FO_STATUSES_OPEN
            ):
                fo["status"] = "closed"
                fo["request_status"] = "closed"

    def _refund_txn(self, order: Json, parent: Json, amount: Decimal) -> Json:
        gateway = self.state["gateways"][str(parent["gateway_id"])]
        kind = "void" if parent["type"] == "authorize" else "refund"
        status = "failed" if gateway["decline_refunds"] and kind == "refund" else "succeeded"
        return self._add_txn(
            order,
            kind,
            amount,
            gateway=parent["gateway_id"],
            method=parent["payment_method"],
            parent=parent["id"],
            status=status,
        )

    def _add_txn(
        self,
        order: Json,
        kind: str,
        amount: Decimal,
        *,
        gateway: int,
        method: str,
        parent: int | None = None,
        status: str = "succeeded",
    ) -> Json:
        txn = {
            "id": self._next("txn"),
            "type": kind,
            "status": status,
            "amount": s2(amount),
            "parent_id": parent,
            "gateway_id": gateway,
            "payment_method": method,
            "date_created": self._now(),
        }
        order["transactions"].append(txn)
        return txn

    # --- fulfillment orders -----------------------------------------------------------------------------
    def _order_fos(self, number: str) -> tuple[int, Any]:
        self._order(number)
        # Declared as one FulfillmentOrder; described, and sent, as a list (notes §11.7).
        return 200, [self._render_fo(fo) for fo in self._fos_of(number)]

    def _touch(self, fo: Json) -> None:
        fo["updated_at"] = self._now()

    def _hold(self, fo_id: str, body: Any) -> tuple[int, Any]:
        fo = self._fo(fo_id)
        reason = body.get("reason") if isinstance(body, Mapping) else None
        if reason is None:
            raise _bad({"reason": ["This field is required."]})
        if reason not in HOLD_REASONS:
            raise _bad({"reason": [f'"{reason}" is not a valid choice.']})
        if fo["status"] != "open":
            raise _detail(
                f"Only open fulfillment orders can be put on hold; this one is {fo['status']}."
            )
        fo["status"] = "on_hold"
        fo["holds"].append(
            {
                "reason": reason,
                "reason_message": body.get("reason_message"),
                "created_at": self._now(),
            }
        )
        self._touch(fo)
        return 200, self._render_fo(fo)

    def _release(self, fo_id: str) -> tuple[int, Any]:
        fo = self._fo(fo_id)
        if fo["status"] != "on_hold":
            raise _detail(f"The fulfillment order is not on hold; it is {fo['status']}.")
        fo["status"] = "open"
        fo["holds"] = []
        self._touch(fo)
        return 200, self._render_fo(fo)

    def _split(self, fo: Json, wanted: Mapping[int, int], error_key: str) -> Json | None:
        """Move ``wanted`` quantities (by FO line id) into a new FO at the same location.

        Returns the new FO, or None when ``wanted`` is every remaining unit (nothing to split).
        """
        by_id = {item["id"]: item for item in fo["lines"]}
        errors: list[Json] = []
        for line_id, quantity in wanted.items():
            item = by_id.get(line_id)
            if item is None:
                errors.append(
                    {
                        "id": [
                            f"Fulfillment order line {line_id} is not part of fulfillment order {fo['id']}."
                        ]
                    }
                )
            elif quantity < 1 or quantity > item["fulfillable"]:
                errors.append(
                    {"quantity": [f"Ensure this value is between 1 and {item['fulfillable']}."]}
                )
        if errors:
            raise _bad({error_key: errors})
        remaining = {
            item["id"]: item["fulfillable"] for item in fo["lines"] if item["fulfillable"] > 0
        }
        if all(wanted.get(line_id, 0) == left for line_id, left in remaining.items()):
            return None
        now = self._now()
        new = {
            "id": self._next("fo"),
            "order_number": fo["order_number"],
            "location_id": fo["location_id"],
            "status": "open",
            "request_status": "pending",
            "created_at": now,
            "updated_at": now,
            "lines": [],
            "holds": [],
            "merchant_requests": [],
        }
        for item in fo["lines"]:
            taken = wanted.get(item["id"], 0)
            if taken:
                new["lines"].append(
                    {
                        "id": self._next("fo_line"),
                        "order_line_id": item["order_line_id"],
                        "quantity": taken,
                        "fulfillable": taken,
                    }
                )
                item["fulfillable"] -= taken
                item["quantity"] -= taken
        fo["lines"] = [
            item for item in fo["lines"] if item["quantity"] > 0 or item["fulfillable"] > 0
        ]
        self.state["fulfillment_orders"][str(new["id"])] = new
        return new

    def _request(self, fo_id: str, body: Any) -> tuple[int, Any]:
        fo = self._fo(fo_id)
        body = body if isinstance(body, Mapping) else {}
        if fo["status"] != "open" or fo["request_status"] not in (
            "pending",
            "rejected",
            "cancel_accepted",
        ):
            raise _detail(
                f"A fulfillment request needs an open fulfillment order that was not requested yet; this one is {fo['status']} ({fo['request_status']})."
            )
        items = body.get("fulfillment_order_line_items")
        unrequested = None
        if items:
            wanted = {
                int(_as_int(i.get("id")) or 0): int(_as_int(i.get("quantity")) or 0) for i in items
            }
            # The requested lines stay on this FO; the rest split off into a new, unrequested one.
            rest = {
                item["id"]: item["fulfillable"] - wanted.get(item["id"], 0) for item in fo["lines"]
            }
            bad = [line_id for line_id in wanted if line_id not in rest]
            if bad:
                raise _bad(
                    {
                        "fulfillment_order_line_items": [
                            {
                                "id": [
                                    f"Fulfillment order line {b} is not part of fulfillment order {fo['id']}."
                                ]
                            }
                            for b in bad
                        ]
                    }
                )
            over = [
                line_id for line_id, left in rest.items() if left < 0 or wanted.get(line_id, 1) < 1
            ]
            if over:
                raise _bad(
                    {
                        "fulfillment_order_line_items": [
                            {
                                "quantity": [
                                    "Ensure this value is between 1 and the fulfillable quantity."
                                ]
                            }
                        ]
                    }
                )
            unrequested = self._split(
                fo, {k: v for k, v in rest.items() if v > 0}, "fulfillment_order_line_items"
            )
        fo["request_status"] = "requested"
        fo["merchant_requests"].append(
            {
                "type": "fulfill_request",
                "message": body.get("message"),
                "notify": bool(body.get("notify", False)),
            }
        )
        self._touch(fo)
        rendered = self._render_fo(fo)
        return 200, {
            "original_fulfillment_order": rendered,
            "requested_fulfillment_order": rendered,
            # INFERRED: null when the whole fulfillment order was requested (nothing left over).
            "unrequested_fulfillment_order": self._render_fo(unrequested) if unrequested else None,
        }

    def _request_answer(self, fo_id: str, accept: bool) -> tuple[int, Any]:
        fo = self._fo(fo_id)
        if fo["request_status"] != "requested":
            raise _detail(
                f"There is no pending fulfillment request; request status is {fo['request_status']}."
            )
        fo["request_status"] = "accepted" if accept else "rejected"
        if accept:
            fo["status"] = "processing"
        self._touch(fo)
        return 200, self._render_fo(fo)

    def _cancel_request(self, fo_id: str, body: Any) -> tuple[int, Any]:
        fo = self._fo(fo_id)
        if fo["status"] != "processing" or fo["request_status"] != "accepted":
            raise _detail(
                f"Only fulfillment orders accepted by their fulfillment service (processing) take a cancellation request; this one is {fo['status']} ({fo['request_status']})."
            )
        message = body.get("message") if isinstance(body, Mapping) else None
        fo["request_status"] = "cancel_requested"
        fo["merchant_requests"].append(
            {"type": "cancel_request", "message": message, "notify": False}
        )
        self._touch(fo)
        return 200, self._render_fo(fo)

    def _cancel_answer(self, fo_id: str, accept: bool) -> tuple[int, Any]:
        fo = self._fo(fo_id)
        if fo["request_status"] != "cancel_requested":
            raise _detail(
                f"There is no pending cancellation request; request status is {fo['request_status']}."
            )
        fo["request_status"] = "cancel_accepted" if accept else "cancel_rejected"
        fo["status"] = "open" if accept else "processing"
        self._touch(fo)
        return 200, self._render_fo(fo)

    def _locations(self, fo_id: str) -> tuple[int, Any]:
        fo = self._fo(fo_id)
        ids = [item["id"] for item in fo["lines"] if item["fulfillable"] > 0]
        # The guide's shape (a list), not the spec's object (notes §11.7).
        return 200, {
            "available_locations": [
                {"id": loc["id"], "name": loc["name"], "fulfillment_order_line_ids": ids}
                for key, loc in self.state["locations"].items()
                if int(key) != fo["location_id"]
            ]
        }

    def _move(self, fo_id: str, body: Any) -> tuple[int, Any]:
        fo = self._fo(fo_id)
        if fo["status"] != "open":
            hint = " Send a cancellation request first." if fo["status"] == "processing" else ""
            raise _detail(
                f'Fulfillment Orders must be "status": "open" to be moved; this one is "{fo["status"]}".{hint}'
            )
        body = body if isinstance(body, Mapping) else {}
        location = _as_int(body.get("new_location_id"))
        if location is None:
            raise _bad({"new_location_id": ["This field is required."]})
        if str(location) not in self.state["locations"]:
            raise _bad({"new_location_id": [f'Invalid pk "{location}" - object does not exist.']})
        if location == fo["location_id"]:
            raise _bad(
                {"new_location_id": ["The fulfillment order is already assigned to this location."]}
            )
        items = body.get("fulfillment_order_line_items")
        if items:
            wanted = {}
            for i in items:
                line_id = _as_int(i.get("id")) or 0
                item = next((x for x in fo["lines"] if x["id"] == line_id), None)
                wanted[line_id] = item["fulfillable"] if item else 0
        else:
            wanted = {
                item["id"]: item["fulfillable"] for item in fo["lines"] if item["fulfillable"] > 0
            }
        moved = self._split(fo, wanted, "fulfillment_order_line_items")
        if moved is None:
            # Everything moves: the original closes and a new one opens at the new location.
            now = self._now()
            moved = {
                "id": self._next("fo"),
                "order_number": fo["order_number"],
                "location_id": location,
                "status": "open",
                "request_status": "pending",
                "created_at": now,
                "updated_at": now,
                "lines": [
                    {
                        "id": self._next("fo_line"),
                        "order_line_id": i["order_line_id"],
                        "quantity": i["fulfillable"],
                        "fulfillable": i["fulfillable"],
                    }
                    for i in fo["lines"]
                    if i["fulfillable"] > 0
                ],
                "holds": [],
                "merchant_requests": [],
            }
            for item in fo["lines"]:
                item["fulfillable"] = 0
            fo["status"] = "closed"
            fo["request_status"] = "closed"
            self.state["fulfillment_orders"][str(moved["id"])] = moved
        else:
            moved["location_id"] = location
        self._touch(fo)
        return 200, {
            "original_fulfillment_order": self._render_fo(fo),
            "moved_fulfillment_order": self._render_fo(moved),
        }

    def _fulfill(self, fo_id: str, body: Any) -> tuple[int, Any]:
        """``fulfillmentsCreate`` (fulfillment-service side): ship some or all remaining units."""
        fo = self._fo(fo_id)
        if fo["status"] not in ("open", "processing"):
            raise _detail(
                f"Only open or processing fulfillment orders can be fulfilled; this one is {fo['status']}."
            )
        body = body if isinstance(body, Mapping) else {}
        items = body.get("fulfillment_order_line_items")
        wanted = (
            {int(_as_int(i.get("id")) or 0): int(_as_int(i.get("quantity")) or 0) for i in items}
            if items
            else {
                item["id"]: item["fulfillable"] for item in fo["lines"] if item["fulfillable"] > 0
            }
        )
        by_id = {item["id"]: item for item in fo["lines"]}
        for line_id, quantity in wanted.items():
            if line_id not in by_id or quantity < 1 or quantity > by_id[line_id]["fulfillable"]:
                raise _bad(
                    {
                        "fulfillment_order_line_items": [
                            {
                                "quantity": [
                                    "Ensure this value is between 1 and the fulfillable quantity."
                                ]
                            }
                        ]
                    }
                )
        order = self._order(fo["order_number"])
        tracking = (body.get("tracking_info") or [{}])[0]
        now = self._now()
        fulfillment = {
            "id": self._next("fulfillment"),
            "location_id": fo["location_id"],
            "created_at": now,
            "status": "success",
            "tracking_code": tracking.get("tracking_code") or "",
            "carrier": tracking.get("carrier") or "",
            "lines": [],
        }
        for line_id, quantity in wanted.items():
            item = by_id[line_id]
            item["fulfillable"] -= quantity
            fulfillment["lines"].append(
                {
                    "id": self._next("fulfillment_line"),
                    "order_line_id": item["order_line_id"],
                    "quantity": quantity,
                }
            )
        order["fulfillments"].append(fulfillment)
        if all(item["fulfillable"] == 0 for item in fo["lines"]):
            fo["status"] = "closed"
            fo["request_status"] = "closed"
        self._touch(fo)
        order["updated_at"] = now
        return 201, self._render_fulfillment(order, fulfillment)

    # --- building orders ----------------------------------------------------------------------------------
    def _new_order(
        self,
        *,
        number: str,
        currency: str,
        placed: str,
        user: Json,
        shipping_address: Json | None,
        billing_address: Json | None,
        lines: list[tuple[Json, int, Decimal, Decimal]],
        shipping_excl: Decimal,
        shipping_rate: Decimal,
        source: str = "checkout",
        report: tuple[str, Decimal] | None = None,
    ) -> Json:
        if number.isdigit() and int(number) > self.state["counters"]["order"]:
            self.state["counters"]["order"] = int(number)
        now = self._now()
        order: Json = {
            "number": number,
            "status": "open",
            "currency": currency,
            "report_currency": report[0] if report else currency,
            "report_rate": str(report[1]) if report else "1",
            "date_placed": placed,
            "created_at": now,
            "updated_at": now,
            "user": user,
            "shipping_address": shipping_address,
            "billing_address": billing_address,
            "shipping_method": "Standard Shipping",
            "shipping_code": "standard",
            "shipping_excl_tax": s2(shipping_excl),
            "shipping_tax_rate": str(shipping_rate),
            "source": source,
            "fulfillment_status_override": None,
            "tags": [],
            "metadata": {},
            "cancel_reason": None,
            "lines": [],
            "fulfillments": [],
            "transactions": [],
            "refunds": [],
        }
        for product, quantity, price, rate in lines:
            order["lines"].append(
                {
                    "id": self._next("line"),
                    "product_id": product["id"],
                    "variant_id": product["variant_id"],
                    "sku": product["sku"],
                    "title": product["title"],
                    "variant_title": product["variant_title"],
                    "price_excl_tax": s2(price),
                    "tax_rate": str(rate),
                    "unit_cost": product["cost"],
                    "quantity": quantity,
                    "current_quantity": quantity,
                    "requires_shipping": product["requires_shipping"],
                    "created_at": now,
                }
            )
        self.state["orders"][number] = order
        return order

    def _ship(
        self, order: Json, line_indexes: list[int], location_id: int = 1, tracking: str = ""
    ) -> None:
        now = self._now()
        order["fulfillments"].append(
            {
                "id": self._next("fulfillment"),
                "location_id": location_id,
                "created_at": now,
                "status": "success",
                "tracking_code": tracking,
                "carrier": "usps" if tracking else "",
                "lines": [
                    {
                        "id": self._next("fulfillment_line"),
                        "order_line_id": order["lines"][i]["id"],
                        "quantity": order["lines"][i]["current_quantity"],
                    }
                    for i in line_indexes
                ],
            }
        )

    def _open_fos(
        self, order: Json, location_id: int, status: str = "open", request_status: str = "pending"
    ) -> Json | None:
        """One FO for the order's unfulfilled shippable units."""
        items = [
            (line, self._unfulfilled(order, line))
            for line in order["lines"]
            if line["requires_shipping"] and self._unfulfilled(order, line) > 0
        ]
        if not items:
            return None
        now = self._now()
        fo = {
            "id": self._next("fo"),
            "order_number": order["number"],
            "location_id": location_id,
            "status": status,
            "request_status": request_status,
            "created_at": now,
            "updated_at": now,
            "lines": [
                {
                    "id": self._next("fo_line"),
                    "order_line_id": line["id"],
                    "quantity": qty,
                    "fulfillable": qty,
                }
                for line, qty in items
            ],
            "holds": [],
            "merchant_requests": [],
        }
        self.state["fulfillment_orders"][str(fo["id"])] = fo
        return fo

    def _closed_fo(self, order: Json, location_id: int) -> None:
        """A closed FO for lines already shipped (what a fulfilled order's history shows)."""
        now = self._now()
        fo = {
            "id": self._next("fo"),
            "order_number": order["number"],
            "location_id": location_id,
            "status": "closed",
            "request_status": "closed",
            "created_at": now,
            "updated_at": now,
            "lines": [
                {
                    "id": self._next("fo_line"),
                    "order_line_id": line["id"],
                    "quantity": line["current_quantity"],
                    "fulfillable": 0,
                }
                for line in order["lines"]
                if line["requires_shipping"]
            ],
            "holds": [],
            "merchant_requests": [],
        }
        self.state["fulfillment_orders"][str(fo["id"])] = fo

    def _customer(self, index: int) -> tuple[Json, Json, Json]:
        names = [
            ("Jane", "Doe"),
            ("John", "Doe"),
            ("Alex", "Example"),
            ("Sam", "Sample"),
            ("Robin", "Test"),
        ]
        first, last = names[index % len(names)]
        user = {
            "id": self._next("user"),
            "email": f"{first.lower()}.{last.lower()}{index}@example.com",
            "first_name": first,
            "last_name": last,
        }
        shipping = _address(
            self._next("address"),
            first,
            last,
            f"{100 + index} Example Street",
            "Springfield",
            "IL",
            "62701",
            "US",
        )
        billing = {**shipping, "id": self._next("address")}
        shipping["notes"] = ""
        return user, shipping, billing

    def _seed_demo(self) -> None:
        p = self.state["products"]
        tax = Decimal("0.10")
        # 10001: paid by one card sale; 2 T-shirts shipped, a mug unshipped (open FO), an e-book
        # delivered (digital) -> partially_fulfilled.
        user, ship, bill = self._customer(0)
        o = self._new_order(
            number="10001",
            currency="USD",
            placed="2024-04-02T10:00:00Z",
            user=user,
            shipping_address=ship,
            billing_address=bill,
            lines=[
                (p["101"], 2, d("25.00"), tax),
                (p["102"], 1, d("12.50"), tax),
                (p["103"], 1, d("9.99"), Decimal(0)),
            ],
            shipping_excl=d("5.00"),
            shipping_rate=tax,
        )
        self._add_txn(o, "debit", self._totals(o)["total_incl"], gateway=1, method="card_token")
        self._ship(o, [0], tracking="9400100000000000000001")
        self._ship(o, [2])
        self._open_fos(o, location_id=1)
        # 10002: EUR order reported in USD, paid by two captured transactions (an authorization
        # captured on the card plus a gift-card debit); nothing shipped, its FO is processing at
        # the 3PL (accepted), so it must get a cancellation request before moving.
        user, ship, bill = self._customer(1)
        o = self._new_order(
            number="10002",
            currency="EUR",
            placed="2024-04-03T11:30:00Z",
            user=user,
            shipping_address=ship,
            billing_address=bill,
            lines=[
                (p["104"], 1, d("45.00"), Decimal("0.19")),
                (p["101"], 1, d("23.00"), Decimal("0.19")),
            ],
            shipping_excl=d("6.00"),
            shipping_rate=Decimal("0.19"),
            report=("USD", Decimal("1.08")),
        )
        total = self._totals(o)["total_incl"]
        auth = self._add_txn(o, "authorize", total - d("20.00"), gateway=1, method="card_token")
        self._add_txn(
            o, "debit", total - d("20.00"), gateway=1, method="card_token", parent=auth["id"]
        )
        self._add_txn(o, "debit", d("20.00"), gateway=2, method="external")
        self._open_fos(o, location_id=3, status="processing", request_status="accepted")
        # 10003: authorized only (not captured): partial refunds are refused.
        user, ship, bill = self._customer(2)
        o = self._new_order(
            number="10003",
            currency="USD",
            placed="2024-04-04T08:15:00Z",
            user=user,
            shipping_address=ship,
            billing_address=bill,
            lines=[(p["102"], 2, d("12.50"), tax)],
            shipping_excl=d("4.00"),
            shipping_rate=tax,
        )
        self._add_txn(o, "authorize", self._totals(o)["total_incl"], gateway=1, method="card_token")
        self._open_fos(o, location_id=1)
        # 10004: fully shipped, paid, one hoodie already returned with its shipping refunded.
        user, ship, bill = self._customer(3)
        o = self._new_order(
            number="10004",
            currency="USD",
            placed="2024-04-05T14:45:00Z",
            user=user,
            shipping_address=ship,
            billing_address=bill,
            lines=[(p["104"], 2, d("49.00"), tax)],
            shipping_excl=d("8.00"),
            shipping_rate=tax,
        )
        sale = self._add_txn(
            o, "debit", self._totals(o)["total_incl"], gateway=1, method="card_token"
        )
        self._ship(o, [0], tracking="9400100000000000000004")
        self._closed_fo(o, location_id=1)
        refund_txn = self._refund_txn(o, sale, d("53.90") + d("8.80"))
        o["refunds"].append(
            {
                "id": self._next("refund"),
                "created_at": self._now(),
                "note": "Returned: wrong size",
                "lines": [
                    {
                        "id": self._next("refund_line"),
                        "line_item_id": o["lines"][0]["id"],
                        "location_id": 1,
                        "quantity": 1,
                        "restock_type": "return",
                        "amount_excl_tax": "49.00",
                        "amount_incl_tax": "53.90",
                    }
                ],
                "adjustments": [
                    {
                        "id": self._next("adjustment"),
                        "type": "refund_shipping",
                        "amount_excl_tax": "8.00",
                        "amount_incl_tax": "8.80",
                    }
                ],
                "transaction_ids": [refund_txn["id"]],
            }
        )
        # 10005: paid through a gateway that declines refunds; its FO is on hold (high risk).
        user, ship, bill = self._customer(4)
        o = self._new_order(
            number="10005",
            currency="USD",
            placed="2024-04-06T16:00:00Z",
            user=user,
            shipping_address=ship,
            billing_address=bill,
            lines=[(p["101"], 1, d("25.00"), tax)],
            shipping_excl=d("5.00"),
            shipping_rate=tax,
        )
        self._add_txn(o, "debit", self._totals(o)["total_incl"], gateway=3, method="card_token")
        fo = self._open_fos(o, location_id=1)
        assert fo is not None
        fo["status"] = "on_hold"
        fo["holds"].append(
            {
                "reason": "high_risk",
                "reason_message": "Manual fraud review",
                "created_at": self._now(),
            }
        )
        self._changed()

    def seed_orders(self, n: int, *, seed: int = 0) -> list[str]:
        """Add ``n`` generated orders, deterministically (same state + seed -> same orders).

        Each is paid by one card sale; about half are shipped in full, the rest have an open
        fulfillment order. Returns the new order numbers.
        """
        with self._lock:
            rng = random.Random(
                f"{seed}:{self.state['counters']['order']}:{len(self.state['orders'])}"
            )
            products = list(self.state["products"].values())
            numbers = []
            for index in range(n):
                number = str(self._next("order"))
                while number in self.state["orders"]:
                    number = str(self._next("order"))
                user, ship, bill = self._customer(index)
                chosen = rng.sample(products, rng.randint(1, min(3, len(products))))
                day = BASE_TIME - timedelta(days=rng.randint(1, 365), minutes=rng.randint(0, 1439))
                order = self._new_order(
                    number=number,
                    currency="USD",
                    placed=day.isoformat().replace("+00:00", "Z"),
                    user=user,
                    shipping_address=ship,
                    billing_address=bill,
                    lines=[
                        (
                            prod,
                            rng.randint(1, 3),
                            d(prod["price"]),
                            Decimal("0.10") if prod["requires_shipping"] else Decimal(0),
                        )
                        for prod in chosen
                    ],
                    shipping_excl=d(rng.choice(["0.00", "4.99", "9.99"])),
                    shipping_rate=Decimal("0.10"),
                )
                self._add_txn(
                    order,
                    "debit",
                    self._totals(order)["total_incl"],
                    gateway=1,
                    method="card_token",
                )
                digital = [
                    i for i, line in enumerate(order["lines"]) if not line["requires_shipping"]
                ]
                if digital:
                    self._ship(order, digital)
                if rng.random() < 0.5:
                    physical = [
                        i for i, line in enumerate(order["lines"]) if line["requires_shipping"]
                    ]
                    if physical:
                        self._ship(order, physical, tracking=f"94001{number.zfill(17)}")
                        self._closed_fo(order, location_id=1)
                else:
                    self._open_fos(order, location_id=1)
                numbers.append(number)
            self._changed()
            return numbers
