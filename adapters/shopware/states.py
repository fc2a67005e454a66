"""Shopware's state machines: every state transition rule, read by the adapter and the emulator.

The tables are rebuilt from the migrations (``shopware.md`` section 1): order, delivery,
payment (6.6 and 6.7 action sets), capture, capture refund and Commercial return. The emulator
applies them (:func:`next_state`, :func:`transitions_from`); the adapter plans by states
(:func:`plan_path`) and posts whichever action the shop offers for the next state, so it never
hard-codes an action name. The rules the adapter's operations follow (which payment a cancel calls
off, which state a refund books, where each return action leads) live here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from unified_orders.adapter import ReturnAction
from unified_orders.models import Money

__all__ = [
    "ACTION_ROUTE_ENTITIES",
    "CAPTURE_MACHINE",
    "DEAD_REFUND_STATES",
    "DELIVERY_MACHINE",
    "ENTITY_MACHINES",
    "LINE_ITEM_MACHINE",
    "LINE_ITEM_STATES",
    "ORDER_MACHINE",
    "PAID_STATES",
    "PENDING_PAYMENT_STATES",
    "REFUND_MACHINE",
    "RETURN_MACHINE",
    "RETURN_MOVES",
    "TRANSACTION_MACHINE",
    "Transition",
    "calls_off_payment",
    "machine_tables",
    "next_state",
    "payment_state_after_refund",
    "plan_path",
    "possible_actions",
    "shipping_state",
    "state_graph",
    "terminal_states",
    "transitions_from",
]

ORDER_MACHINE = "order.state"
DELIVERY_MACHINE = "order_delivery.state"
TRANSACTION_MACHINE = "order_transaction.state"
CAPTURE_MACHINE = "order_transaction_capture.state"
REFUND_MACHINE = "order_transaction_capture_refund.state"
RETURN_MACHINE = "order_return.state"
LINE_ITEM_MACHINE = "order_line_item.state"

Transition = tuple[str, str, str]
"""(action, from state, to state)."""

_ORDER: list[Transition] = [
    ("process", "open", "in_progress"),
    ("complete", "in_progress", "completed"),
    ("cancel", "open", "cancelled"),
    ("cancel", "in_progress", "cancelled"),
    ("reopen", "cancelled", "open"),
    ("reopen", "completed", "open"),
]
_DELIVERY: list[Transition] = [
    ("ship", "open", "shipped"),
    ("ship", "shipped_partially", "shipped"),
    ("ship_partially", "open", "shipped_partially"),
    ("retour", "shipped", "returned"),
    ("retour", "shipped_partially", "returned"),
    ("retour", "returned_partially", "returned"),
    ("retour_partially", "shipped", "returned_partially"),
    ("retour_partially", "shipped_partially", "returned_partially"),
    ("cancel", "open", "cancelled"),
    ("cancel", "shipped", "cancelled"),
    ("cancel", "shipped_partially", "cancelled"),
    ("reopen", "cancelled", "open"),
    ("reopen", "shipped", "open"),
    ("reopen", "shipped_partially", "open"),
    ("reopen", "returned", "open"),
    ("reopen", "returned_partially", "open"),
]


def _outgoing(table: Mapping[str, str]) -> list[Transition]:
    result: list[Transition] = []
    for source, spec in table.items():
        for item in spec.split():
            action, target = item.split(">")
            result.append((action, source, target))
    return result


# 6.4-6.6, rebuilt from the migrations (shopware.md 1.3): "action>target" per source state.
_TRANSACTION_66: dict[str, str] = {
    "open": "authorize>authorized cancel>cancelled do_pay>in_progress fail>failed paid>paid "
    "pay>paid paid_partially>paid_partially pay_partially>paid_partially "
    "process_unconfirmed>unconfirmed remind>reminded",
    "in_progress": "authorize>authorized cancel>cancelled fail>failed paid>paid "
    "paid_partially>paid_partially pay_partially>paid_partially reopen>open",
    "unconfirmed": "authorize>authorized cancel>cancelled fail>failed paid>paid "
    "paid_partially>paid_partially reopen>open",
    "reminded": "authorize>authorized cancel>cancelled do_pay>in_progress pay>paid "
    "pay_partially>paid_partially process_unconfirmed>unconfirmed reopen>open",
    "authorized": "cancel>cancelled fail>failed paid>paid paid_partially>paid_partially",
    "paid_partially": "cancel>cancelled chargeback>chargeback do_pay>in_progress pay>paid "
    "process_unconfirmed>unconfirmed refund>refunded refund_partially>refunded_partially "
    "remind>reminded reopen>open",
    "paid": "cancel>cancelled chargeback>chargeback refund>refunded "
    "refund_partially>refunded_partially reopen>open",
    "refunded_partially": "cancel>cancelled refund>refunded reopen>open",
    "refunded": "",
    "chargeback": "cancel>cancelled paid>paid paid_partially>paid_partially",
    "failed": "do_pay>in_progress fail>failed paid>paid pay>paid paid_partially>paid_partially "
    "pay_partially>paid_partially process_unconfirmed>unconfirmed reopen>open",
    "cancelled": "paid>paid process_unconfirmed>unconfirmed refund>refunded "
    "refund_partially>refunded_partially reopen>open",
}


def _transaction_67() -> list[Transition]:
    """6.7 after Migration1742302302 (destructive step run): pay/pay_partially/do_pay renamed."""
    rename = {"pay": "paid", "pay_partially": "paid_partially", "do_pay": "process"}
    result: list[Transition] = []
    for action, source, target in _outgoing(_TRANSACTION_66):
        item = (rename.get(action, action), source, target)
        if item not in result:
            result.append(item)
    for extra in [
        ("process", "open", "in_progress"),
        ("process", "failed", "in_progress"),
        ("process", "reminded", "in_progress"),
        ("process", "paid_partially", "in_progress"),
        ("paid", "reminded", "paid"),
        ("paid", "paid_partially", "paid"),
        ("paid_partially", "reminded", "paid_partially"),
    ]:
        if extra not in result:
            result.append(extra)
    return result


_CAPTURE: list[Transition] = [
    ("complete", "pending", "completed"),
    ("fail", "pending", "failed"),
    ("reopen", "completed", "pending"),
    ("reopen", "failed", "pending"),
]
_REFUND: list[Transition] = [
    ("process", "open", "in_progress"),
    ("cancel", "open", "cancelled"),
    ("cancel", "in_progress", "cancelled"),
    ("fail", "open", "failed"),
    ("fail", "in_progress", "failed"),
    ("complete", "open", "completed"),
    ("complete", "in_progress", "completed"),
    ("reopen", "cancelled", "open"),
    ("reopen", "failed", "open"),
    ("reopen", "completed", "open"),
]
_RETURN: list[Transition] = [
    ("process", "open", "in_progress"),
    ("complete", "in_progress", "done"),
    ("cancel", "open", "cancelled"),
    ("cancel", "in_progress", "cancelled"),
    ("reopen", "done", "open"),
    ("reopen", "cancelled", "open"),
]
LINE_ITEM_STATES = [
    "open",
    "shipped",
    "shipped_partially",
    "return_requested",
    "returned",
    "returned_partially",
    "cancelled",
]


def machine_tables(version: str) -> dict[str, tuple[str, list[str], list[Transition]]]:
    """``{machine: (initial state, states, transitions)}`` of a 6.6 or 6.7 shop."""
    transaction = _transaction_67() if version >= "6.7" else _outgoing(_TRANSACTION_66)
    tables: dict[str, tuple[str, list[Transition]]] = {
        ORDER_MACHINE: ("open", _ORDER),
        DELIVERY_MACHINE: ("open", _DELIVERY),
        TRANSACTION_MACHINE: ("open", transaction),
        CAPTURE_MACHINE: ("pending", _CAPTURE),
        REFUND_MACHINE: ("open", _REFUND),
        RETURN_MACHINE: ("open", _RETURN),
    }
    result: dict[str, tuple[str, list[str], list[Transition]]] = {}
    for name, (initial, transitions) in tables.items():
        states: list[str] = [initial]
        for _, source, target in transitions:
            for state in (source, target):
                if state not in states:
                    states.append(state)
        if name == TRANSACTION_MACHINE and "refunded" not in states:  # pragma: no cover
            states.append("refunded")
        result[name] = (initial, states, transitions)
    result[LINE_ITEM_MACHINE] = ("open", LINE_ITEM_STATES, [])
    return result


ENTITY_MACHINES: dict[str, str] = {
    "order": ORDER_MACHINE,
    "order_delivery": DELIVERY_MACHINE,
    "order_transaction": TRANSACTION_MACHINE,
    "order_transaction_capture": CAPTURE_MACHINE,
    "order_transaction_capture_refund": REFUND_MACHINE,
    "order_return": RETURN_MACHINE,
}
ACTION_ROUTE_ENTITIES = frozenset({"order", "order_delivery", "order_transaction"})
"""Entities with their own ``/_action/{entity}/{id}/state/{action}`` route (it takes
``sendMail``); the others go through ``/_action/state-machine/{entity}/{id}/state/{action}``."""


# --- the engine (what the shop does) --------------------------------------------------------------
def transitions_from(version: str, machine: str, current: str) -> list[Transition]:
    """The transitions a shop of ``version`` offers from ``current``, in table order."""
    return [item for item in machine_tables(version)[machine][2] if item[1] == current]


def possible_actions(version: str, machine: str, current: str) -> list[str]:
    """The action names allowed from ``current``, sorted (as an illegal transition lists them)."""
    return sorted({action for action, _, _ in transitions_from(version, machine, current)})


def next_state(version: str, machine: str, current: str, action: str) -> str | None:
    """The state ``action`` leads to from ``current`` (``StateMachineRegistry::transition``).

    An action that leads anywhere into the current state is a no-op answered with that state;
    on 6.6 ``cancel`` leads to the machine's cancel target from any state. None: illegal.
    """
    transitions = machine_tables(version)[machine][2]
    if any(a == action and to == current for a, _, to in transitions):
        return current
    targets = [to for a, source, to in transitions if a == action and source == current]
    if not targets and version == "6.6" and action == "cancel":
        targets = [to for a, _, to in transitions if a == "cancel"][:1]
    return targets[0] if targets else None


# --- planning (what the adapter does) -------------------------------------------------------------
def state_graph(machine: str) -> dict[str, set[str]]:
    """Which states each state can reach in one step, over the 6.6 and 6.7 tables together.

    Only states, never action names: the adapter plans a path by states and then picks, at each
    step, the action the shop itself offers for the next state.
    """
    graph: dict[str, set[str]] = {}
    for version in ("6.6", "6.7"):
        _, states, transitions = machine_tables(version)[machine]
        for state in states:
            graph.setdefault(state, set())
        for _, source, target in transitions:
            if source != target:
                graph[source].add(target)
    return graph


def plan_path(machine: str, current: str, target: str, first_hops: Iterable[str]) -> list[str]:
    """Shortest list of states from ``current`` to ``target`` (excluding ``current``).

    The first hop must be one the shop offers now (``first_hops``); later hops follow the known
    graph. Empty when no path exists.
    """
    graph = state_graph(machine)
    offered = set(first_hops)
    frontier: list[list[str]] = [[hop] for hop in sorted(offered) if hop != current]
    seen = {current, *offered}
    while frontier:
        next_frontier: list[list[str]] = []
        for path in frontier:
            if path[-1] == target:
                return path
        for path in frontier:
            for hop in sorted(graph.get(path[-1], set())):
                if hop not in seen:
                    seen.add(hop)
                    next_frontier.append([*path, hop])
        frontier = next_frontier
    return []


def terminal_states(machine: str) -> set[str]:
    """States with no way out (``refunded`` for payments)."""
    return {state for state, hops in state_graph(machine).items() if not hops}


# --- the operations' rules ------------------------------------------------------------------------
PAID_STATES = {"paid", "paid_partially", "refunded_partially", "refunded", "chargeback"}
PENDING_PAYMENT_STATES = {"open", "in_progress", "unconfirmed", "reminded"}
DEAD_REFUND_STATES = {"failed", "cancelled"}
"""Refund states whose money never left (they do not count against what is refundable)."""


def calls_off_payment(state: str | None) -> bool:
    """Whether cancelling an order moves its payment to ``cancelled``: every unpaid payment
    (open, authorized, reminded ...) that is not already cancelled or failed."""
    return state not in PAID_STATES and state not in ("cancelled", "failed")


def payment_state_after_refund(refunded: Money, amount: Money) -> str:
    """``refunded`` once the refunds (old and new) reach the payment's amount, else partially."""
    return "refunded" if refunded >= amount else "refunded_partially"


def shipping_state(complete: bool) -> str:
    """The delivery state a shipment leads to: every unit shipped, or only some."""
    return "shipped" if complete else "shipped_partially"


RETURN_MOVES: dict[ReturnAction, tuple[frozenset[str], str]] = {
    ReturnAction.APPROVE: (frozenset({"open"}), "in_progress"),
    ReturnAction.CLOSE: (frozenset({"open", "in_progress"}), "done"),
    ReturnAction.CANCEL: (frozenset({"open", "in_progress"}), "cancelled"),
    ReturnAction.REOPEN: (frozenset({"done", "cancelled"}), "open"),
}
"""Each canonical return action: the states it starts from and the state it leads to. Decline
has no Shopware equivalent (``order_return.state`` has no declined state)."""
