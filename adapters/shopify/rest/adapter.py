"""The REST Admin API dialect of the ``shopify`` adapter (``api="rest"``).

Operations are sans-I/O generators (see :mod:`unified_orders.adapter`); :mod:`.translate` reads
and writes the JSON. Orders are read with their transactions (``orders/{id}/transactions.json``)
so refunds can be planned against captured payments, and, where some units are not yet
fulfilled, with their fulfillment orders so every line carries the location a restock needs.
A listing hands those fulfillment orders to the sync (``Page.details``); the others it asks for
order by order: REST has no read of several orders' fulfillment orders (``fulfillment_orders``
is an endpoint of each order; ``assigned_fulfillment_orders`` lists only a fulfillment service's
own), and no returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from unified_orders import planning
from unified_orders.adapter import (
    CancelOptions,
    CancelRestock,
    Capability,
    Op,
    OrderCreateOptions,
    OrderDetails,
    OrderQuery,
    Page,
    RefundOptions,
    Request,
    Response,
)
from unified_orders.errors import (
    IllegalTransition,
    InvalidRequest,
    PlatformError,
    Problem,
    ResponseLost,
)
from unified_orders.lookup import email_key, number_key
from unified_orders.models import (
    Address,
    FulfillmentOrder,
    HoldReason,
    Location,
    Order,
    OrderStatus,
    Refund,
    RefundCalculation,
    RefundLineRequest,
    RefundRequest,
    Restock,
    ShippingRefund,
)
from unified_orders.pagination import READ_ERRORS
from unified_orders.ratelimit import TokenBucket

from ..answers import rest_body as _body
from ..answers import throttled_wait
from ..base import REST_CAPABILITIES
from ..migration import RestMigration
from ..settings import ShopifySettings
from ..subscriptions import ShopifySubscriptions
from ..vocabulary import PLATFORM, numeric_id
from . import translate
from .shipments import RestShipments
from .sync_reads import PAGE_SIZE, RestSyncReads

__all__ = ["PAGE_SIZE", "ShopifyRestAdapter"]

#: A canonical status as the documented ``status`` parameter of ``GET orders.json``.
_LIST_STATUS = {
    OrderStatus.OPEN: "open",
    OrderStatus.CLOSED: "closed",
    OrderStatus.CANCELED: "cancelled",
}


def _iso(value: datetime) -> str:
    return value.isoformat()


def _may_match(order: Any, query: OrderQuery) -> bool:
    """Whether a listed order can pass the number and email filters ``orders.json`` lacks, read
    from the list item itself (as the translation reads them), so others cost no more requests;
    the core checks every translated order again."""
    if not isinstance(order, Mapping):
        return True  # unreadable: left for the read to name it as a failure
    if query.number is not None and number_key(str(order.get("name") or "")) != number_key(
        query.number
    ):
        return False
    email = order.get("email") or order.get("contact_email")
    return query.email is None or email_key(str(email or "")) == email_key(query.email)


def _answer(response: Response, key: str) -> Any:
    """The object a write's 2xx answer carries; an answer without it cannot be read, and Shopify
    may have applied the write: a lost response, for the exactly-once logic to re-read."""
    body = response.body
    if not isinstance(body, Mapping) or not isinstance(body.get(key), Mapping):
        raise ResponseLost(
            f"{response.url or 'shopify'} answered {response.status} without {key!r}; the write "
            "may have taken effect",
            response=response,
        )
    return body[key]


class ShopifyRestAdapter(RestSyncReads, RestShipments, RestMigration):
    """Shopify through the REST Admin API."""

    #: A cancel restocks only through its refund block (``restock`` needs ``refund``).
    cancel_restock: ClassVar[CancelRestock] = CancelRestock.WITH_REFUND
    #: ``orders.json`` filters by time and status; number and email are read from each page.
    order_filters: ClassVar[frozenset[str]] = frozenset(
        {"created_since", "created_until", "updated_since", "updated_until", "status"}
    )

    def __init__(self, settings: ShopifySettings) -> None:
        super().__init__(settings)
        self.bucket = TokenBucket(
            settings.bucket_size, settings.leak_rate, name="shopify-rest-leaky-bucket"
        )

    # --- connection ---------------------------------------------------------------------------
    @property
    def capabilities(self) -> frozenset[Capability]:
        """Orders, refunds and fulfillment orders; returns need GraphQL."""
        return REST_CAPABILITIES

    def observe(self, response: Response) -> float | None:
        """Sync the bucket from ``X-Shopify-Shop-Api-Call-Limit: used/size``; on 429 wait for
        ``Retry-After`` (1 s when absent, as Shopify's own client does). A document sent to
        ``graphql.json`` (the key ledger, webhook subscriptions) answered ``THROTTLED`` is waited
        out until its cost is restored: Shopify did not run it, so it is sent again."""
        self.note_deprecation(response)
        limit = response.header("x-shopify-shop-api-call-limit")
        if limit and "/" in limit:
            used_text, size_text = limit.split("/", 1)
            try:
                used, size = float(used_text), float(size_text)
            except ValueError:
                used = size = -1.0
            if size > 0:
                self.bucket.sync(available=max(size - used, 0.0), capacity=size)
        if response.status == 429:
            self.bucket.sync(available=0.0)
            try:
                return max(float(response.header("retry-after") or "1.0"), 0.0)
            except ValueError:
                return 1.0
        return throttled_wait(response.body, self.settings.cost_restore_rate)

    def error_for(self, response: Response) -> PlatformError:
        """``{"errors": ...}`` bodies to typed errors."""
        return translate.error_from_rest(response)

    # --- orders -------------------------------------------------------------------------------
    def _complete(self, order: Mapping[str, Any]) -> Op[Order]:
        """Read an order's transactions (and fulfillment orders where needed), then translate."""
        read, _ = yield from self._read(order, details=False)
        return read

    def _read(
        self, order: Mapping[str, Any], *, details: bool = True
    ) -> Op[tuple[Order, OrderDetails]]:
        """:meth:`_complete`, with the fulfillment orders it read (where it needed them: they
        are a request of their own per order) as :class:`OrderDetails` (empty without
        ``details``: a caller that drops them skips their translation)."""
        oid = order["id"]
        response = yield Request("GET", f"orders/{oid}/transactions.json")
        transactions = _body(response, "transactions")
        fulfillment_orders: list[Any] | None = None
        if translate.needs_assigned_locations(order):
            response = yield Request("GET", f"orders/{oid}/fulfillment_orders.json")
            fulfillment_orders = _body(response, "fulfillment_orders")
        read = translate.order_from_rest(
            order, transactions=transactions, fulfillment_orders=fulfillment_orders or []
        )
        if fulfillment_orders is None or not details:
            return read, OrderDetails()
        try:
            found = [translate.fulfillment_order_from_rest(fo) for fo in fulfillment_orders]
        except READ_ERRORS:
            found = None  # the sync asks again, and meets the same error as before
        return read, OrderDetails(fulfillment_orders=found)

    def webhook_subscriptions(self) -> ShopifySubscriptions:
        """The webhook subscription operations behind ``store.webhooks`` (GraphQL documents)."""
        return ShopifySubscriptions(in_points=False)

    def get_order(self, order_id: str) -> Op[Order]:
        """``GET orders/{id}.json`` plus its transactions and fulfillment orders."""
        oid = numeric_id(order_id, "order_id")
        response = yield Request("GET", f"orders/{oid}.json")
        return (yield from self._complete(_body(response, "order")))

    def list_orders(self, query: OrderQuery, cursor: str | None) -> Op[Page[Order]]:
        """``GET orders.json`` (``status=any`` or the status asked, ``limit=250``), following
        ``page_info`` cursors.

        A ``page_info`` request may carry only ``limit`` (and ``fields``): the filters are
        inside the cursor. ``orders.json`` documents no number or email filter: those are
        applied to each page's items before they are read in full (every page is read). An
        order that cannot be read is a ``ReadFailure`` of the page.
        """
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if cursor is not None:
            params["page_info"] = cursor
        else:
            params["status"] = _LIST_STATUS[query.status] if query.status is not None else "any"
            if query.created_since is not None:
                params["created_at_min"] = _iso(query.created_since)
            if query.created_until is not None:
                params["created_at_max"] = _iso(query.created_until)
            if query.updated_since is not None:
                params["updated_at_min"] = _iso(query.updated_since)
            if query.updated_until is not None:
                params["updated_at_max"] = _iso(query.updated_until)
        return (yield from self._orders_page(params, lambda order: _may_match(order, query)))

    def create_order(self, order: Order, options: OrderCreateOptions | None = None) -> Op[Order]:
        """``POST orders.json`` from a canonical order (migration; no receipts, no stock moves;
        the marker as ``source_identifier``)."""
        body = translate.order_body(order, options.marker if options else None)
        response = yield Request("POST", "orders.json", json=body)
        return (yield from self._complete(_answer(response, "order")))

    def cancel_order(self, order: Order, options: CancelOptions) -> Op[Order]:
        """``POST orders/{id}/cancel.json`` with ``reason`` and ``email`` (notify); with
        ``refund=True`` the remaining lines and shipping are refunded in the same call, after
        Shopify calculates the refund (restock ``cancel``/``return`` by fulfillment state when
        ``restock=True``, else ``no_restock``). The legacy ``restock`` flag is never sent."""
        reason = options.reason
        problems: list[Problem] = []
        if reason not in translate.CANCEL_REASONS:
            allowed = ", ".join(translate.CANCEL_REASONS)
            problems.append(Problem("reason", f"{reason!r} is not one of {allowed}"))
        if options.restock and not options.refund:
            problems.append(
                Problem(
                    "restock",
                    "Shopify REST restocks only through the refund block of a cancel; pass "
                    "refund=True too, or cancel and then refund the lines with a restock type",
                )
            )
        if problems:
            raise InvalidRequest(problems, operation="orders.cancel")
        oid = numeric_id(order.id, "order_id")
        refund_block: dict[str, Any] | None = None
        if options.refund:
            request = self._full_refund_request(order, restock=options.restock)
            if request is not None:
                prepared = planning.prepare(
                    order,
                    request,
                    self.restock_policy,
                    partial_refund_needs_capture=False,
                )
                calculation = yield from self.calculate_refund(order, prepared)
                refund_block = translate.refund_body(
                    calculation,
                    order.currency,
                    notify=options.notify,
                    note=None,
                    discrepancy_reason=None,
                )["refund"]
        body = translate.cancel_body(reason, options.notify, refund_block)
        response = yield Request("POST", f"orders/{oid}/cancel.json", json=body)
        return (yield from self._complete(_answer(response, "order")))

    @staticmethod
    def _full_refund_request(order: Order, *, restock: bool) -> RefundRequest | None:
        """Everything still refundable: each line split by fulfillment state, plus shipping."""
        lines: list[RefundLineRequest] = []
        for line in order.lines:
            av = planning.availability(order, line)
            if av.refundable <= 0:
                continue
            parts = [(av.unfulfilled, Restock.CANCEL), (av.fulfilled, Restock.RETURN)]
            quantity = sum(q for q, _ in parts if q > 0)
            if not restock:
                lines.append(
                    RefundLineRequest(
                        line_id=line.id, quantity=quantity, restock=Restock.NO_RESTOCK
                    )
                )
                continue
            # One request line per line id: restock the larger part; Shopify takes one
            # restock type per refund line.
            qty, kind = max(parts, key=lambda part: part[0])
            if qty < quantity:
                kind = Restock.NO_RESTOCK
            lines.append(RefundLineRequest(line_id=line.id, quantity=quantity, restock=kind))
        shipping = (
            ShippingRefund(full=True) if planning.shipping_remaining(order).amount > 0 else None
        )
        if not lines and shipping is None:
            return None
        return RefundRequest(lines=lines, shipping=shipping)

    def update_shipping_address(self, order: Order, address: Address) -> Op[Order]:
        """``PUT orders/{id}.json`` with ``{"order": {"shipping_address": {...}}}`` (the fields
        the canonical address sets)."""
        oid = numeric_id(order.id, "order_id")
        fields: dict[str, Any] = translate.address_body(address)
        if "province_code" in address.model_fields_set and address.province_code is None:
            # cleared, not kept: INFERRED that Shopify clears null fields (the province's name
            # too, or it would derive the code from it again)
            fields.update({"province_code": None, "province": None})
        if not fields:
            raise InvalidRequest([Problem("address", "give at least one address field")])
        body = {"order": {"shipping_address": fields}}
        response = yield Request("PUT", f"orders/{oid}.json", json=body)
        return (yield from self._complete(_answer(response, "order")))

    # --- refunds ------------------------------------------------------------------------------
    def calculate_refund(self, order: Order, request: RefundRequest) -> Op[RefundCalculation]:
        """``POST orders/{id}/refunds/calculate.json`` (a read: it changes nothing)."""
        oid = numeric_id(order.id, "order_id")
        body = translate.refund_request_body(request, request.currency or order.currency)
        response = yield Request(
            "POST", f"orders/{oid}/refunds/calculate.json", json=body, retry_safe=True, write=False
        )
        return translate.calculation_from_rest(response.body, order, request)

    def create_refund(
        self, order: Order, calculation: RefundCalculation, options: RefundOptions
    ) -> Op[Refund]:
        """``POST orders/{id}/refunds.json``: the calculation's transactions as ``kind: refund``;
        the idempotency key travels as a marker in the refund's ``note``."""
        oid = numeric_id(order.id, "order_id")
        body = translate.refund_body(
            calculation,
            calculation.request.currency or order.currency,
            notify=options.notify,
            note=options.note,
            discrepancy_reason=self.settings.discrepancy_reason,
            idempotency_key=options.idempotency_key,
        )
        response = yield Request("POST", f"orders/{oid}/refunds.json", json=body)
        return translate.refund_from_rest(
            _answer(response, "refund"), order.currency, taxes_included=order.taxes_included
        )

    def _order_facts(self, oid: int) -> Op[tuple[str, bool]]:
        response = yield Request(
            "GET",
            f"orders/{oid}.json",
            params={"fields": "id,currency,presentment_currency,taxes_included"},
        )
        order = _body(response, "order")
        currency = str(order.get("presentment_currency") or order.get("currency") or "USD")
        return currency, bool(order.get("taxes_included"))

    def list_refunds(self, order_id: str) -> Op[list[Refund]]:
        """``GET orders/{id}/refunds.json``."""
        oid = numeric_id(order_id, "order_id")
        currency, taxes_included = yield from self._order_facts(oid)
        response = yield Request("GET", f"orders/{oid}/refunds.json")
        return [
            translate.refund_from_rest(r, currency, taxes_included=taxes_included)
            for r in _body(response, "refunds")
        ]

    def get_order_refund(self, order_id: str, refund_id: str) -> Op[Refund]:
        """``GET orders/{id}/refunds/{refund_id}.json`` (REST-dialect extra)."""
        oid = numeric_id(order_id, "order_id")
        rid = numeric_id(refund_id, "refund_id")
        currency, taxes_included = yield from self._order_facts(oid)
        response = yield Request("GET", f"orders/{oid}/refunds/{rid}.json")
        return translate.refund_from_rest(
            _body(response, "refund"), currency, taxes_included=taxes_included
        )

    # --- fulfillment orders -------------------------------------------------------------------
    def list_fulfillment_orders(self, order_id: str) -> Op[list[FulfillmentOrder]]:
        """``GET orders/{id}/fulfillment_orders.json``."""
        oid = numeric_id(order_id, "order_id")
        response = yield Request("GET", f"orders/{oid}/fulfillment_orders.json")
        return [
            translate.fulfillment_order_from_rest(fo)
            for fo in _body(response, "fulfillment_orders")
        ]

    def _gate(self, fo_id: int, action: str) -> Op[dict[str, Any]]:
        """Read the fulfillment order; refuse ``action`` unless it is in ``supported_actions``."""
        response = yield Request("GET", f"fulfillment_orders/{fo_id}.json")
        fo: dict[str, Any] = _body(response, "fulfillment_order")
        supported = [str(a) for a in fo.get("supported_actions") or []]
        if action not in supported:
            raise IllegalTransition(
                f"fulfillment order {fo_id} (status {fo.get('status')}, request status "
                f"{fo.get('request_status')}) does not support {action!r}; Shopify lists as "
                f"supported: {', '.join(supported) or 'nothing'}",
                state=str(fo.get("status")),
                possible=supported,
                platform=PLATFORM,
                code="unsupported_action",
            )
        return fo

    def hold_fulfillment_order(
        self,
        fulfillment_order_id: str,
        reason: HoldReason,
        note: str | None,
        lines: Mapping[str, int] | None = None,
    ) -> Op[FulfillmentOrder]:
        """``POST fulfillment_orders/{id}/hold.json`` (all lines unless ``lines`` is given)."""
        fid = numeric_id(fulfillment_order_id, "fulfillment_order_id")
        body = translate.hold_body(
            reason, note, notify_merchant=self.settings.notify_merchant_on_hold, lines=lines
        )
        yield from self._gate(fid, "hold")
        response = yield Request("POST", f"fulfillment_orders/{fid}/hold.json", json=body)
        return translate.fulfillment_order_from_rest(_answer(response, "fulfillment_order"))

    def release_fulfillment_hold(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """``POST fulfillment_orders/{id}/release_hold.json``."""
        fid = numeric_id(fulfillment_order_id, "fulfillment_order_id")
        yield from self._gate(fid, "release_hold")
        response = yield Request("POST", f"fulfillment_orders/{fid}/release_hold.json", json={})
        return translate.fulfillment_order_from_rest(_answer(response, "fulfillment_order"))

    def request_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Mapping[str, int] | None,
        message: str | None,
        notify: bool,
    ) -> Op[FulfillmentOrder]:
        """``POST fulfillment_orders/{id}/fulfillment_request.json``; the result is the submitted
        fulfillment order, with the unsubmitted remainder's id in ``replaced_by``."""
        fid = numeric_id(fulfillment_order_id, "fulfillment_order_id")
        request: dict[str, Any] = {}
        if message:
            request["message"] = message
        items = translate.fo_lines_body(lines)
        if items is not None:
            request["fulfillment_order_line_items"] = items
        request["notify_customer"] = notify
        yield from self._gate(fid, "request_fulfillment")
        response = yield Request(
            "POST",
            f"fulfillment_orders/{fid}/fulfillment_request.json",
            json={"fulfillment_request": request},
        )
        submitted = _answer(response, "submitted_fulfillment_order")
        rest = (response.body or {}).get("unsubmitted_fulfillment_order")
        others = [str(rest["id"])] if rest and rest.get("id") != submitted.get("id") else []
        return translate.fulfillment_order_from_rest(submitted, replaced_by=others)

    def request_fulfillment_cancellation(
        self, fulfillment_order_id: str, message: str | None
    ) -> Op[FulfillmentOrder]:
        """``POST fulfillment_orders/{id}/cancellation_request.json``."""
        fid = numeric_id(fulfillment_order_id, "fulfillment_order_id")
        yield from self._gate(fid, "request_cancellation")
        body = {"cancellation_request": {"message": message} if message else {}}
        response = yield Request(
            "POST", f"fulfillment_orders/{fid}/cancellation_request.json", json=body
        )
        return translate.fulfillment_order_from_rest(_answer(response, "fulfillment_order"))

    def available_locations(self, fulfillment_order_id: str) -> Op[list[Location]]:
        """``GET fulfillment_orders/{id}/locations_for_move.json`` (movable ones)."""
        fid = numeric_id(fulfillment_order_id, "fulfillment_order_id")
        response = yield Request("GET", f"fulfillment_orders/{fid}/locations_for_move.json")
        return translate.locations_from_rest(response.body or {})

    def move_fulfillment_order(
        self, fulfillment_order_id: str, location_id: str, lines: Mapping[str, int] | None
    ) -> Op[FulfillmentOrder]:
        """``POST fulfillment_orders/{id}/move.json``; the result is the fulfillment order now at
        the new location, with a remaining (unmoved) one's id in ``replaced_by``."""
        fid = numeric_id(fulfillment_order_id, "fulfillment_order_id")
        move: dict[str, Any] = {"new_location_id": numeric_id(location_id, "location_id")}
        items = translate.fo_lines_body(lines)
        if items is not None:
            move["fulfillment_order_line_items"] = items
        yield from self._gate(fid, "move")
        response = yield Request(
            "POST", f"fulfillment_orders/{fid}/move.json", json={"fulfillment_order": move}
        )
        moved = _answer(response, "moved_fulfillment_order")
        remaining = (response.body or {}).get("remaining_fulfillment_order")
        others = (
            [str(remaining["id"])] if remaining and remaining.get("id") != moved.get("id") else []
        )
        return translate.fulfillment_order_from_rest(moved, replaced_by=others)
