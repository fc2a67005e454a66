"""An order's returns and fulfillment orders from the read of the order, not one request each.

A listing page is one ``search/order`` with every association the canonical order needs plus the
Commercial ``returns`` (with their state and items, oldest first, as ``search/order-return``
lists them) where the shop has them. Deliveries become fulfillment orders with the actions the
shop offers from their state, taken from the delivery machine's transitions, read once per
adapter (``search/state-machine-transition``) instead of once per delivery. So a sync of a page
costs that one search (``Page.details``), a re-read of the orders a change feed names one search
by their ids (``read_orders``), and ``fulfillments.list`` one search per order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import Capability, Op, OrderDetails, Page, ReadFailure, Request
from unified_orders.errors import UnsupportedOperation
from unified_orders.models import FulfillmentOrder, Order, Return
from unified_orders.pagination import READ_ERRORS

from . import states
from . import translate as t
from .returns import ReturnsMixin
from .settings import ShopwareSettings

__all__ = ["RETURNS_ASSOCIATION", "DetailsMixin", "returns_of"]

#: The Commercial ``returns`` association of an order (an entity extension): every return with
#: its state and items, oldest first. INFERRED: a to-many association without a ``limit`` loads
#: every row (the DAL pages only what a criteria limits).
RETURNS_ASSOCIATION: dict[str, Any] = {
    "returns": {
        "sort": [{"field": "createdAt", "order": "ASC"}],
        "associations": t.RETURN_ASSOCIATIONS,
    }
}
#: Transitions read per search of a machine's transitions (pages follow while one is full).
TRANSITIONS_PAGE = 100


def returns_of(hit: Mapping[str, Any]) -> list[Any] | None:
    """The returns an order search hit carries (None when the search did not load them).
    INFERRED: plain JSON answers an extension's association under ``extensions``; a top-level
    ``returns`` is read too. They stay in the order's ``raw``, so a sync that keeps raw payloads
    sees an order as changed when only its returns changed."""
    extensions = hit.get("extensions")
    found = extensions.get("returns") if isinstance(extensions, Mapping) else None
    if found is None:
        found = hit.get("returns")
    return list(found) if isinstance(found, list) else None


class DetailsMixin(ReturnsMixin):
    """Returns and fulfillment orders read along with the orders."""

    def __init__(self, settings: ShopwareSettings) -> None:
        super().__init__(settings)
        self._transition_actions: dict[str, dict[str, list[str]]] = {}

    def _has_returns(self) -> Op[bool]:
        """Whether the shop has Commercial returns: known from settings or an earlier answer,
        else asked once with the smallest return search (a missing route means no licence)."""
        with self._lock:
            known = self._commercial
        if known is not None:
            return known
        probe = Request(
            "POST",
            "search/order-return",
            json={"limit": 1, "includes": {"order_return": ["id"]}, "total-count-mode": "none"},
            retry_safe=True,
            write=False,
        )
        try:
            yield from self._commercial_call(probe, Capability.RETURNS_LIST, route_only=False)
        except UnsupportedOperation:
            return False
        return True

    def _actions_by_state(self, machine: str) -> Op[dict[str, list[str]]]:
        """``{state: the action names the shop offers from it}`` of a state machine, read once.

        INFERRED: the actions ``_action/state-machine/{entity}/{id}/state`` offers an entity are
        its machine's transitions from the entity's current state (Shopware's
        ``StateMachineRegistry::getAvailableTransitions`` filters by nothing else)."""
        with self._lock:
            known = self._transition_actions.get(machine)
        if known is not None:
            return known
        names = {state_id: name for name, state_id in (yield from self._states(machine)).items()}
        found: dict[str, set[str]] = {}
        page = 1
        while True:
            hits = yield from self._search(
                "state-machine-transition",
                {
                    "filter": [
                        {"type": "equals", "field": "stateMachine.technicalName", "value": machine}
                    ],
                    "includes": {"state_machine_transition": ["id", "actionName", "fromStateId"]},
                    "page": page,
                    "limit": TRANSITIONS_PAGE,
                    "total-count-mode": "none",
                },
            )
            for hit in hits:
                action, source = hit.get("actionName"), names.get(str(hit.get("fromStateId")))
                if not isinstance(action, str) or source is None:
                    raise self._unreadable(f"the transitions of {machine}")
                found.setdefault(source, set()).add(action)
            if len(hits) < TRANSITIONS_PAGE:
                break
            page += 1
        if not found:
            raise self._unreadable(f"the transitions of {machine} (none listed)")
        table = {state: sorted(actions) for state, actions in found.items()}
        with self._lock:
            self._transition_actions[machine] = table
        return table

    def _orders_with_details(self, criteria: Mapping[str, Any]) -> Op[tuple[Page[Order], int]]:
        """One ``search/order`` with ``criteria``, the returns association added where the shop
        has returns: its orders with their details (a page without a cursor), and the number
        of hits."""
        shop = yield from self._shop_currency()
        has_returns = yield from self._has_returns()
        body = dict(criteria)
        if has_returns:
            body["associations"] = {**body.get("associations", {}), **RETURNS_ASSOCIATION}
        actions = yield from self._actions_by_state(states.DELIVERY_MACHINE)
        hits = yield from self._search("order", body)
        orders, failures, details = self._listed(hits, shop, actions, has_returns)
        return Page(orders, None, failures, details), len(hits)

    def _fulfillment_orders(self, raw: Mapping[str, Any]) -> Op[list[FulfillmentOrder]]:
        """The deliveries of an order read with its deliveries, as fulfillment orders."""
        actions = yield from self._actions_by_state(states.DELIVERY_MACHINE)
        return _deliveries(raw, actions)

    def _listed(
        self,
        hits: list[dict[str, Any]],
        shop: t.ShopCurrency | None,
        actions: Mapping[str, list[str]],
        has_returns: bool,
    ) -> tuple[list[Order], list[ReadFailure], dict[str, OrderDetails]]:
        """The orders of a listing page, the ones that could not be read, and each order's
        returns (``[]`` where the shop has no Commercial returns) and fulfillment orders. A
        return or delivery that cannot be read leaves that kind None (the sync then asks for
        it, and meets the same error as before), never the order unread."""
        orders: list[Order] = []
        failures: list[ReadFailure] = []
        details: dict[str, OrderDetails] = {}
        for raw in hits:
            returns = returns_of(raw)
            try:
                order = self._translate(raw, shop)
            except READ_ERRORS as error:
                failures.append(ReadFailure(str(raw.get("id")), f"{type(error).__name__}: {error}"))
                continue
            orders.append(order)
            read_returns: list[Return] | None = [] if not has_returns else None
            if returns is not None:
                try:
                    read_returns = [t.return_from_platform(r) for r in returns]
                except READ_ERRORS:
                    read_returns = None
            fulfillment_orders: list[FulfillmentOrder] | None
            try:
                fulfillment_orders = _deliveries(raw, actions)
            except READ_ERRORS:
                fulfillment_orders = None
            details[order.id] = OrderDetails(read_returns, fulfillment_orders)
        return orders, failures, details

    @staticmethod
    def _translate(raw: Mapping[str, Any], shop: t.ShopCurrency | None) -> Order:
        return t.order_from_platform(raw, shop)


def _deliveries(raw: Mapping[str, Any], actions: Mapping[str, list[str]]) -> list[FulfillmentOrder]:
    return [
        t.fulfillment_order_from_delivery(
            delivery, raw, list(actions.get(t.state_name(delivery) or "open", []))
        )
        for delivery in raw.get("deliveries") or []
    ]
