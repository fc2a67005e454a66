"""The Shopware 6 Admin API adapter: settings and operations (sans-I/O generators).

Every request goes to ``{base_url}/api/`` with ``Accept: application/json`` (plain JSON, not
JSON:API). Authentication is the OAuth client-credentials grant of an integration; the token is
cached and renewed before its 600 s lifetime runs out and after a 401.

State changes always go through the transition endpoints: the adapter reads the transitions the
shop offers for the entity (``GET /api/_action/state-machine/{entity}/{id}/state``) and posts the
action whose ``toStateName`` is the next state on the way to the target. Action names are never
hard-coded, so 6.6 shops (``pay``, ``pay_partially``, ``do_pay``) and 6.7 shops (``paid``,
``paid_partially``, ``process``) work alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, model_validator

from unified_orders import planning
from unified_orders.adapter import (
    Adapter,
    AdapterSettings,
    CancelOptions,
    Capability,
    Op,
    OrderQuery,
    Page,
    RefundOptions,
    Request,
    Response,
    RestockPolicy,
    ReturnAction,
)
from unified_orders.errors import (
    AmbiguousWrite,
    IllegalTransition,
    InvalidRequest,
    NotFound,
    PlatformError,
    Problem,
    ResponseLost,
    UnifiedOrdersError,
    UnsupportedOperation,
)
from unified_orders.models import (
    Address,
    FulfillmentOrder,
    Money,
    Order,
    Refund,
    RefundCalculation,
    RefundLine,
    RefundLineRequest,
    RefundRequest,
    Restock,
    Return,
    ReturnRequest,
    ShippingRefund,
    TransactionKind,
)

from . import translate as t
from .sandbox import ShopwareEmulator

__all__ = ["BASE_CAPABILITIES", "RETURN_CAPABILITIES", "ShopwareAdapter", "ShopwareSettings"]

SANDBOX_URL = "https://sandbox.shopware.example"
SANDBOX_CLIENT_ID = "SWIASANDBOXEXAMPLE0000000000"
SANDBOX_CLIENT_SECRET = "sandbox-secret-not-a-real-one"
RENEW_MARGIN = 60.0
"""Seconds before expiry at which a cached token is renewed."""

BASE_CAPABILITIES = frozenset(
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
        Capability.FULFILLMENTS_REQUEST_FULFILLMENT,
    }
)
RETURN_CAPABILITIES = frozenset(
    {
        Capability.RETURNS_CREATE,
        Capability.RETURNS_GET,
        Capability.RETURNS_LIST,
        Capability.RETURNS_APPROVE,
        Capability.RETURNS_CLOSE,
        Capability.RETURNS_CANCEL,
        Capability.RETURNS_REOPEN,
    }
)
NO_LICENCE = (
    "returns are Shopware Commercial ReturnManagement (licence RETURNS_MANAGEMENT-8450687); "
    "this shop answers 404 on the return routes, so the plugin or its licence is missing. Core "
    "Shopware has no return entity: record a return as the delivery transition retour / "
    "retour_partially in the administration, and refund with refunds.create"
)
NO_CAPTURE = (
    "Shopware refunds are written against an order_transaction_capture, and the Shopware core "
    "never creates captures: the payment extension must record one when it takes the money. "
    "This payment has none, so there is nothing to refund against through the Admin API. Refund "
    "through the payment provider's own plugin or dashboard, then record it on the order"
)
HINTS: dict[Capability, str] = {
    Capability.RETURNS_DECLINE: (
        "Shopware returns (order_return.state) have no declined state: open, in_progress, done "
        "and cancelled only. Use returns.cancel, which reads back as canceled, not declined"
    ),
    Capability.FULFILLMENTS_HOLD: (
        "Shopware deliveries have no hold: the delivery state machine knows open, shipped, "
        "shipped_partially, returned, returned_partially and cancelled. Leave the delivery open, "
        "or cancel the order"
    ),
    Capability.FULFILLMENTS_RELEASE_HOLD: "Shopware deliveries have no hold to release",
    Capability.FULFILLMENTS_MOVE: (
        "Shopware core has no fulfillment locations or warehouses on deliveries, so a delivery "
        "cannot be moved"
    ),
    Capability.FULFILLMENTS_AVAILABLE_LOCATIONS: (
        "Shopware core has no fulfillment locations on deliveries"
    ),
    Capability.FULFILLMENTS_REQUEST_CANCELLATION: (
        "Shopware has no fulfillment service to ask; cancel the order (orders.cancel), which "
        "also cancels its open deliveries"
    ),
}

RESTOCK_POLICY = RestockPolicy(
    unfulfilled=frozenset({Restock.NO_RESTOCK}),
    fulfilled=frozenset({Restock.NO_RESTOCK}),
    fulfilled_digital=frozenset({Restock.NO_RESTOCK}),
    infer_unfulfilled=Restock.NO_RESTOCK,
    infer_fulfilled=Restock.NO_RESTOCK,
)
"""Shopware capture refunds have no restock concept (stock is only touched by order state changes
and Commercial returns' ``restockQuantity``), so ``no_restock`` is the only honest type."""


class RefundRefused(PlatformError):
    """The payment handler refused a refund and its record was cancelled: a decided outcome."""


class ShopwareSettings(AdapterSettings):
    """Settings of a Shopware 6 store.

    ``base_url`` is the shop root (``https://shop.example``); ``client_id`` / ``client_secret``
    are an integration's access key and secret. ``commercial_returns`` says whether the
    Commercial ReturnManagement routes exist (None: probe on first use). ``sales_channel_id``
    picks the channel orders.create writes to (default: the first one). ``page_size`` is the
    search page size (Shopware caps it at 500). ``sandbox_version`` (``6.6``/``6.7``) and
    ``sandbox_commercial`` shape the sandbox emulator.
    """

    base_url: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    commercial_returns: bool | None = None
    sales_channel_id: str | None = None
    page_size: int = Field(default=100, ge=1, le=500)
    sandbox_version: Literal["6.6", "6.7"] = "6.7"
    sandbox_commercial: bool = True

    @model_validator(mode="after")
    def _credentials(self) -> ShopwareSettings:
        if self.base_url is not None and not self.base_url.startswith(("https://", "http://")):
            raise ValueError("base_url must start with https:// (the shop root, without /api)")
        if not self.sandbox:
            missing = [
                name
                for name in ("base_url", "client_id", "client_secret")
                if getattr(self, name) in (None, "")
            ]
            if missing:
                raise ValueError(
                    f"{', '.join(missing)} required (an integration's access key and secret, "
                    "from Settings > System > Integrations), or pass sandbox=True"
                )
        return self


class ShopwareAdapter(Adapter):
    """Shopware 6 Admin API adapter."""

    platform: ClassVar[str] = "shopware"
    restock_policy: ClassVar[RestockPolicy] = RESTOCK_POLICY
    calculates_refunds: ClassVar[bool] = False
    partial_refund_needs_capture: ClassVar[bool] = True

    def __init__(self, settings: ShopwareSettings) -> None:
        super().__init__(settings)
        self.settings: ShopwareSettings = settings
        self.clock: Callable[[], float] = time.monotonic
        """Seconds, monotonic; replace in tests to move time."""
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._commercial: bool | None = settings.commercial_returns
        self._state_ids: dict[str, dict[str, str]] = {}
        self._state_names: dict[str, str] = {}
        self._version: str | None = None
        self._emulator: ShopwareEmulator | None = None

    # --- connection -------------------------------------------------------------------------
    def refund_problems(self, order: Order, request: RefundRequest) -> list[Problem]:
        """An order whose payments were taken without a recorded capture cannot be refunded here."""
        paid = [txn for txn in order.transactions if txn.is_captured_payment]
        if paid and not any(txn.kind is TransactionKind.CAPTURE for txn in paid):
            return [Problem("", f"order {order.id}: no payment has a capture. {NO_CAPTURE}")]
        return []

    @property
    def capabilities(self) -> frozenset[Capability]:
        """Everything but returns once the shop was found without Commercial returns."""
        with self._lock:
            commercial = self._commercial
        return BASE_CAPABILITIES if commercial is False else BASE_CAPABILITIES | RETURN_CAPABILITIES

    @property
    def base_url(self) -> str:
        """``{base_url}/api/``."""
        root = self.settings.base_url or SANDBOX_URL
        return f"{root.rstrip('/')}/api/"

    def emulator(self) -> ShopwareEmulator:
        """The sandbox emulator (one per adapter), accepting this adapter's credentials."""
        with self._lock:
            if self._emulator is None:
                client_id, secret = self._credentials()
                self._emulator = ShopwareEmulator(
                    version=self.settings.sandbox_version,
                    commercial=self.settings.sandbox_commercial,
                    client_id=client_id,
                    client_secret=secret,
                )
            return self._emulator

    def _credentials(self) -> tuple[str, str]:
        secret = self.settings.client_secret
        if self.settings.sandbox and (self.settings.client_id is None or secret is None):
            return SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
        return str(self.settings.client_id), secret.get_secret_value() if secret else ""

    def authenticate(self) -> Op[Mapping[str, str]]:
        """A bearer token from the client-credentials grant, cached until shortly before expiry."""
        with self._lock:
            token, expires_at = self._token, self._expires_at
        if token is not None and self.clock() < expires_at - RENEW_MARGIN:
            return {"authorization": f"Bearer {token}"}
        client_id, secret = self._credentials()
        started = self.clock()
        response = yield Request(
            "POST",
            "oauth/token",
            json={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
            authenticated=False,
            retry_safe=True,
        )
        body = response.body if isinstance(response.body, Mapping) else {}
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise PlatformError(
                "the token endpoint answered without an access_token",
                status=response.status,
                platform=self.platform,
            )
        lifetime = float(body.get("expires_in") or 600)
        with self._lock:
            self._token = token
            self._expires_at = started + lifetime
        return {"authorization": f"Bearer {token}"}

    def forget_credentials(self) -> None:
        """Drop the cached token (after a 401) so the next request fetches a new one."""
        with self._lock:
            self._token = None
            self._expires_at = 0.0

    def secrets(self) -> list[str]:
        """The client secret and the current token, redacted from logs and errors."""
        found = []
        if self.settings.client_secret is not None:
            found.append(self.settings.client_secret.get_secret_value())
        with self._lock:
            if self._token:
                found.append(self._token)
        return found

    def error_for(self, response: Response) -> PlatformError:
        """JSON:API error arrays as typed errors (illegal transitions name the state)."""
        with self._lock:
            names = dict(self._state_names)
        return t.error_from_response(response, names)

    def hint(self, capability: Capability) -> str:
        """Why a capability is absent here and what to do instead."""
        if capability in RETURN_CAPABILITIES:
            return NO_LICENCE
        return HINTS.get(capability, "")

    # --- helpers ----------------------------------------------------------------------------
    def _learn(self, body: Any) -> None:
        names: dict[str, str] = {}
        t.collect_state_names(body, names)
        if names:
            with self._lock:
                self._state_names.update(names)

    @staticmethod
    def _check_id(value: str, name: str) -> str:
        lowered = value.strip().lower()
        if not t.is_id(lowered):
            raise InvalidRequest(
                [Problem(name, f"{value!r} is not a Shopware id (32 hex characters, no dashes)")]
            )
        return lowered

    def _search(self, entity: str, criteria: Mapping[str, Any]) -> Op[list[dict[str, Any]]]:
        response = yield Request("POST", f"search/{entity}", json=dict(criteria), retry_safe=True)
        body = response.body if isinstance(response.body, Mapping) else {}
        self._learn(body)
        return [dict(item) for item in body.get("data") or []]

    def _order_raw(self, order_id: str) -> Op[dict[str, Any]]:
        hits = yield from self._search(
            "order", {"ids": [order_id], "associations": t.ORDER_ASSOCIATIONS, "limit": 1}
        )
        if not hits:
            raise NotFound(f"order {order_id} not found", status=404, platform=self.platform)
        return hits[0]

    def _states(self, machine: str) -> Op[dict[str, str]]:
        """``{technical name: id}`` of a machine's states (ids differ per install)."""
        with self._lock:
            known = self._state_ids.get(machine)
        if known is not None:
            return known
        hits = yield from self._search(
            "state-machine-state",
            {
                "filter": [
                    {"type": "equals", "field": "stateMachine.technicalName", "value": machine}
                ],
                "limit": 100,
            },
        )
        found = {str(h["technicalName"]): str(h["id"]) for h in hits}
        with self._lock:
            self._state_ids[machine] = found
        return found

    def _available(self, entity: str, entity_id: str) -> Op[list[dict[str, Any]]]:
        response = yield Request("GET", f"_action/state-machine/{entity}/{entity_id}/state")
        body = response.body if isinstance(response.body, Mapping) else {}
        return [dict(item) for item in body.get("transitions") or []]

    def transition(
        self,
        entity: str,
        entity_id: str,
        target: str,
        *,
        current: str | None,
        notify: bool = False,
        comment: str | None = None,
        max_steps: int = 6,
    ) -> Op[str]:
        """Walk ``entity`` to the ``target`` state; returns the state reached.

        Each step reads the transitions the shop offers now and posts the action leading to the
        next state of the shortest path (by state names, so 6.6 and 6.7 action sets both work).
        A lost response is not resent blindly: the next read shows whether it took effect.
        """
        machine = t.ENTITY_MACHINES[entity]
        for _ in range(max_steps):
            available = yield from self._available(entity, entity_id)
            if available:
                current = str(available[0]["fromStateName"])
            elif current is None:
                # No way out means a terminal state; a machine with one of them names it.
                terminals = t.terminal_states(machine)
                if len(terminals) != 1:
                    raise AmbiguousWrite(
                        f"{entity} {entity_id}: a transition response was lost and its state "
                        "cannot be read back; check it in the administration",
                        operation="transition",
                    )
                current = next(iter(terminals))
            if current == target:
                return target
            offered = {str(a["toStateName"]) for a in available}
            path = t.plan_path(machine, current, target, offered)
            if not path:
                actions = sorted({str(a["actionName"]) for a in available})
                raise IllegalTransition(
                    f"{entity} {entity_id} cannot go from state {current!r} to {target!r}; "
                    f"possible actions: {', '.join(actions) or 'none'}",
                    state=current,
                    possible=actions,
                    platform=self.platform,
                    code="SYSTEM__ILLEGAL_STATE_TRANSITION",
                )
            step = path[0]
            action = sorted(str(a["actionName"]) for a in available if a["toStateName"] == step)[0]
            body: dict[str, Any] = {}
            if entity in ("order", "order_delivery", "order_transaction"):
                url = f"_action/{entity}/{entity_id}/state/{action}"
                body["sendMail"] = notify
            else:
                url = f"_action/state-machine/{entity}/{entity_id}/state/{action}"
            if comment:
                body["internalComment"] = comment
            try:
                response = yield Request("POST", url, json=body or None)
            except ResponseLost:
                current = None
                continue
            self._learn(response.body)
            reached = (response.body or {}).get("technicalName") if response.body else None
            current = str(reached) if reached else step
        if current == target:
            return target
        raise IllegalTransition(
            f"{entity} {entity_id} did not reach {target!r} within {max_steps} steps "
            f"(now {current!r})",
            state=current,
            platform=self.platform,
        )

    # --- orders -----------------------------------------------------------------------------
    def get_order(self, order_id: str) -> Op[Order]:
        """One order, read through ``search/order`` with every association the model needs."""
        raw = yield from self._order_raw(self._check_id(order_id, "order_id"))
        return t.order_from_platform(raw)

    def list_orders(self, query: OrderQuery, cursor: str | None) -> Op[Page[Order]]:
        """One page of orders, oldest first; the cursor is the next page number."""
        page = int(cursor) if cursor else 1
        limit = self.settings.page_size
        hits = yield from self._search("order", t.order_criteria(query, page, limit))
        orders = [t.order_from_platform(hit) for hit in hits]
        return Page(orders, str(page + 1) if len(hits) >= limit else None)

    def _version_at_least(self, wanted: tuple[int, ...]) -> Op[bool]:
        if self._version is None:
            response = yield Request("GET", "_info/version")
            self._version = str((response.body or {}).get("version") or "0")
        parts = tuple(int(p) for p in self._version.split(".")[:4] if p.isdigit())
        return parts >= wanted

    def create_order(self, order: Order) -> Op[Order]:
        """Create an order from a canonical one (migration), with its delivery and transaction.

        Ids derive from the source order, so creating the same order twice is refused by the
        shop instead of duplicating it. No capture is written (that is the payment extension's
        record), so refunds of migrated orders go through the payment provider.
        """
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
        isos = sorted({str(a.country_code) for a in addresses})
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
        states = {}
        for machine in (t.ORDER_MACHINE, t.DELIVERY_MACHINE, t.TRANSACTION_MACHINE):
            states[machine] = yield from self._states(machine)
        primary = yield from self._version_at_least((6, 7, 1))
        refs = t.CreateRefs(
            sales_channel=channels[0],
            currency_id=str(currencies[0]["id"]),
            states=states,
            countries=country_ids,
            country_states=country_states,
            primary_fields=primary,
        )
        body = t.order_to_platform(order, refs)
        yield Request("POST", "order", json=body)
        return (yield from self.get_order(body["id"]))

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
        if transaction is not None and txn_state in t.PAID_STATES and options.refund:
            yield from self._refund_everything(order, raw, options)
        elif (
            transaction is not None
            and txn_state not in t.PAID_STATES
            and txn_state
            not in (
                "cancelled",
                "failed",
            )
        ):
            # Unpaid (open, authorized, reminded ...): the payment is called off.
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

    def _refund_everything(
        self, order: Order, raw: Mapping[str, Any], options: CancelOptions
    ) -> Op[None]:
        lines = [
            RefundLineRequest(line_id=line.id, quantity=line.refundable_quantity)
            for line in order.lines
            if line.refundable_quantity > 0
        ]
        shipping = (
            ShippingRefund(full=True) if planning.shipping_remaining(order).amount > 0 else None
        )
        if not lines and shipping is None:
            return None
        request = planning.prepare(
            order,
            RefundRequest(lines=lines, shipping=shipping),
            self.restock_policy,
            partial_refund_needs_capture=False,
        )
        calculation = planning.calculate(order, request)
        key = f"cancel:{options.idempotency_key}"
        yield from self.create_refund(
            order, calculation, RefundOptions(note=options.reason, idempotency_key=key)
        )
        return None

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
        current = t.address_from_platform(delivery.get("shippingOrderAddress"))
        merged = address
        if current is not None:
            given = address.model_dump(exclude_unset=True, exclude={"raw"})
            merged = current.model_copy(update=given)
        if not merged.country_code:
            raise InvalidRequest(
                [Problem("country_code", "Shopware needs a country for an address")],
                operation="orders.update_shipping_address",
            )
        countries = yield from self._search(
            "country",
            {"filter": [{"type": "equals", "field": "iso", "value": merged.country_code}]},
        )
        if not countries:
            raise InvalidRequest(
                [Problem("country_code", f"the shop has no country {merged.country_code}")],
                operation="orders.update_shipping_address",
            )
        state_id = None
        key = t.province_key(merged.country_code, merged.province_code)
        if key:
            hits = yield from self._search(
                "country-state",
                {"filter": [{"type": "equals", "field": "shortCode", "value": key}]},
            )
            state_id = str(hits[0]["id"]) if hits else None
        address_id = str(delivery["shippingOrderAddressId"])
        shared = address_id == raw.get("billingAddressId")
        if shared:
            address_id = t.stable_id("shipping-address", order.id, str(delivery["id"]))
        body = t.address_to_platform(
            merged,
            address_id=address_id,
            order_id=order.id,
            country_id=str(countries[0]["id"]),
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
            yield Request("PATCH", f"order-address/{address_id}", json=body, retry_safe=True)
        return (yield from self.get_order(order.id))

    # --- refunds ----------------------------------------------------------------------------
    def list_refunds(self, order_id: str) -> Op[list[Refund]]:
        """Refunds of one order (capture refunds; a multi-capture refund we wrote comes as one)."""
        order = yield from self.get_order(order_id)
        return list(order.refunds)

    def create_refund(
        self, order: Order, calculation: RefundCalculation, options: RefundOptions
    ) -> Op[Refund]:
        """Write one capture refund per allocated capture, process it, then book the payment.

        Steps: check every allocation is a capture (else a typed error saying why), check the
        payments can be moved to refunded(_partially), create ``order_transaction_capture_refund``
        with positions, call ``/_action/order_transaction_capture_refund/{id}`` (the payment
        handler moves the money), then transition the order_transaction.
        """
        raw = (
            order.raw if isinstance(order.raw, Mapping) else (yield from self._order_raw(order.id))
        )
        captures: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        for txn in raw.get("transactions") or []:
            for capture in txn.get("captures") or []:
                captures[str(capture["id"])] = (dict(capture), dict(txn))
        for allocation in calculation.transactions:
            if allocation.transaction_id not in captures:
                txn = next(
                    (
                        x
                        for x in raw.get("transactions") or []
                        if x["id"] == allocation.transaction_id
                    ),
                    None,
                )
                state = t.state_name(txn) if txn else None
                raise UnsupportedOperation(
                    self.platform,
                    "refunds.create",
                    f"order {order.id}: payment {allocation.transaction_id} (state {state}) has "
                    f"no capture. {NO_CAPTURE}",
                )
        if not calculation.transactions:
            raise InvalidRequest(
                [Problem("", "nothing to refund: the total is zero")], operation="refund"
            )
        groups = self._assign(calculation)
        key = options.idempotency_key or t.stable_id("refund", order.id, calculation.total.amount)
        # Plan the bookkeeping before moving money: each payment must be able to reach its state.
        plans: dict[str, tuple[str, str | None]] = {}
        currency = order.currency
        for allocation in calculation.transactions:
            _, txn = captures[allocation.transaction_id]
            txn_id = str(txn["id"])
            if txn_id in plans:
                continue
            spent = Money.sum(
                (
                    t.money(r["amount"]["totalPrice"], currency)
                    for c in txn.get("captures") or []
                    for r in c.get("refunds") or []
                    if (t.state_name(r) or "open") not in t.DEAD_REFUND_STATES
                ),
                currency,
            )
            new = Money.sum(
                (
                    a.amount
                    for a in calculation.transactions
                    if captures[a.transaction_id][1]["id"] == txn_id
                ),
                currency,
            )
            amount = t.money(txn["amount"]["totalPrice"], currency)
            target = "refunded" if spent + new >= amount else "refunded_partially"
            state = t.state_name(txn)
            if state != target:
                available = yield from self._available("order_transaction", txn_id)
                offered = {str(a["toStateName"]) for a in available}
                if not t.plan_path(t.TRANSACTION_MACHINE, str(state), target, offered):
                    raise IllegalTransition(
                        f"payment {txn_id} is {state!r} and cannot become {target!r}, so the "
                        "refund was not sent (Shopware refunds only paid payments; an authorized "
                        "one is cancelled instead)",
                        state=state,
                        possible=sorted({str(a["actionName"]) for a in available}),
                        platform=self.platform,
                        code="SYSTEM__ILLEGAL_STATE_TRANSITION",
                    )
            plans[txn_id] = (target, state)
        states = yield from self._states(t.REFUND_MACHINE)
        rates = {
            str(li["id"]): (t.dec(taxes[0]["taxRate"]) if len(taxes) == 1 else None)
            for li in raw.get("lineItems") or []
            if (taxes := t.calculated_taxes(li.get("price")))
        }
        reference = f"{t.EXTERNAL_PREFIX}{key}"
        first = t.stable_id("refund", key, 0)
        try:
            return (
                yield from self._write_and_book(
                    order, calculation, options, groups, plans, states, rates, key, reference, raw
                )
            )
        except AmbiguousWrite:
            raise
        except UnifiedOrdersError as error:
            # Once a refund record exists money may have moved: a later failure that was not a
            # decided refusal leaves the outcome open, and the caller must be told so.
            if isinstance(error, RefundRefused):
                raise
            exists = yield from self._refund_exists(first)
            if not exists:
                raise
            raise AmbiguousWrite(
                f"refund {first} was written on order {order.id}, but a later step failed "
                f"({error}); check the order before retrying with idempotency_key={key!r}",
                operation="refunds.create",
                idempotency_key=key,
            ) from error

    def _refund_exists(self, refund_id: str) -> Op[bool]:
        """Whether a capture refund record exists (any state); False if that cannot be read."""
        try:
            state = yield from self._refund_state(refund_id)
        except UnifiedOrdersError:
            return True  # cannot tell: treat as possibly written
        return state is not None

    def _write_and_book(
        self,
        order: Order,
        calculation: RefundCalculation,
        options: RefundOptions,
        groups: list[tuple[Any, list[RefundLine]]],
        plans: dict[str, tuple[str, str | None]],
        states: Mapping[str, str],
        rates: Mapping[str, Decimal | None],
        key: str,
        reference: str,
        raw: Mapping[str, Any],
    ) -> Op[Refund]:
        """Write and process each capture refund, move the payments, and read the refund back."""
        currency = order.currency
        for index, (allocation, lines) in enumerate(groups):
            refund_id = t.stable_id("refund", key, index)
            lines_total = Money.sum((line.total for line in lines), currency)
            shipping_part = allocation.amount - lines_total
            body = t.refund_to_platform(
                refund_id=refund_id,
                capture_id=allocation.transaction_id,
                open_state_id=states["open"],
                reference=reference,
                reason=options.note,
                lines=lines,
                line_rates=rates,
                amount=allocation.amount,
                shipping_taxes=self._shipping_taxes(raw, shipping_part),
            )
            yield from self._write_refund(refund_id, body)
            yield from self._process_refund(refund_id)
        for txn_id, (target, state) in plans.items():
            if state != target:
                yield from self.transition(
                    "order_transaction", txn_id, target, current=state, notify=options.notify
                )
        after = yield from self.get_order(order.id)
        first = t.stable_id("refund", key, 0)
        for refund in after.refunds:
            if refund.id == first:
                return refund
        raise AmbiguousWrite(  # pragma: no cover - the refund was just written
            f"refund {first} was written but is not on order {order.id}",
            operation="refunds.create",
            idempotency_key=key,
        )

    @staticmethod
    def _assign(calculation: RefundCalculation) -> list[tuple[Any, list[RefundLine]]]:
        """Put each refunded line on one capture whose allocation can hold it (whole lines)."""
        allocations = list(calculation.transactions)
        room = [a.amount for a in allocations]
        assigned: list[list[RefundLine]] = [[] for _ in allocations]
        for line in calculation.lines:
            for index, left in enumerate(room):
                if left >= line.total:
                    assigned[index].append(line)
                    room[index] = left - line.total
                    break
            else:
                raise UnsupportedOperation(
                    "shopware",
                    "refunds.create",
                    f"line {line.line_id} ({line.total}) does not fit on any one capture of this "
                    "refund; Shopware refund positions belong to one capture. Refund the lines "
                    "in separate requests",
                )
        return list(zip(allocations, assigned, strict=True))

    @staticmethod
    def _shipping_taxes(raw: Mapping[str, Any], part: Money) -> list[dict[str, Any]]:
        if part.amount <= 0:
            return []
        gross = t.shipping_gross(raw)
        taxes = t.calculated_taxes(raw.get("shippingCosts"))
        if not gross or not taxes:
            return []
        result = []
        for tax in taxes:
            share = (t.dec(tax["tax"]) * part.amount / gross).quantize(part.quantum, ROUND_HALF_UP)
            result.append({"tax": share, "taxRate": t.dec(tax["taxRate"]), "price": part.amount})
        return result

    def _refund_state(self, refund_id: str) -> Op[str | None]:
        hits = yield from self._search(
            "order-transaction-capture-refund",
            {"ids": [refund_id], "associations": {"stateMachineState": {}}},
        )
        return t.state_name(hits[0]) if hits else None

    def _write_refund(self, refund_id: str, body: Mapping[str, Any]) -> Op[None]:
        for attempt in range(2):
            try:
                yield Request("POST", "order-transaction-capture-refund", json=dict(body))
                return None
            except ResponseLost:
                state = yield from self._refund_state(refund_id)
                if state is not None:
                    return None
                if attempt:
                    raise
        return None  # pragma: no cover

    def _process_refund(self, refund_id: str) -> Op[None]:
        """Hand the refund to the payment handler; on refusal, cancel the unprocessed record."""
        try:
            yield Request("POST", f"_action/order_transaction_capture_refund/{refund_id}")
        except ResponseLost:
            state = yield from self._refund_state(refund_id)
            if state == "open":
                yield Request("POST", f"_action/order_transaction_capture_refund/{refund_id}")
        except PlatformError as error:
            state = yield from self._refund_state(refund_id)
            if state == "open":
                yield from self.transition(
                    "order_transaction_capture_refund", refund_id, "cancelled", current="open"
                )
            raise RefundRefused(
                f"the payment handler refused refund {refund_id} ({error.message}); the refund "
                f"record is now {'cancelled' if state == 'open' else state}. Refund through the "
                "payment provider instead",
                status=error.status,
                code=error.code,
                platform=self.platform,
                problems=error.problems,
                details=error.details,
            ) from error
        return None

    # --- returns (Commercial) ------------------------------------------------------------------
    def _commercial_call(
        self, request: Request, operation: Capability, route_only: bool
    ) -> Op[Response]:
        try:
            response = yield request
        except NotFound as error:
            detail = str(error.message)
            if not route_only or "No route found" in detail:
                with self._lock:
                    self._commercial = False
                raise UnsupportedOperation(self.platform, operation.value, NO_LICENCE) from error
            raise
        with self._lock:
            if self._commercial is None:
                self._commercial = True
        return response

    def _return_raws(
        self, criteria: Mapping[str, Any], operation: Capability
    ) -> Op[list[dict[str, Any]]]:
        body = {"associations": t.RETURN_ASSOCIATIONS, **criteria}
        request = Request("POST", "search/order-return", json=body, retry_safe=True)
        response = yield from self._commercial_call(request, operation, route_only=False)
        data = response.body if isinstance(response.body, Mapping) else {}
        self._learn(data)
        return [dict(item) for item in data.get("data") or []]

    def list_returns(self, order_id: str) -> Op[list[Return]]:
        """Returns of one order (``search/order-return``)."""
        order_id = self._check_id(order_id, "order_id")
        raws = yield from self._return_raws(
            {
                "filter": [{"type": "equals", "field": "orderId", "value": order_id}],
                "sort": [{"field": "createdAt", "order": "ASC"}],
            },
            Capability.RETURNS_LIST,
        )
        return [t.return_from_platform(r) for r in raws]

    def get_return(self, return_id: str) -> Op[Return]:
        """One return."""
        return_id = self._check_id(return_id, "return_id")
        raws = yield from self._return_raws({"ids": [return_id]}, Capability.RETURNS_GET)
        if not raws:
            raise NotFound(f"return {return_id} not found", status=404, platform=self.platform)
        return t.return_from_platform(raws[0])

    def create_return(
        self, order: Order, request: ReturnRequest, idempotency_key: str
    ) -> Op[Return]:
        """Create a return through ``/_proxy/order/{id}/return``; a return not marked
        ``requested`` is then processed (open -> in_progress, canonical ``open``)."""
        problems = []
        for index, wanted in enumerate(request.lines):
            line = order.line(wanted.line_id)
            kind = (line.raw or {}).get("type") if line is not None else None
            if line is not None and kind not in t.RETURNABLE_LINE_TYPES:
                problems.append(
                    Problem(f"lines[{index}].line_id", f"a {kind} line cannot be returned")
                )
        if problems:
            raise InvalidRequest(problems, operation="return")
        before = {r.id for r in (yield from self.list_returns(order.id))}
        body: dict[str, Any] = {
            "lineItems": [
                {
                    "orderLineItemId": wanted.line_id,
                    "quantity": wanted.quantity,
                    **({"internalComment": c} if (c := wanted.note or wanted.reason) else {}),
                }
                for wanted in request.lines
            ]
        }
        if request.note:
            body["internalComment"] = request.note
        response = yield from self._commercial_call(
            Request("POST", f"_proxy/order/{order.id}/return", json=body),
            Capability.RETURNS_CREATE,
            route_only=True,
        )
        created = response.body if isinstance(response.body, Mapping) else {}
        return_id = created.get("id")
        if not return_id:
            after = yield from self.list_returns(order.id)
            new = [r for r in after if r.id not in before]
            if len(new) != 1:
                raise AmbiguousWrite(
                    "the return was sent but cannot be identified", operation="returns.create"
                )
            return_id = new[0].id
        if not request.requested:
            yield from self.transition(
                "order_return", str(return_id), "in_progress", current="open"
            )
        return (yield from self.get_return(str(return_id)))

    def add_return_items(
        self, order_id: str, return_id: str, lines: Mapping[str, int], note: str | None = None
    ) -> Op[Return]:
        """Shopware-only: add order lines to an existing return, then recalculate its price."""
        order_id = self._check_id(order_id, "order_id")
        return_id = self._check_id(return_id, "return_id")
        problems = [
            Problem(f"lines[{key}]", "quantity must be at least 1")
            for key, q in lines.items()
            if q < 1
        ]
        if not lines:
            problems.append(Problem("lines", "give at least one line"))
        if problems:
            raise InvalidRequest(problems, operation="returns.add_items")
        items = [
            {
                "orderLineItemId": self._check_id(key, "line_id"),
                "quantity": quantity,
                **({"internalComment": note} if note else {}),
            }
            for key, quantity in lines.items()
        ]
        yield from self._commercial_call(
            Request(
                "POST",
                f"_action/order/{order_id}/order-return/{return_id}/add-items",
                json={"orderLineItems": items},
            ),
            Capability.RETURNS_CREATE,
            route_only=True,
        )
        yield from self._commercial_call(
            Request("POST", f"_action/order/return/{return_id}/calculate", retry_safe=True),
            Capability.RETURNS_CREATE,
            route_only=True,
        )
        return (yield from self.get_return(return_id))

    _RETURN_MOVES: ClassVar[dict[ReturnAction, tuple[frozenset[str], str]]] = {
        ReturnAction.APPROVE: (frozenset({"open"}), "in_progress"),
        ReturnAction.CLOSE: (frozenset({"open", "in_progress"}), "done"),
        ReturnAction.CANCEL: (frozenset({"open", "in_progress"}), "cancelled"),
        ReturnAction.REOPEN: (frozenset({"done", "cancelled"}), "open"),
    }

    def change_return(self, return_id: str, action: ReturnAction, note: str | None) -> Op[Return]:
        """approve: open -> in_progress; close: -> done (items marked returned); cancel: ->
        cancelled; reopen: done/cancelled -> open. Decline has no Shopware equivalent."""
        if action not in self._RETURN_MOVES:
            raise self._refuse(Capability.for_return_action(action))
        current = yield from self.get_return(return_id)
        sources, target = self._RETURN_MOVES[action]
        state = current.platform_status or "open"
        if state == target:
            return current
        if state not in sources:
            available = yield from self._available("order_return", current.id)
            actions = sorted({str(a["actionName"]) for a in available})
            raise IllegalTransition(
                f"return {current.id} is {state!r}; {action.value} needs one of "
                f"{', '.join(sorted(sources))}; possible actions: {', '.join(actions) or 'none'}",
                state=state,
                possible=actions,
                platform=self.platform,
            )
        yield from self.transition("order_return", current.id, target, current=state, comment=note)
        if action is ReturnAction.CLOSE and current.lines:
            yield from self._commercial_call(
                Request(
                    "POST",
                    "_action/order-return-line-item/state/returned",
                    json={"ids": [line.id for line in current.lines]},
                    retry_safe=True,
                ),
                Capability.RETURNS_CLOSE,
                route_only=True,
            )
        return (yield from self.get_return(current.id))

    # --- fulfillment ------------------------------------------------------------------------
    def list_fulfillment_orders(self, order_id: str) -> Op[list[FulfillmentOrder]]:
        """The order's deliveries as fulfillment orders, with the actions each allows now."""
        raw = yield from self._order_raw(self._check_id(order_id, "order_id"))
        result = []
        for delivery in raw.get("deliveries") or []:
            available = yield from self._available("order_delivery", str(delivery["id"]))
            actions = sorted({str(a["actionName"]) for a in available})
            result.append(t.fulfillment_order_from_delivery(delivery, raw, actions))
        return result

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
        before = t.fulfillment_order_from_delivery(delivery, raw, [])
        fulfillable = {line.id: line.fulfillable_quantity for line in before.lines}
        tracked = dict((delivery.get("customFields") or {}).get(t.SHIPPED_FIELD) or {})
        if lines is None:
            target = "shipped"
        else:
            problems = []
            for key, quantity in lines.items():
                if key not in fulfillable:
                    problems.append(
                        Problem(f"lines[{key}]", f"delivery {delivery_id} has no position {key!r}")
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
            target = "shipped" if complete else "shipped_partially"
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
