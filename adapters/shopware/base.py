"""What every Shopware operation shares: capabilities, auth, requests and state transitions.

Every request goes to ``{base_url}/api/`` with ``Accept: application/json`` (plain JSON, not
JSON:API). Authentication is the OAuth client-credentials grant of an integration; the token is
cached and renewed before its 600 s lifetime runs out and after a 401.

State changes always go through the transition endpoints: :meth:`ShopwareBase.transition` reads
the transitions the shop offers for the entity (``GET /api/_action/state-machine/{entity}/{id}/
state``) and posts the action whose ``toStateName`` is the next state on the way to the target
(:func:`..states.plan_path`). Action names are never hard-coded, so 6.6 shops (``pay``,
``pay_partially``, ``do_pay``) and 6.7 shops (``paid``, ``paid_partially``, ``process``) work alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from unified_orders.adapter import (
    Adapter,
    CancelRestock,
    Capability,
    Op,
    Request,
    Response,
    RestockPolicy,
)
from unified_orders.errors import (
    AmbiguousWrite,
    Hint,
    IllegalTransition,
    InvalidRequest,
    NotFound,
    PlatformError,
    Problem,
    ResponseLost,
    UnifiedOrdersError,
)
from unified_orders.models import Order, RefundRequest, Restock, TransactionKind
from unified_orders.models.currencies import currency_code

from . import states
from . import translate as t
from .platform import DEFAULT_CURRENCY, PLATFORM, is_id
from .settings import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_URL, ShopwareSettings
from .subscriptions import WEBHOOKS_HINT

if TYPE_CHECKING:
    from .sandbox import ShopwareEmulator

__all__ = [
    "BASE_CAPABILITIES",
    "HINTS",
    "NO_CAPTURE",
    "NO_LICENCE",
    "RENEW_MARGIN",
    "RESTOCK_POLICY",
    "RETURN_CAPABILITIES",
    "ShopwareBase",
]

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
        Capability.REFUNDS_GET,
        Capability.FULFILLMENTS_LIST,
        Capability.FULFILLMENTS_REQUEST_FULFILLMENT,
        Capability.FULFILLMENTS_CREATE,
        Capability.FULFILLMENTS_UPDATE_TRACKING,
        Capability.FULFILLMENTS_CANCEL,
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
        Capability.RETURNS_ADD_ITEMS,
        Capability.RETURNS_CALCULATE,
        Capability.RETURNS_PROCESS,
    }
)
_ALL_CAPABILITIES = BASE_CAPABILITIES | RETURN_CAPABILITIES  # asked before every operation
_NO_LICENCE = (
    "returns are Shopware Commercial ReturnManagement (licence RETURNS_MANAGEMENT-8450687); "
    "this shop answers 404 on the return routes, so the plugin or its licence is missing. Core "
    "Shopware has no return entity: record a return as the delivery transition retour / "
    "retour_partially in the administration, and refund with {refund}"
)
NO_LICENCE = Hint(
    _NO_LICENCE.format(refund="refunds.create"),
    cli=_NO_LICENCE.format(refund="unified-orders refunds create STORE ORDER --line LINE:QTY"),
)
NO_CAPTURE = (
    "Shopware refunds are written against an order_transaction_capture, and the Shopware core "
    "never creates captures: the payment extension must record one when it takes the money. "
    "This payment has none, so there is nothing to refund against through the Admin API. Refund "
    "through the payment provider's own plugin or dashboard, then record it on the order"
)
HINTS: dict[Capability, str] = {
    Capability.WEBHOOKS_SUBSCRIBE: WEBHOOKS_HINT,
    Capability.WEBHOOKS_LIST: WEBHOOKS_HINT,
    Capability.WEBHOOKS_UNSUBSCRIBE: WEBHOOKS_HINT,
    Capability.RETURNS_DECLINE: Hint(
        "Shopware returns (order_return.state) have no declined state: open, in_progress, done "
        "and cancelled only. Use returns.cancel, which reads back as canceled, not declined",
        cli="Shopware returns (order_return.state) have no declined state: open, in_progress, "
        "done and cancelled only. Use `unified-orders returns cancel STORE RETURN_ID`, which "
        "reads back as canceled, not declined",
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
    Capability.FULFILLMENTS_REQUEST_CANCELLATION: Hint(
        "Shopware has no fulfillment service to ask; cancel the order (orders.cancel), which "
        "also cancels its open deliveries",
        cli="Shopware has no fulfillment service to ask; cancel the order (`unified-orders "
        "orders cancel STORE ORDER`), which also cancels its open deliveries",
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


class ShopwareBase(Adapter):
    """The Shopware adapter's connection, request helpers and transition walker.

    :class:`~.adapter.ShopwareAdapter` adds the operations (with :class:`~.refunds.RefundsMixin`
    and :class:`~.returns.ReturnsMixin`).
    """

    platform: ClassVar[str] = PLATFORM
    restock_policy: ClassVar[RestockPolicy] = RESTOCK_POLICY
    calculates_refunds: ClassVar[bool] = False
    partial_refund_needs_capture: ClassVar[bool] = True
    #: INFERRED: core restocks on the order's ``cancelled`` transition, asked or not.
    cancel_restock: ClassVar[CancelRestock] = CancelRestock.ALWAYS
    #: The key is the capture refund's ``externalReference`` (``unified-orders:{key}``).
    stores_idempotency_keys: ClassVar[bool] = True
    #: A refund pays back its transactions: amount-only refunds and lines for less (README).
    refunds_by_amount: ClassVar[bool] = True
    #: The Admin API has no deletion feed: an incremental sync lists every order's id instead
    #: (``order_ids``) and marks stored orders the shop no longer has as deleted.
    lists_order_ids: ClassVar[bool] = True

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
        self._version: str | None = None
        self._shop: t.ShopCurrency | bool | None = None
        """The shop's own currency once read (False: the shop has none to read)."""
        self._emulator: ShopwareEmulator | None = None

    # --- connection -------------------------------------------------------------------------
    @property
    def capabilities(self) -> frozenset[Capability]:
        """Everything but returns once the shop was found without Commercial returns."""
        with self._lock:
            commercial = self._commercial
        return BASE_CAPABILITIES if commercial is False else _ALL_CAPABILITIES

    @property
    def base_url(self) -> str:
        """``{base_url}/api/``."""
        root = self.settings.base_url or SANDBOX_URL
        return f"{root.rstrip('/')}/api/"

    def emulator(self) -> ShopwareEmulator:
        """The sandbox emulator (one per adapter), accepting this adapter's credentials."""
        with self._lock:
            if self._emulator is None:
                from .sandbox import ShopwareEmulator  # only when a sandbox is asked for

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
            write=False,
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

    # --- errors and refusals --------------------------------------------------------------
    def error_for(self, response: Response) -> PlatformError:
        """JSON:API error arrays as typed errors (illegal transitions name the state)."""
        return t.error_from_response(response, self._known_state_names())

    def hint(self, capability: Capability) -> str:
        """Why a capability is absent here and what to do instead."""
        if capability in RETURN_CAPABILITIES:
            return NO_LICENCE
        return HINTS.get(capability, "")

    def refund_problems(self, order: Order, request: RefundRequest) -> list[Problem]:
        """An order whose payments were taken without a recorded capture cannot be refunded here."""
        paid = [txn for txn in order.transactions if txn.is_captured_payment]
        if paid and not any(txn.kind is TransactionKind.CAPTURE for txn in paid):
            return [Problem("", f"order {order.id}: no payment has a capture. {NO_CAPTURE}")]
        return []

    # --- helpers ----------------------------------------------------------------------------
    def _known_state_names(self) -> dict[str, str]:
        """``state id -> technical name`` of the state machines read so far."""
        with self._lock:
            machines = list(self._state_ids.values())
        return {state_id: name for machine in machines for name, state_id in machine.items()}

    def _state_named(self, error: IllegalTransition, machine: str) -> Op[IllegalTransition]:
        """``error`` naming the state it gives only by id: the shop reports a refused
        transition's state by id, and ids differ per install, so the machine's states are read
        (once, then kept). Where they cannot be read, the refusal stands as it was."""
        if error.state is None or not is_id(error.state):
            return error
        try:
            yield from self._states(machine)  # kept with the machines already read
        except UnifiedOrdersError:
            return error
        return t.with_state_name(error, self._known_state_names())

    @staticmethod
    def _check_id(value: str, name: str) -> str:
        lowered = value.strip().lower()
        if not is_id(lowered):
            raise InvalidRequest(
                [Problem(name, f"{value!r} is not a Shopware id (32 hex characters, no dashes)")]
            )
        return lowered

    def _unreadable(self, what: str, response: Response | None = None) -> PlatformError:
        """An answer that is JSON but not the shape Shopware documents: an error, never "none"."""
        return PlatformError(
            f"{what}: the shop's answer could not be read",
            status=response.status if response is not None else None,
            platform=self.platform,
        )

    def _search(self, entity: str, criteria: Mapping[str, Any]) -> Op[list[dict[str, Any]]]:
        """The hits of ``POST search/{entity}``; an answer without a ``data`` list is an error
        (never read as "no hits": that would turn "cannot tell" into "does not exist")."""
        hits = yield from self._hits(entity, criteria)
        return [dict(item) for item in hits]

    def _hits(self, entity: str, criteria: Mapping[str, Any]) -> Op[list[Mapping[str, Any]]]:
        """:meth:`_search` for reading only: the hits as the answer holds them, not copies."""
        response = yield Request(
            "POST", f"search/{entity}", json=dict(criteria), retry_safe=True, write=False
        )
        body = response.body
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, list) or not all(
            type(item) is dict or isinstance(item, Mapping) for item in data
        ):
            raise self._unreadable(f"search/{entity}", response)
        return data

    def _order_raw(self, order_id: str) -> Op[Mapping[str, Any]]:
        """The ``search/order`` hit of one order, to read (translations copy what they keep)."""
        hits = yield from self._hits(
            "order", {"ids": [order_id], "associations": t.ORDER_ASSOCIATIONS, "limit": 1}
        )
        if not hits:
            raise NotFound(f"order {order_id} not found", status=404, platform=self.platform)
        return hits[0]

    def _shop_currency(self) -> Op[t.ShopCurrency | None]:
        """The shop's own currency (``Defaults::CURRENCY``), read once; None where the shop has
        no such row (then amounts are reported in the order's currency only)."""
        with self._lock:
            known = self._shop
        if known is not None:
            return known if isinstance(known, t.ShopCurrency) else None
        hits = yield from self._search("currency", {"ids": [DEFAULT_CURRENCY], "limit": 1})
        found: t.ShopCurrency | bool = False
        if hits and isinstance(hits[0].get("isoCode"), str):
            try:
                code = currency_code(str(hits[0]["isoCode"]))
            except ValueError:
                code = None
            if code is not None:
                found = t.ShopCurrency(code, t.rounding_decimals(hits[0].get("itemRounding")))
        with self._lock:
            self._shop = found
        return found if isinstance(found, t.ShopCurrency) else None

    def _states(self, machine: str) -> Op[dict[str, str]]:
        """``{technical name: id}`` of a machine's states (ids differ per install).

        Only a well-formed answer naming states is kept: a garbled one raises and is read again
        next time, so one bad answer never spoils the cache for every later operation.
        """
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
        found: dict[str, str] = {}
        for hit in hits:
            name, state_id = hit.get("technicalName"), hit.get("id")
            if not isinstance(name, str) or not isinstance(state_id, str) or not is_id(state_id):
                raise self._unreadable(f"the states of {machine}")
            found[name] = state_id
        if not found:
            raise self._unreadable(f"the states of {machine} (none listed)")
        with self._lock:
            self._state_ids[machine] = found
        return found

    def _state_id(self, machine: str, name: str) -> Op[str]:
        """The id of one state; a typed error (and a fresh read next time) where it is missing."""
        found = yield from self._states(machine)
        if name not in found:
            with self._lock:
                self._state_ids.pop(machine, None)
            raise PlatformError(
                f"the shop lists no state {name!r} for {machine} (it lists "
                f"{', '.join(sorted(found))})",
                platform=self.platform,
            )
        return found[name]

    def _available(self, entity: str, entity_id: str) -> Op[list[dict[str, Any]]]:
        response = yield Request("GET", f"_action/state-machine/{entity}/{entity_id}/state")
        body = response.body
        transitions = body.get("transitions") if isinstance(body, Mapping) else None
        if not isinstance(transitions, list) or not all(
            isinstance(item, Mapping)
            and isinstance(item.get("toStateName"), str)
            and isinstance(item.get("actionName"), str)
            and isinstance(item.get("fromStateName"), str)
            for item in transitions
        ):
            raise self._unreadable(f"the transitions of {entity} {entity_id}", response)
        return [dict(item) for item in transitions]

    # --- state transitions ----------------------------------------------------------------
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
        machine = states.ENTITY_MACHINES[entity]
        for _ in range(max_steps):
            available = yield from self._available(entity, entity_id)
            current = self._current_state(entity, entity_id, machine, available, current)
            if current == target:
                return target
            action, step = self._next_action(entity, entity_id, machine, current, target, available)
            try:
                response = yield self._action_request(entity, entity_id, action, notify, comment)
            except ResponseLost:
                current = None
                continue
            except IllegalTransition as refused:  # moved on since its transitions were read
                raise (yield from self._state_named(refused, machine)) from None
            body = response.body
            if body is None:  # no content: the step was taken
                current = step
                continue
            reached = body.get("technicalName") if isinstance(body, Mapping) else None
            if not isinstance(reached, str):
                current = None  # an answer that does not name the state: read it back
                continue
            current = reached
        if current == target:
            return target
        raise IllegalTransition(
            f"{entity} {entity_id} did not reach {target!r} within {max_steps} steps "
            f"(now {current!r})",
            state=current,
            platform=self.platform,
        )

    @staticmethod
    def _current_state(
        entity: str,
        entity_id: str,
        machine: str,
        available: list[dict[str, Any]],
        current: str | None,
    ) -> str:
        """The state the offered transitions start from, else the one known, else the terminal."""
        if available:
            return str(available[0]["fromStateName"])
        if current is not None:
            return current
        # No way out means a terminal state; a machine with one of them names it.
        terminals = states.terminal_states(machine)
        if len(terminals) != 1:
            raise AmbiguousWrite(
                f"{entity} {entity_id}: a transition response was lost and its state "
                "cannot be read back; check it in the administration",
                operation="transition",
            )
        return next(iter(terminals))

    def _next_action(
        self,
        entity: str,
        entity_id: str,
        machine: str,
        current: str,
        target: str,
        available: list[dict[str, Any]],
    ) -> tuple[str, str]:
        """The offered action towards ``target`` and the state it leads to."""
        offered = {str(a["toStateName"]) for a in available}
        path = states.plan_path(machine, current, target, offered)
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
        return action, step

    @staticmethod
    def _action_request(
        entity: str, entity_id: str, action: str, notify: bool, comment: str | None
    ) -> Request:
        """The transition request: the entity's own action route where it has one (with
        ``sendMail``), else the generic state-machine route."""
        body: dict[str, Any] = {}
        if entity in states.ACTION_ROUTE_ENTITIES:
            url = f"_action/{entity}/{entity_id}/state/{action}"
            body["sendMail"] = notify
        else:
            url = f"_action/state-machine/{entity}/{entity_id}/state/{action}"
        if comment:
            body["internalComment"] = comment
        return Request("POST", url, json=body or None)
