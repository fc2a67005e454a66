"""The Shopware 6 Admin API adapter: the operations, as sans-I/O generators.

:class:`ShopwareAdapter` is the entry point. Orders and deliveries (as fulfillment orders) are
here; refunds are in :mod:`.refunds`, Commercial returns in :mod:`.returns`, what a listing reads
along with its orders (returns, deliveries) in :mod:`.details`, and the connection,
request helpers and the state-transition walker in :mod:`.base`. Orders are read through
``search/order`` with every association the canonical model needs; every state change goes
through the transition endpoints (:meth:`~.base.ShopwareBase.transition`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar

from unified_orders.adapter import (
    CancelOptions,
    Capability,
    Op,
    OrderChange,
    OrderCreateOptions,
    OrderDetails,
    OrderQuery,
    OrderReference,
    Page,
    ReadFailure,
    Request,
)
from unified_orders.errors import InvalidRequest, NotFound, PlatformError, Problem
from unified_orders.models import Address, FulfillmentOrder, Order, RefundStatus
from unified_orders.pagination import READ_ERRORS

from . import states
from . import translate as t
from .details import DetailsMixin
from .migration import ShopwareMigration
from .platform import is_id, stable_id
from .refunds import RefundsMixin
from .shipments import ShipmentsMixin
from .subscriptions import ShopwareSubscriptions

__all__ = ["ShopwareAdapter"]


#: Ids per page of the id-only listing (Shopware 6.6+ refuses a search limit above 500).
IDS_PAGE = 500


class ShopwareAdapter(ShipmentsMixin, DetailsMixin, RefundsMixin, ShopwareMigration):
    """Shopware 6 Admin API adapter."""

    #: The orders a change feed names are re-read in one search (:meth:`read_orders`).
    reads_orders_by_id: ClassVar[bool] = True
    #: A refund over several captures whose writer stopped after processing the first is partial.
    unfinished_refund_statuses: ClassVar[frozenset[RefundStatus]] = frozenset(
        {RefundStatus.PENDING, RefundStatus.PARTIAL}
    )
    #: Every filter is a criteria filter of ``search/order``.
    order_filters: ClassVar[frozenset[str]] = frozenset(
        {
            "created_since",
            "created_until",
            "updated_since",
            "updated_until",
            "number",
            "email",
            "status",
        }
    )

    # --- orders -----------------------------------------------------------------------------
    def order_reference(self, text: str) -> OrderReference:
        """32 hex characters are an order id; anything else is an ``orderNumber`` (``10001``)."""
        lowered = text.lower()
        return OrderReference(id=lowered) if is_id(lowered) else OrderReference(number=text)

    def webhook_subscriptions(self) -> ShopwareSubscriptions:
        """Refuses (webhooks need an installed app): see :mod:`.subscriptions`."""
        return ShopwareSubscriptions()

    def get_order(self, order_id: str) -> Op[Order]:
        """One order, read through ``search/order`` with every association the model needs;
        an order whose data cannot be translated is a typed :class:`PlatformError`."""
        checked = self._check_id(order_id, "order_id")
        shop = yield from self._shop_currency()
        raw = yield from self._order_raw(checked)
        try:
            return self._translate(raw, shop)
        except READ_ERRORS as error:
            if isinstance(error, PlatformError):
                raise
            raise PlatformError(
                f"order {raw.get('id')} could not be read ({type(error).__name__}: {error})",
                platform=self.platform,
            ) from error

    def list_orders(self, query: OrderQuery, cursor: str | None) -> Op[Page[Order]]:
        """One page of orders, oldest first, in one search with every association: the cursor
        is the next page number. Each order's returns (Commercial) and deliveries (as
        fulfillment orders) come along in ``Page.details`` (:mod:`.details`). An order that
        cannot be translated is a ``Page.failures`` entry, never a failed page."""
        page = int(cursor) if cursor else 1
        limit = self.settings.page_size
        read, hits = yield from self._orders_with_details(t.order_criteria(query, page, limit))
        return replace(read, next_cursor=str(page + 1) if hits >= limit else None)

    def read_orders(self, order_ids: Sequence[str]) -> Op[Page[Order]]:
        """The orders with these ids, with their returns and deliveries: one search per 500
        ids (an id the shop no longer has is left out)."""
        ids = [self._check_id(order_id, "order_id") for order_id in order_ids]
        items: list[Order] = []
        failures: list[ReadFailure] = []
        details: dict[str, OrderDetails] = {}
        for start in range(0, len(ids), IDS_PAGE):
            chunk = ids[start : start + IDS_PAGE]
            criteria = {
                "ids": chunk,
                "associations": t.ORDER_ASSOCIATIONS,
                "limit": len(chunk),
                "total-count-mode": "none",
            }
            read, _ = yield from self._orders_with_details(criteria)
            items += read.items
            failures += read.failures
            details.update(read.details)
        return Page(items, None, failures, details)

    def order_changes(self, since: datetime, cursor: str | None) -> Op[Page[OrderChange]]:
        """Orders whose payments, captures, capture refunds, deliveries or returns changed since
        ``since``: Shopware does not bump ``order.updatedAt`` for those, so the updated-since
        listing alone misses every refund (one search per page, ids only)."""
        page = int(cursor) if cursor else 1
        limit = self.settings.page_size
        returns = Capability.RETURNS_LIST in self.capabilities
        hits = yield from self._search(
            "order", t.changes_criteria(since, page, limit, returns=returns)
        )
        ids = [str(hit["id"]) for hit in hits if hit.get("id")]
        return Page([OrderChange(i) for i in ids], str(page + 1) if len(hits) >= limit else None)

    def order_ids(self, cursor: str | None) -> Op[Page[str]]:
        """Every order's id, 500 per search (the most a search may ask), ids only, oldest first
        (orders placed meanwhile land on the last page, so none shifts into a page read)."""
        page = int(cursor) if cursor else 1
        hits = yield from self._search("order", t.ids_criteria(page, IDS_PAGE))
        ids = [str(hit["id"]) for hit in hits if hit.get("id")]
        return Page(ids, str(page + 1) if len(hits) >= IDS_PAGE else None)

    def create_order(self, order: Order, options: OrderCreateOptions | None = None) -> Op[Order]:
        """Create an order from a canonical one (migration), with its delivery and transaction.

        Ids derive from the source order, so creating the same order twice is refused by the
        shop instead of duplicating it. No capture is written (that is the payment extension's
        record), so refunds of migrated orders go through the payment provider.
        """
        _check_new_order(order)
        refs = yield from self._create_refs(order)
        body = t.order_to_platform(order, refs, options.marker if options else None)
        yield Request("POST", "order", json=body)
        return (yield from self.get_order(body["id"]))

    def _create_refs(self, order: Order) -> Op[t.CreateRefs]:
        """The shop's ids a new order refers to: channel, currency, countries, states."""
        if self.settings.sales_channel_id:
            channel_criteria: dict[str, Any] = {"ids": [self.settings.sales_channel_id]}
        else:
            channel_criteria = {"limit": 1, "sort": [{"field": "createdAt", "order": "ASC"}]}
        channels = yield from self._search("sales-channel", channel_criteria)
        if not channels:
            raise InvalidRequest(
                [Problem("sales_channel_id", "the shop has no such sales channel")]
            )
        currencies = yield from self._search(
            "currency",
            {"filter": [{"type": "equals", "field": "isoCode", "value": order.currency}]},
        )
        if not currencies:
            raise InvalidRequest(
                [Problem("currency", f"the shop has no currency {order.currency}")]
            )
        addresses = [a for a in (order.billing_address, order.shipping_address) if a is not None]
        country_ids = yield from self._country_ids(sorted({str(a.country_code) for a in addresses}))
        keys = sorted(
            {
                key
                for a in addresses
                if (key := t.province_key(a.country_code, a.province_code)) is not None
            }
        )
        country_states: dict[str, str] = {}
        if keys:
            hits = yield from self._search(
                "country-state",
                {"filter": [{"type": "equalsAny", "field": "shortCode", "value": keys}]},
            )
            country_states = {str(h["shortCode"]): str(h["id"]) for h in hits}
        state_ids = {}
        for machine in (states.ORDER_MACHINE, states.DELIVERY_MACHINE, states.TRANSACTION_MACHINE):
            state_ids[machine] = yield from self._states(machine)
        primary = yield from self._version_at_least((6, 7, 1))
        return t.CreateRefs(
            sales_channel=channels[0],
            currency_id=str(currencies[0]["id"]),
            currency_factor=currencies[0].get("factor"),
            states=state_ids,
            countries=country_ids,
            country_states=country_states,
            primary_fields=primary,
        )

    def _country_ids(self, isos: list[str]) -> Op[dict[str, str]]:
        """``{ISO code: country id}``; refused when the shop lacks one of them."""
        countries = yield from self._search(
            "country", {"filter": [{"type": "equalsAny", "field": "iso", "value": isos}]}
        )
        country_ids = {str(c["iso"]): str(c["id"]) for c in countries}
        missing = [iso for iso in isos if iso not in country_ids]
        if missing:
            raise InvalidRequest(
                [
                    Problem("shipping_address.country_code", f"the shop has no country {m}")
                    for m in missing
                ]
            )
        return country_ids

    def _version_at_least(self, wanted: tuple[int, ...]) -> Op[bool]:
        if self._version is None:
            response = yield Request("GET", "_info/version")
            body = response.body if isinstance(response.body, Mapping) else {}
            self._version = str(body.get("version") or "0")
        parts = tuple(int(p) for p in self._version.split(".")[:4] if p.isdigit())
        return parts >= wanted

    def cancel_order(self, order: Order, options: CancelOptions) -> Op[Order]:
        """Cancel: refund the captured money when asked, settle the payment, cancel open
        deliveries, then move the order to ``cancelled`` (reopening a completed order first)."""
        raw = (
            order.raw if isinstance(order.raw, Mapping) else (yield from self._order_raw(order.id))
        )
        if order.platform_status == "cancelled":
            return order
        transaction = t.primary_transaction(raw)
        txn_state = t.state_name(transaction)
        if transaction is not None and txn_state in states.PAID_STATES and options.refund:
            yield from self._refund_everything(order, raw, options)
        elif transaction is not None and states.calls_off_payment(txn_state):
            yield from self.transition(
                "order_transaction",
                str(transaction["id"]),
                "cancelled",
                current=txn_state,
                notify=options.notify,
            )
        for delivery in raw.get("deliveries") or []:
            if t.state_name(delivery) == "open":
                yield from self.transition(
                    "order_delivery",
                    str(delivery["id"]),
                    "cancelled",
                    current="open",
                    notify=options.notify,
                )
        yield from self.transition(
            "order",
            order.id,
            "cancelled",
            current=t.state_name(raw),
            notify=options.notify,
            comment=options.reason,
        )
        return (yield from self.get_order(order.id))

    def update_shipping_address(self, order: Order, address: Address) -> Op[Order]:
        """Write the primary delivery's ``order_address``; a fresh address when it is shared with
        the billing address (so the billing address is left alone)."""
        raw = (
            order.raw if isinstance(order.raw, Mapping) else (yield from self._order_raw(order.id))
        )
        delivery = t.primary_delivery(raw)
        if delivery is None:
            raise InvalidRequest(
                [Problem("order_id", f"order {order.id} has no delivery to ship to")],
                operation="orders.update_shipping_address",
            )
        merged = _merged_address(
            t.address_from_platform(delivery.get("shippingOrderAddress")), address
        )
        country_id, state_id = yield from self._address_country(merged)
        address_id = str(delivery["shippingOrderAddressId"])
        shared = address_id == raw.get("billingAddressId")
        if shared:
            address_id = stable_id("shipping-address", order.id, str(delivery["id"]))
        body = t.address_to_platform(
            merged,
            address_id=address_id,
            order_id=order.id,
            country_id=country_id,
            country_state_id=state_id,
        )
        if shared:
            yield Request("POST", "order-address", json=body, retry_safe=True)
            yield Request(
                "PATCH",
                f"order-delivery/{delivery['id']}",
                json={"shippingOrderAddressId": address_id},
                retry_safe=True,
            )
        else:
            body.pop("id")
            if state_id is None and (delivery.get("shippingOrderAddress") or {}).get(
                "countryStateId"
            ):
                body["countryStateId"] = None  # cleared, not kept: a PATCH keeps what is left out
            yield Request("PATCH", f"order-address/{address_id}", json=body, retry_safe=True)
        return (yield from self.get_order(order.id))

    def _address_country(self, address: Address) -> Op[tuple[str, str | None]]:
        """The ids of an address's country and (where the shop knows it) its subdivision."""
        countries = yield from self._search(
            "country",
            {"filter": [{"type": "equals", "field": "iso", "value": address.country_code}]},
        )
        if not countries:
            raise InvalidRequest(
                [Problem("country_code", f"the shop has no country {address.country_code}")],
                operation="orders.update_shipping_address",
            )
        state_id = None
        key = t.province_key(address.country_code, address.province_code)
        if key:
            hits = yield from self._search(
                "country-state",
                {"filter": [{"type": "equals", "field": "shortCode", "value": key}]},
            )
            if not hits:
                # the shop's own list of states knows better than ISO: refused, never dropped
                raise InvalidRequest(
                    [
                        Problem(
                            "address.province_code",
                            f"the shop has no state {key} (country-state shortCode) for "
                            f"{address.country_code}; give one it has, or leave the province out",
                        )
                    ],
                    operation="orders.update_shipping_address",
                )
            state_id = str(hits[0]["id"])
        return str(countries[0]["id"]), state_id

    # --- fulfillment ------------------------------------------------------------------------
    def list_fulfillment_orders(self, order_id: str) -> Op[list[FulfillmentOrder]]:
        """The order's deliveries as fulfillment orders, with the actions each allows now (from
        the delivery machine's transitions, read once: :mod:`.details`)."""
        raw = yield from self._order_raw(self._check_id(order_id, "order_id"))
        return (yield from self._fulfillment_orders(raw))

    def request_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Mapping[str, int] | None,
        message: str | None,
        notify: bool,
    ) -> Op[FulfillmentOrder]:
        """Ship a delivery (``ship``), or part of it (``ship_partially``, with the shipped units
        per position kept in the delivery's customFields since core does not track them)."""
        delivery_id = self._check_id(fulfillment_order_id, "fulfillment_order_id")
        hits = yield from self._search(
            "order",
            {
                "filter": [{"type": "equals", "field": "deliveries.id", "value": delivery_id}],
                "associations": t.ORDER_ASSOCIATIONS,
                "limit": 1,
            },
        )
        if not hits:
            raise NotFound(f"delivery {delivery_id} not found", status=404, platform=self.platform)
        raw = hits[0]
        delivery = next(d for d in raw.get("deliveries") or [] if d["id"] == delivery_id)
        target, tracked = _shipment(delivery, raw, lines)
        yield from self.transition(
            "order_delivery",
            delivery_id,
            target,
            current=t.state_name(delivery),
            notify=notify,
            comment=message,
        )
        if target == "shipped_partially":
            fields = dict(delivery.get("customFields") or {})
            fields[t.SHIPPED_FIELD] = tracked
            yield Request(
                "PATCH",
                f"order-delivery/{delivery_id}",
                json={"customFields": fields},
                retry_safe=True,
            )
        listing = yield from self.list_fulfillment_orders(str(raw["id"]))
        return next(fo for fo in listing if fo.id == delivery_id)


def _check_new_order(order: Order) -> None:
    """Refuse an order Shopware cannot hold: no e-mail, no address, an address without country."""
    problems = []
    if not order.email:
        problems.append(Problem("email", "Shopware needs the customer's e-mail"))
    address = order.billing_address or order.shipping_address
    if address is None:
        problems.append(Problem("billing_address", "Shopware needs a billing address"))
    for name, item in (
        ("billing_address", address),
        ("shipping_address", order.shipping_address),
    ):
        if item is not None and not item.country_code:
            problems.append(Problem(f"{name}.country_code", "Shopware needs a country"))
    if problems:
        raise InvalidRequest(problems, operation="orders.create")


def _merged_address(current: Address | None, given: Address) -> Address:
    """The fields given over the current address; refused without a country."""
    merged = given
    if current is not None:
        update = given.model_dump(exclude_unset=True, exclude={"raw"})
        merged = current.model_copy(update=update)
    if not merged.country_code:
        raise InvalidRequest(
            [Problem("country_code", "Shopware needs a country for an address")],
            operation="orders.update_shipping_address",
        )
    return merged


def _shipment(
    delivery: Mapping[str, Any], raw: Mapping[str, Any], lines: Mapping[str, int] | None
) -> tuple[str, dict[str, Any]]:
    """The delivery state a shipment of ``lines`` (None: everything) leads to, and the shipped
    units per position afterwards; refused when a position is unknown or has too few left."""
    before = t.fulfillment_order_from_delivery(delivery, raw, [])
    tracked = dict((delivery.get("customFields") or {}).get(t.SHIPPED_FIELD) or {})
    if lines is None:
        return states.shipping_state(complete=True), tracked
    fulfillable = {line.id: line.fulfillable_quantity for line in before.lines}
    problems = []
    for key, quantity in lines.items():
        if key not in fulfillable:
            problems.append(
                Problem(f"lines[{key}]", f"delivery {before.id} has no position {key!r}")
            )
        elif quantity > fulfillable[key]:
            problems.append(
                Problem(
                    f"lines[{key}]",
                    f"only {fulfillable[key]} unit(s) left to ship, asked for {quantity}",
                )
            )
    if problems:
        raise InvalidRequest(problems, operation="fulfillments.request_fulfillment")
    for line in before.lines:
        done = line.quantity - line.fulfillable_quantity
        tracked[line.id] = done + lines.get(line.id, 0)
    complete = all(tracked[line.id] >= line.quantity for line in before.lines)
    return states.shipping_state(complete), tracked
