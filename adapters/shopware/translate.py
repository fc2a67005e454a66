"""Pure translation between Shopware 6 Admin API JSON and the canonical models.

Nothing here does I/O. Platform -> canonical: :func:`order_from_platform`, :func:`return_from_platform`,
:func:`fulfillment_order_from_delivery`, :func:`error_from_response`. Canonical -> platform:
:func:`order_to_platform`, :func:`address_to_platform`, :func:`refund_to_platform`, the criteria
builders. The state-machine tables (from the migrations, see ``shopware.md`` section 1) live here
too, because both the adapter (path planning) and the sandbox (the engine) read them.

Money: Shopware prices are ``CalculatedPrice`` (``unitPrice``, ``totalPrice``, ``quantity``,
``calculatedTaxes``) and ``CartPrice`` (``netPrice``, ``totalPrice``, ``positionPrice``,
``taxStatus``). With ``taxStatus`` ``gross`` a ``totalPrice`` includes tax; with ``net`` it does
not and the tax is added on top; with ``tax-free`` there is no tax. The canonical order keeps line
totals as Shopware gives them and says which with ``taxes_included``, so the core planner computes
refund amounts correctly for each tax status.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from unified_orders.adapter import OrderQuery, Response, error_for_status
from unified_orders.errors import IllegalTransition, PlatformError, Problem
from unified_orders.models import (
    Address,
    FinancialStatus,
    FulfillmentOrder,
    FulfillmentOrderLine,
    FulfillmentOrderStatus,
    FulfillmentStatus,
    LineItem,
    Money,
    Order,
    OrderStatus,
    Refund,
    RefundLine,
    RefundShipping,
    RefundStatus,
    RefundTransaction,
    Restock,
    Return,
    ReturnLine,
    ReturnStatus,
    Transaction,
    TransactionKind,
    TransactionStatus,
    minor_unit,
)

PLATFORM = "shopware"
LIVE_VERSION = "0fa91ce3e96a4bc2be4bd9ce752c3425"
ID_PATTERN = "^[0-9a-f]{32}$"
EXTERNAL_PREFIX = "unified-orders:"
SHIPPED_FIELD = "unified_orders_shipped"
"""``order_delivery.customFields`` key where per-line shipped quantities are kept (core has none)."""

_NAMESPACE = uuid.UUID("6b0f1d0e-5a47-4c53-9a1b-3f3f0c3e7a11")

# --- state machines -----------------------------------------------------------------------------
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


# --- status maps ----------------------------------------------------------------------------------
ORDER_STATUS = {
    "open": OrderStatus.OPEN,
    "in_progress": OrderStatus.OPEN,
    "completed": OrderStatus.CLOSED,
    "cancelled": OrderStatus.CANCELED,
}
FINANCIAL_STATUS = {
    "open": FinancialStatus.PENDING,
    "in_progress": FinancialStatus.PENDING,
    "unconfirmed": FinancialStatus.PENDING,
    "reminded": FinancialStatus.PENDING,
    "failed": FinancialStatus.PENDING,
    "authorized": FinancialStatus.AUTHORIZED,
    "paid_partially": FinancialStatus.PARTIALLY_PAID,
    "paid": FinancialStatus.PAID,
    "refunded_partially": FinancialStatus.PARTIALLY_REFUNDED,
    "refunded": FinancialStatus.REFUNDED,
    "cancelled": FinancialStatus.VOIDED,
    # chargeback has no canonical equivalent: unknown, with the platform value kept beside it.
}
FULFILLMENT_STATUS = {
    "open": FulfillmentStatus.UNFULFILLED,
    "shipped_partially": FulfillmentStatus.PARTIALLY_FULFILLED,
    "shipped": FulfillmentStatus.FULFILLED,
    "returned_partially": FulfillmentStatus.PARTIALLY_RETURNED,
    "returned": FulfillmentStatus.RETURNED,
    "cancelled": FulfillmentStatus.CANCELED,
}
FULFILLMENT_ORDER_STATUS = {
    "open": FulfillmentOrderStatus.OPEN,
    "shipped_partially": FulfillmentOrderStatus.IN_PROGRESS,
    "shipped": FulfillmentOrderStatus.CLOSED,
    "returned_partially": FulfillmentOrderStatus.CLOSED,
    "returned": FulfillmentOrderStatus.CLOSED,
    "cancelled": FulfillmentOrderStatus.CANCELED,
}
RETURN_STATUS = {
    "open": ReturnStatus.REQUESTED,
    "in_progress": ReturnStatus.OPEN,
    "done": ReturnStatus.CLOSED,
    "cancelled": ReturnStatus.CANCELED,
}
REFUND_STATUS = {
    "open": RefundStatus.PENDING,
    "in_progress": RefundStatus.PENDING,
    "completed": RefundStatus.SUCCESS,
    "failed": RefundStatus.FAILURE,
    "cancelled": RefundStatus.FAILURE,
}
_REFUND_TXN_STATUS = {
    "open": TransactionStatus.PENDING,
    "in_progress": TransactionStatus.PENDING,
    "completed": TransactionStatus.SUCCESS,
    "failed": TransactionStatus.FAILURE,
    "cancelled": TransactionStatus.FAILURE,
}
_CAPTURE_STATUS = {
    "pending": TransactionStatus.PENDING,
    "completed": TransactionStatus.SUCCESS,
    "failed": TransactionStatus.FAILURE,
}
PAID_STATES = {"paid", "paid_partially", "refunded_partially", "refunded", "chargeback"}
_PENDING_PAYMENT = {"open", "in_progress", "unconfirmed", "reminded"}
DEAD_REFUND_STATES = {"failed", "cancelled"}
"""Refund states whose money never left (they do not count against what is refundable)."""
NEGATIVE_LINE_TYPES = {"promotion", "discount", "credit"}
RETURNABLE_LINE_TYPES = {"product", "custom", "container"}


# --- small helpers -------------------------------------------------------------------------------
def dec(value: Any) -> Decimal:
    """A Decimal from a JSON number (already Decimal or int) or a string; None is zero."""
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(value, int | str):
        return Decimal(str(value))
    raise TypeError(f"not an amount: {value!r}")


@lru_cache(maxsize=64)
def _currency_quantum(currency: str) -> tuple[str, Decimal]:
    """The checked ISO code of ``currency`` and its smallest unit (raises as Money does)."""
    zero = Money.of(0, currency)
    return zero.currency, zero.quantum


def money(value: Any, currency: str) -> Money:
    """Money rounded to the currency's minor unit (Shopware stores floats; this makes cents exact)."""
    amount = dec(value)
    if not amount.is_finite():
        return Money.of(amount, currency)  # refused there, as Money refuses it
    # Money(amount, currency).rounded(), built once: Money.of checks what validation would.
    code, quantum = _currency_quantum(currency)
    return Money.of(amount.quantize(quantum, rounding=ROUND_HALF_UP), code)


def stable_id(*parts: object) -> str:
    """A deterministic 32-hex id (UUIDv5) from the parts, so a resent write reuses its ids."""
    return uuid.uuid5(_NAMESPACE, "\x1f".join(str(p) for p in parts)).hex


def is_id(value: str) -> bool:
    """Whether ``value`` is a Shopware id: 32 lower-case hex characters."""
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def parse_time(value: Any) -> datetime | None:
    """A timezone-aware datetime from Shopware's ISO timestamps (UTC when no offset is given)."""
    if not value or not isinstance(value, str):
        return None
    text = value.replace("Z", "+00:00")
    if " " in text and "T" not in text:
        text = text.replace(" ", "T", 1)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def storage_time(moment: datetime) -> str:
    """A datetime as Shopware's storage format (``Y-m-d H:i:s.v`` in UTC) for range filters."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S.") + f"{utc.microsecond // 1000:03d}"


def iso_time(moment: datetime) -> str:
    """A datetime as ISO 8601 with offset (how the Admin API writes ``orderDateTime``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def calculated_taxes(price: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """``calculatedTaxes`` as a list.

    Real shops send a JSON array; the published spec types it as an object, which is what a
    collection keyed by tax rate looks like. Both are read.
    """
    if not price:
        return []
    taxes = price.get("calculatedTaxes") or []
    if isinstance(taxes, Mapping):
        return [dict(item) for item in taxes.values()]
    return [dict(item) for item in taxes]


def taxes_object(taxes: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``calculatedTaxes`` written as an object keyed by tax rate: the spec's shape, and one that
    PHP decodes to the same array a list gives."""
    result: dict[str, dict[str, Any]] = {}
    for tax in taxes:
        key = str(dec(tax["taxRate"]).normalize())
        if key in result:
            result[key] = {
                "tax": result[key]["tax"] + dec(tax["tax"]),
                "taxRate": result[key]["taxRate"],
                "price": result[key]["price"] + dec(tax["price"]),
            }
        else:
            result[key] = {
                "tax": dec(tax["tax"]),
                "taxRate": dec(tax["taxRate"]),
                "price": dec(tax["price"]),
            }
    return result


def tax_total(price: Mapping[str, Any] | None) -> Decimal:
    """Sum of a price's calculated taxes."""
    return sum((dec(t.get("tax")) for t in calculated_taxes(price)), Decimal(0))


def calculated_price(
    unit: Decimal, total: Decimal, quantity: int, taxes: Iterable[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """A ``CalculatedPrice`` body."""
    tax_list = list(taxes)
    rules = [{"taxRate": dec(t["taxRate"]), "percentage": Decimal(100)} for t in tax_list]
    return {
        "unitPrice": unit,
        "totalPrice": total,
        "quantity": quantity,
        "calculatedTaxes": taxes_object(tax_list),
        "taxRules": {str(r["taxRate"].normalize()): r for r in rules},
    }


def state_name(entity: Mapping[str, Any] | None, key: str = "stateMachineState") -> str | None:
    """The technical name of an entity's loaded state association."""
    if not entity:
        return None
    state = entity.get(key)
    if isinstance(state, Mapping):
        name = state.get("technicalName")
        return str(name) if name is not None else None
    return None


_SCALARS = frozenset({str, int, Decimal, float, bool, type(None)})


def collect_state_names(body: Any, names: dict[str, str]) -> None:
    """Learn ``state id -> technical name`` from every state association in a response body."""
    # A depth-first walk in document order (children pushed reversed), without a call per node;
    # scalars, the most of a body, are never pushed.
    stack: list[Any] = [body]
    pop, push = stack.pop, stack.extend
    while stack:
        node = pop()
        if isinstance(node, dict) or (not isinstance(node, list) and isinstance(node, Mapping)):
            if "technicalName" in node and "stateMachineId" in node and "id" in node:
                names[str(node["id"])] = str(node["technicalName"])
            children = [v for v in node.values() if type(v) not in _SCALARS]
        elif isinstance(node, list):
            children = [v for v in node if type(v) not in _SCALARS]
        else:
            continue
        if children:
            children.reverse()
            push(children)


# --- orders: platform -> canonical ----------------------------------------------------------------
def primary_transaction(order: Mapping[str, Any]) -> dict[str, Any] | None:
    """``primaryOrderTransaction`` (6.7.1+), else the newest transaction by ``createdAt``."""
    transactions: list[dict[str, Any]] = [dict(x) for x in order.get("transactions") or []]
    wanted = order.get("primaryOrderTransactionId")
    for txn in transactions:
        if wanted and txn.get("id") == wanted:
            return dict(txn)
    if not transactions:
        return None
    newest: dict[str, Any] = max(
        transactions, key=lambda txn: (str(txn.get("createdAt") or ""), str(txn["id"]))
    )
    return dict(newest)


def primary_delivery(order: Mapping[str, Any]) -> dict[str, Any] | None:
    """``primaryOrderDelivery`` (6.7.1+), else the delivery with the highest shipping costs."""
    deliveries: list[dict[str, Any]] = [dict(x) for x in order.get("deliveries") or []]
    wanted = order.get("primaryOrderDeliveryId")
    for delivery in deliveries:
        if wanted and delivery.get("id") == wanted:
            return dict(delivery)
    if not deliveries:
        return None
    costliest: dict[str, Any] = max(
        deliveries,
        key=lambda d: (dec((d.get("shippingCosts") or {}).get("totalPrice")), str(d["id"])),
    )
    return dict(costliest)


def address_from_platform(address: Mapping[str, Any] | None) -> Address | None:
    """A canonical address from an ``order_address`` (with ``country``/``countryState`` loaded)."""
    if not address:
        return None
    country = address.get("country") or {}
    state = address.get("countryState") or {}
    province = state.get("shortCode")
    if isinstance(province, str) and "-" in province:
        province = province.split("-", 1)[1]
    line2 = (
        " ".join(
            part
            for part in (
                address.get("additionalAddressLine1"),
                address.get("additionalAddressLine2"),
            )
            if part
        )
        or None
    )
    return Address(
        first_name=address.get("firstName"),
        last_name=address.get("lastName"),
        company=address.get("company"),
        line1=address.get("street"),
        line2=line2,
        city=address.get("city"),
        province_code=province,
        postal_code=address.get("zipcode"),
        country_code=country.get("iso"),
        phone=address.get("phoneNumber"),
        raw=dict(address),
    )


def _shipped_quantities(order: Mapping[str, Any]) -> dict[str, int]:
    """Units shipped per line id, from the deliveries' states and positions."""
    shipped: dict[str, int] = {}
    top = [li for li in order.get("lineItems") or [] if not li.get("parentId")]
    primary = primary_delivery(order)
    for delivery in order.get("deliveries") or []:
        state = state_name(delivery)
        positions = list(delivery.get("positions") or [])
        if state in ("shipped", "returned", "returned_partially"):
            if positions:
                for pos in positions:
                    key = str(pos["orderLineItemId"])
                    shipped[key] = shipped.get(key, 0) + int(pos.get("quantity") or 0)
            elif primary is not None and delivery.get("id") == primary.get("id"):
                for line in top:
                    shipped[str(line["id"])] = int(line.get("quantity") or 0)
        elif state == "shipped_partially":
            tracked = (delivery.get("customFields") or {}).get(SHIPPED_FIELD) or {}
            by_position = {str(p["id"]): str(p["orderLineItemId"]) for p in positions}
            for key, quantity in tracked.items():
                line_id = by_position.get(str(key), str(key))
                shipped[line_id] = shipped.get(line_id, 0) + int(quantity)
    return shipped


def _refund_rows(order: Mapping[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every capture refund of the order with the capture it belongs to."""
    rows: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for txn in order.get("transactions") or []:
        for capture in txn.get("captures") or []:
            for refund in capture.get("refunds") or []:
                rows.append((dict(refund), dict(capture)))
    return rows


def _line_refund_amounts(position: Mapping[str, Any], currency: str) -> tuple[Money, Money, Money]:
    total = money((position.get("amount") or {}).get("totalPrice"), currency)
    tax = money(tax_total(position.get("amount")), currency)
    return total - tax, tax, total


def refunds_from_platform(order: Mapping[str, Any], currency: str) -> list[Refund]:
    """Canonical refunds from the capture refunds, oldest first.

    Refunds this library wrote for one request over several captures share an
    ``externalReference`` and come back as one canonical refund; any other refund stands alone.
    Refund amounts and positions hold the money paid back (tax included) in every tax status.
    """
    groups: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for refund, capture in _refund_rows(order):
        reference = refund.get("externalReference") or ""
        key = reference if reference.startswith(EXTERNAL_PREFIX) else str(refund["id"])
        groups.setdefault(key, []).append((refund, capture))
    result: list[Refund] = []
    for key, rows in groups.items():
        rows.sort(key=lambda r: (str(r[0].get("createdAt") or ""), str(r[0]["id"])))
        lines: list[RefundLine] = []
        transactions: list[RefundTransaction] = []
        shipping_total = Money.zero(currency)
        states: list[str] = []
        for refund, capture in rows:
            state = state_name(refund) or "open"
            states.append(state)
            amount = money((refund.get("amount") or {}).get("totalPrice"), currency)
            positions_total = Money.zero(currency)
            for position in refund.get("positions") or []:
                subtotal, tax, total = _line_refund_amounts(position, currency)
                positions_total = positions_total + total
                lines.append(
                    RefundLine(
                        line_id=str(position["orderLineItemId"]),
                        quantity=int(position.get("quantity") or 0),
                        restock=Restock.NO_RESTOCK,
                        subtotal=subtotal,
                        tax=tax,
                        total=total,
                        raw=dict(position),
                    )
                )
            if amount > positions_total:
                shipping_total = shipping_total + (amount - positions_total)
            transactions.append(
                RefundTransaction(
                    id=str(refund["id"]),
                    status=_REFUND_TXN_STATUS.get(state, TransactionStatus.UNKNOWN),
                    platform_status=state,
                    amount=amount,
                    parent_id=str(capture["id"]),
                    created_at=parse_time(refund.get("createdAt")),
                    raw=refund,
                )
            )
        if all(s == "completed" for s in states):
            status = RefundStatus.SUCCESS
        elif all(s in DEAD_REFUND_STATES for s in states):
            status = RefundStatus.FAILURE
        elif any(s == "completed" for s in states):
            status = RefundStatus.PARTIAL
        else:
            status = REFUND_STATUS.get(states[0], RefundStatus.PENDING)
        first = rows[0][0]
        result.append(
            Refund(
                id=str(first["id"]),
                order_id=str(order["id"]),
                status=status,
                lines=lines,
                shipping=RefundShipping(amount=shipping_total) if shipping_total.amount else None,
                transactions=transactions,
                total=Money.sum((t.amount for t in transactions), currency),
                note=first.get("reason"),
                created_at=parse_time(first.get("createdAt")),
                idempotency_key=key[len(EXTERNAL_PREFIX) :]
                if key.startswith(EXTERNAL_PREFIX)
                else None,
                raw=[r for r, _ in rows],
            )
        )
    return result


def _refunded_quantities(order: Mapping[str, Any]) -> dict[str, int]:
    result: dict[str, int] = {}
    for refund, _ in _refund_rows(order):
        if (state_name(refund) or "open") in DEAD_REFUND_STATES:
            continue
        for position in refund.get("positions") or []:
            key = str(position["orderLineItemId"])
            result[key] = result.get(key, 0) + int(position.get("quantity") or 0)
    return result


def capture_refundable(capture: Mapping[str, Any], currency: str) -> Money:
    """What a capture can still refund: its amount less every refund that is not failed/cancelled."""
    amount = money((capture.get("amount") or {}).get("totalPrice"), currency)
    spent = Money.sum(
        (
            money((r.get("amount") or {}).get("totalPrice"), currency)
            for r in capture.get("refunds") or []
            if (state_name(r) or "open") not in DEAD_REFUND_STATES
        ),
        currency,
    )
    left = amount - spent
    return left if left.amount > 0 else Money.zero(currency)


def _transactions(order: Mapping[str, Any], currency: str) -> list[Transaction]:
    """Payments: a capture is a ``capture``; an order_transaction is its parent ``authorization``.

    An order_transaction in a paid state with no capture is a ``sale``: money was taken by the
    payment extension without recording a capture. A refund allocated to it is refused at write
    time with the reason (the core never creates captures).
    """
    result: list[Transaction] = []
    for txn in order.get("transactions") or []:
        state = state_name(txn) or "open"
        captures = list(txn.get("captures") or [])
        gateway = (txn.get("paymentMethod") or {}).get("technicalName") or txn.get(
            "paymentMethodId"
        )
        amount = money((txn.get("amount") or {}).get("totalPrice"), currency)
        if state in PAID_STATES or state == "authorized":
            status = TransactionStatus.SUCCESS
        elif state in _PENDING_PAYMENT:
            status = TransactionStatus.PENDING
        else:
            status = TransactionStatus.FAILURE
        if captures or state not in PAID_STATES:
            kind = TransactionKind.AUTHORIZATION
            refundable = None
        else:
            kind = TransactionKind.SALE
            refundable = Money.zero(currency) if state == "refunded" else amount
        result.append(
            Transaction(
                id=str(txn["id"]),
                kind=kind,
                platform_kind="order_transaction",
                status=status,
                platform_status=state,
                amount=amount,
                gateway=str(gateway) if gateway else None,
                refundable=refundable,
                created_at=parse_time(txn.get("createdAt")),
                raw=dict(txn),
            )
        )
        for capture in captures:
            capture_state = state_name(capture) or "pending"
            result.append(
                Transaction(
                    id=str(capture["id"]),
                    kind=TransactionKind.CAPTURE,
                    platform_kind="order_transaction_capture",
                    status=_CAPTURE_STATUS.get(capture_state, TransactionStatus.UNKNOWN),
                    platform_status=capture_state,
                    amount=money((capture.get("amount") or {}).get("totalPrice"), currency),
                    parent_id=str(txn["id"]),
                    gateway=str(gateway) if gateway else None,
                    refundable=capture_refundable(capture, currency),
                    created_at=parse_time(capture.get("createdAt")),
                    raw=dict(capture),
                )
            )
    return result


def _tax_rate(price: Mapping[str, Any] | None) -> str | None:
    taxes = calculated_taxes(price)
    if len(taxes) != 1:
        return None
    return str((dec(taxes[0]["taxRate"]) / 100).normalize())


def _is_digital(line: Mapping[str, Any]) -> bool:
    states = line.get("states") or []
    payload = line.get("payload") or {}
    return "is-download" in states or payload.get("product_type") == "digital"


def line_from_platform(
    line: Mapping[str, Any], currency: str, shipped: int, refunded: int
) -> LineItem:
    """A canonical line from an ``order_line_item``."""
    price = line.get("price") or {}
    quantity = int(line.get("quantity") or 0)
    digital = _is_digital(line)
    payload = line.get("payload") or {}
    return LineItem(
        id=str(line["id"]),
        sku=payload.get("productNumber"),
        title=str(line.get("label") or ""),
        quantity=quantity,
        current_quantity=quantity,
        fulfilled_quantity=min(shipped, quantity),
        refunded_quantity=refunded,
        unit_price=money(price.get("unitPrice", line.get("unitPrice")), currency),
        total=money(price.get("totalPrice", line.get("totalPrice")), currency),
        total_tax=money(tax_total(price), currency),
        tax_rate=_tax_rate(price),
        requires_shipping=bool(line.get("good", True)) and not digital,
        is_digital=digital,
        product_id=line.get("productId"),
        raw=dict(line),
    )


def shipping_gross(order: Mapping[str, Any]) -> Decimal:
    """Shipping including tax: ``shippingCosts.totalPrice`` plus its taxes on a net order."""
    costs = order.get("shippingCosts") or {}
    total = dec(costs.get("totalPrice"))
    if _tax_status(order) == "net":
        total += tax_total(costs)
    return total


def _tax_status(order: Mapping[str, Any]) -> str:
    return str((order.get("price") or {}).get("taxStatus") or order.get("taxStatus") or "gross")


def order_from_platform(order: Mapping[str, Any]) -> Order:
    """A canonical order from a ``search/order`` hit loaded with the adapter's associations."""
    currency = str((order.get("currency") or {}).get("isoCode") or "EUR")
    price = order.get("price") or {}
    tax_status = _tax_status(order)
    shipped = _shipped_quantities(order)
    refunded = _refunded_quantities(order)
    lines: list[LineItem] = []
    discount = Money.zero(currency)
    for item in sorted(order.get("lineItems") or [], key=lambda li: int(li.get("position") or 0)):
        if item.get("parentId"):
            continue
        if item.get("type") in NEGATIVE_LINE_TYPES:
            discount = discount - money((item.get("price") or {}).get("totalPrice"), currency)
            continue
        key = str(item["id"])
        lines.append(line_from_platform(item, currency, shipped.get(key, 0), refunded.get(key, 0)))
    state = state_name(order)
    transaction = primary_transaction(order)
    delivery = primary_delivery(order)
    txn_state = state_name(transaction)
    delivery_state = state_name(delivery)
    total = money(price.get("totalPrice", order.get("amountTotal")), currency)
    net = money(price.get("netPrice", order.get("amountNet")), currency)
    customer = order.get("orderCustomer") or {}
    return Order(
        id=str(order["id"]),
        number=order.get("orderNumber"),
        platform=PLATFORM,
        currency=currency,
        status=ORDER_STATUS.get(state or "", OrderStatus.UNKNOWN),
        platform_status=state,
        financial_status=FINANCIAL_STATUS.get(txn_state or "", FinancialStatus.UNKNOWN),
        platform_financial_status=txn_state,
        fulfillment_status=FULFILLMENT_STATUS.get(delivery_state or "", FulfillmentStatus.UNKNOWN),
        platform_fulfillment_status=delivery_state,
        email=customer.get("email"),
        lines=lines,
        shipping_address=address_from_platform((delivery or {}).get("shippingOrderAddress")),
        billing_address=address_from_platform(order.get("billingAddress")),
        shipping=money(shipping_gross(order), currency),
        subtotal=money(price.get("positionPrice", order.get("positionPrice")), currency),
        tax=total - net if tax_status != "tax-free" else Money.zero(currency),
        total=total,
        discount=discount if discount.amount else None,
        taxes_included=tax_status == "gross",
        transactions=_transactions(order, currency),
        refunds=refunds_from_platform(order, currency),
        created_at=parse_time(order.get("orderDateTime") or order.get("createdAt")),
        updated_at=parse_time(order.get("updatedAt") or order.get("createdAt")),
        note=order.get("customerComment"),
        raw=dict(order),
    )


# --- fulfillment orders and returns -----------------------------------------------------------------
def fulfillment_order_from_delivery(
    delivery: Mapping[str, Any], order: Mapping[str, Any], actions: list[str]
) -> FulfillmentOrder:
    """A delivery as a fulfillment order; its positions are the lines."""
    state = state_name(delivery) or "open"
    tracked = (delivery.get("customFields") or {}).get(SHIPPED_FIELD) or {}
    lines = []
    for position in delivery.get("positions") or []:
        quantity = int(position.get("quantity") or 0)
        if state == "open":
            left = quantity
        elif state == "shipped_partially":
            left = max(quantity - int(tracked.get(str(position["id"]), 0)), 0)
        else:
            left = 0
        lines.append(
            FulfillmentOrderLine(
                id=str(position["id"]),
                line_id=str(position["orderLineItemId"]),
                quantity=quantity,
                fulfillable_quantity=left,
                raw=dict(position),
            )
        )
    return FulfillmentOrder(
        id=str(delivery["id"]),
        order_id=str(order["id"]),
        status=FULFILLMENT_ORDER_STATUS.get(state, FulfillmentOrderStatus.UNKNOWN),
        platform_status=state,
        lines=lines,
        supported_actions=actions,
        created_at=parse_time(delivery.get("createdAt")),
        raw=dict(delivery),
    )


def return_from_platform(data: Mapping[str, Any]) -> Return:
    """A canonical return from an ``order_return`` loaded with ``state`` and ``lineItems``."""
    state = state_name(data, "state") or "open"
    lines = [
        ReturnLine(
            id=str(item["id"]),
            line_id=str(item["orderLineItemId"]),
            quantity=int(item.get("quantity") or 0),
            reason=(item.get("reason") or {}).get("reasonKey"),
            note=item.get("internalComment"),
            raw=dict(item),
        )
        for item in sorted(data.get("lineItems") or [], key=lambda i: str(i["id"]))
    ]
    return Return(
        id=str(data["id"]),
        order_id=str(data["orderId"]),
        status=RETURN_STATUS.get(state, ReturnStatus.UNKNOWN),
        platform_status=state,
        name=data.get("returnNumber"),
        lines=lines,
        created_at=parse_time(data.get("requestedAt") or data.get("createdAt")),
        raw=dict(data),
    )


# --- canonical -> platform ------------------------------------------------------------------------
ORDER_ASSOCIATIONS: dict[str, Any] = {
    "lineItems": {},
    "deliveries": {
        "associations": {
            "stateMachineState": {},
            "shippingOrderAddress": {"associations": {"country": {}, "countryState": {}}},
            "positions": {},
        }
    },
    "transactions": {
        "associations": {
            "stateMachineState": {},
            "paymentMethod": {},
            "captures": {
                "associations": {
                    "stateMachineState": {},
                    "refunds": {"associations": {"stateMachineState": {}, "positions": {}}},
                }
            },
        }
    },
    "stateMachineState": {},
    "currency": {},
    "orderCustomer": {},
    "billingAddress": {"associations": {"country": {}, "countryState": {}}},
}
RETURN_ASSOCIATIONS: dict[str, Any] = {
    "state": {},
    "lineItems": {"associations": {"state": {}, "reason": {}}},
}


def _range(field: str, op: str, moment: datetime) -> dict[str, Any]:
    return {"type": "range", "field": field, "parameters": {op: storage_time(moment)}}


def _updated(op: str, moment: datetime) -> dict[str, Any]:
    # updatedAt stays NULL until an order is first changed: such orders count by createdAt.
    return {
        "type": "multi",
        "operator": "or",
        "queries": [
            _range("updatedAt", op, moment),
            {
                "type": "multi",
                "operator": "and",
                "queries": [
                    {"type": "equals", "field": "updatedAt", "value": None},
                    _range("createdAt", op, moment),
                ],
            },
        ],
    }


def order_criteria(query: OrderQuery, page: int, limit: int) -> dict[str, Any]:
    """The ``search/order`` body for one page of a listing."""
    filters: list[dict[str, Any]] = []
    if query.created_since is not None:
        filters.append(_range("createdAt", "gte", query.created_since))
    if query.created_until is not None:
        filters.append(_range("createdAt", "lte", query.created_until))
    if query.updated_since is not None:
        filters.append(_updated("gte", query.updated_since))
    if query.updated_until is not None:
        filters.append(_updated("lte", query.updated_until))
    body: dict[str, Any] = {
        "page": page,
        "limit": limit,
        "sort": [{"field": "createdAt", "order": "ASC"}, {"field": "id", "order": "ASC"}],
        "associations": ORDER_ASSOCIATIONS,
        "total-count-mode": "none",
    }
    if filters:
        body["filter"] = filters
    return body


def address_to_platform(
    address: Address,
    *,
    address_id: str,
    order_id: str,
    country_id: str,
    country_state_id: str | None,
) -> dict[str, Any]:
    """An ``order_address`` body (create or full update)."""
    body: dict[str, Any] = {
        "id": address_id,
        "orderId": order_id,
        "countryId": country_id,
        "firstName": address.first_name or "",
        "lastName": address.last_name or "",
        "street": address.line1 or "",
        "city": address.city or "",
    }
    optional = {
        "zipcode": address.postal_code,
        "company": address.company,
        "phoneNumber": address.phone,
        "additionalAddressLine1": address.line2,
        "countryStateId": country_state_id,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    return body


def _line_taxes(line: LineItem, order: Order) -> list[dict[str, Any]]:
    tax = line.total_tax.amount if line.total_tax is not None else Decimal(0)
    if not tax:
        return []
    rate: Decimal
    if line.tax_rate is not None:
        rate = (dec(line.tax_rate) * 100).normalize()
    else:
        base = line.total.amount - tax if order.taxes_included else line.total.amount
        rate = (
            (tax / base * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if base
            else Decimal(0)
        )
    return [{"tax": tax, "taxRate": rate, "price": line.total.amount}]


class CreateRefs:
    """Ids a new order needs that live in the shop (sales channel, methods, states, countries)."""

    def __init__(
        self,
        *,
        sales_channel: Mapping[str, Any],
        currency_id: str,
        states: Mapping[str, Mapping[str, str]],
        countries: Mapping[str, str],
        country_states: Mapping[str, str],
        primary_fields: bool,
    ) -> None:
        self.sales_channel = sales_channel
        self.currency_id = currency_id
        self.states = states
        self.countries = countries
        self.country_states = country_states
        self.primary_fields = primary_fields


ORDER_STATE_FOR = {
    OrderStatus.OPEN: "open",
    OrderStatus.CLOSED: "completed",
    OrderStatus.CANCELED: "cancelled",
}
TRANSACTION_STATE_FOR = {
    FinancialStatus.PENDING: "open",
    FinancialStatus.AUTHORIZED: "authorized",
    FinancialStatus.PARTIALLY_PAID: "paid_partially",
    FinancialStatus.PAID: "paid",
    FinancialStatus.PARTIALLY_REFUNDED: "refunded_partially",
    FinancialStatus.REFUNDED: "refunded",
    FinancialStatus.VOIDED: "cancelled",
}
DELIVERY_STATE_FOR = {
    FulfillmentStatus.UNFULFILLED: "open",
    FulfillmentStatus.PARTIALLY_FULFILLED: "shipped_partially",
    FulfillmentStatus.FULFILLED: "shipped",
    FulfillmentStatus.PARTIALLY_RETURNED: "returned_partially",
    FulfillmentStatus.RETURNED: "returned",
    FulfillmentStatus.CANCELED: "cancelled",
}


def _rounding(currency: str) -> dict[str, Any]:
    digits = minor_unit(currency)
    return {"decimals": digits, "interval": Decimal(1).scaleb(-digits), "roundForNet": True}


def province_key(country: str | None, province: str | None) -> str | None:
    """``country_state.shortCode`` for an ISO 3166-2 subdivision (``DE`` + ``BE`` -> ``DE-BE``)."""
    if not country or not province:
        return None
    return province if "-" in province else f"{country}-{province}"


def order_to_platform(order: Order, refs: CreateRefs) -> dict[str, Any]:
    """A ``POST /api/order`` body for a canonical order (migration).

    Ids derive from the source platform and id, so a resent create reuses them. States are set
    directly, which Shopware allows on create. The primary delivery and transaction are set
    where the shop has the fields (6.7.1+), since Shopware leaves them empty on API writes.
    No capture is invented: captures belong to the payment extension.
    """
    currency = order.currency
    order_id = stable_id("order", order.platform, order.id)
    when = iso_time(order.created_at or datetime.now(UTC))
    tax = order.tax.amount
    if order.taxes_included:
        tax_status = "gross"
    elif tax:
        tax_status = "net"
    else:
        tax_status = "tax-free"
    order_taxes: list[dict[str, Any]] = []
    line_bodies: list[dict[str, Any]] = []
    for index, line in enumerate(order.lines):
        taxes = _line_taxes(line, order) if tax_status != "tax-free" else []
        order_taxes.extend(taxes)
        line_states = ["is-download"] if line.is_digital else ["is-physical"]
        body: dict[str, Any] = {
            "id": stable_id("line", order.platform, order.id, line.id),
            "orderId": order_id,
            "identifier": line.sku or line.id,
            "quantity": line.quantity,
            "label": line.title or line.sku or line.id,
            "type": "custom",
            "good": line.requires_shipping,
            "stackable": True,
            "removable": True,
            "position": index + 1,
            "price": calculated_price(
                line.unit_price.amount, line.total.amount, line.quantity, taxes
            ),
            "states": line_states,
            "children": [],
        }
        if line.sku:
            body["payload"] = {"productNumber": line.sku}
        line_bodies.append(body)

    def address(kind: str, source: Address) -> dict[str, Any]:
        country = source.country_code or ""
        key = province_key(source.country_code, source.province_code)
        return address_to_platform(
            source,
            address_id=stable_id("address", order.platform, order.id, kind),
            order_id=order_id,
            country_id=refs.countries[country],
            country_state_id=refs.country_states.get(key) if key else None,
        )

    billing_source = order.billing_address or order.shipping_address
    if billing_source is None:
        raise ValueError("order_to_platform needs a billing or shipping address")
    billing = address("billing", billing_source)
    addresses = [billing]
    shipping_address_id = billing["id"]
    if order.shipping_address is not None and order.shipping_address != billing_source:
        shipping = address("shipping", order.shipping_address)
        addresses.append(shipping)
        shipping_address_id = shipping["id"]
    channel = refs.sales_channel
    delivery_id = stable_id("delivery", order.platform, order.id)
    transaction_id = stable_id("transaction", order.platform, order.id)
    shipping_total = order.shipping.amount
    positions = [
        {
            "id": stable_id("position", order.platform, order.id, line.id),
            "orderDeliveryId": delivery_id,
            "orderLineItemId": body["id"],
            "quantity": line.quantity,
            "unitPrice": line.unit_price.amount,
            "totalPrice": line.total.amount,
            "price": body["price"],
        }
        for line, body in zip(order.lines, line_bodies, strict=True)
        if line.requires_shipping
    ]
    states = refs.states
    total = order.total.amount
    result: dict[str, Any] = {
        "id": order_id,
        "orderNumber": order.number or order.id,
        "billingAddressId": billing["id"],
        "currencyId": refs.currency_id,
        "languageId": channel["languageId"],
        "salesChannelId": channel["id"],
        "orderDateTime": when,
        "currencyFactor": Decimal(1),
        "stateId": states[ORDER_MACHINE][ORDER_STATE_FOR.get(order.status, "open")],
        "itemRounding": _rounding(currency),
        "totalRounding": _rounding(currency),
        "price": {
            "netPrice": total - tax if tax_status != "tax-free" else total,
            "totalPrice": total,
            "positionPrice": order.subtotal.amount,
            "rawTotal": total,
            "taxStatus": tax_status,
            "calculatedTaxes": taxes_object(order_taxes),
            "taxRules": {},
        },
        "shippingCosts": calculated_price(shipping_total, shipping_total, 1),
        "orderCustomer": {
            "id": stable_id("customer", order.platform, order.id),
            "orderId": order_id,
            "email": order.email or "",
            "firstName": billing_source.first_name or "",
            "lastName": billing_source.last_name or "",
        },
        "addresses": addresses,
        "lineItems": line_bodies,
        "deliveries": [
            {
                "id": delivery_id,
                "orderId": order_id,
                "shippingOrderAddressId": shipping_address_id,
                "shippingMethodId": channel["shippingMethodId"],
                "stateId": states[DELIVERY_MACHINE][
                    DELIVERY_STATE_FOR.get(order.fulfillment_status, "open")
                ],
                "shippingDateEarliest": when,
                "shippingDateLatest": when,
                "shippingCosts": calculated_price(shipping_total, shipping_total, 1),
                "positions": positions,
            }
        ],
        "transactions": [
            {
                "id": transaction_id,
                "orderId": order_id,
                "paymentMethodId": channel["paymentMethodId"],
                "amount": calculated_price(total, total, 1, order_taxes),
                "stateId": states[TRANSACTION_MACHINE][
                    TRANSACTION_STATE_FOR.get(order.financial_status, "open")
                ],
            }
        ],
        "customFields": {"unified_orders_source": {"platform": order.platform, "id": order.id}},
    }
    if order.note:
        result["customerComment"] = order.note
    if refs.primary_fields:
        result["primaryOrderDeliveryId"] = delivery_id
        result["primaryOrderTransactionId"] = transaction_id
    return result


def refund_to_platform(
    *,
    refund_id: str,
    capture_id: str,
    open_state_id: str,
    reference: str,
    reason: str | None,
    lines: list[RefundLine],
    line_rates: Mapping[str, Decimal | None],
    amount: Money,
    shipping_taxes: list[dict[str, Any]],
) -> dict[str, Any]:
    """An ``order_transaction_capture_refund`` body with its positions.

    Amounts are the money paid back, tax included, whatever the order's tax status: that is the
    figure a payment handler reads from ``amount.totalPrice``.
    """
    positions = []
    refund_taxes: list[dict[str, Any]] = list(shipping_taxes)
    for line in lines:
        rate = line_rates.get(line.line_id)
        taxes = (
            [{"tax": line.tax.amount, "taxRate": rate, "price": line.total.amount}]
            if rate is not None and line.tax.amount
            else []
        )
        refund_taxes.extend(taxes)
        unit = (line.total.amount / line.quantity).quantize(line.total.quantum, ROUND_HALF_UP)
        positions.append(
            {
                "id": stable_id(refund_id, "position", line.line_id),
                "refundId": refund_id,
                "orderLineItemId": line.line_id,
                "quantity": line.quantity,
                "amount": calculated_price(unit, line.total.amount, line.quantity, taxes),
            }
        )
    body: dict[str, Any] = {
        "id": refund_id,
        "captureId": capture_id,
        "stateId": open_state_id,
        "externalReference": reference,
        "amount": calculated_price(amount.amount, amount.amount, 1, refund_taxes),
        "positions": positions,
    }
    if reason:
        body["reason"] = reason
    return body


# --- errors ------------------------------------------------------------------------------------------
def _pointer_path(pointer: str) -> str:
    parts = [p for p in pointer.split("/") if p]
    path = ""
    for part in parts:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    return path


def error_from_response(
    response: Response, state_names: Mapping[str, str] | None = None
) -> PlatformError:
    """A typed error from a JSON:API error array (``status``, ``code``, ``detail``, ``source``).

    ``SYSTEM__ILLEGAL_STATE_TRANSITION`` becomes :class:`IllegalTransition`, naming the state by
    its technical name where known (Shopware reports the state's id) and listing the actions the
    state allows, read from ``meta.parameters.possibleTransitions``.
    """
    body = response.body if isinstance(response.body, Mapping) else {}
    errors = [e for e in body.get("errors") or [] if isinstance(e, Mapping)]
    if not errors:
        text = response.text.strip() or f"HTTP {response.status}"
        return error_for_status(PLATFORM, response, text[:500])
    problems: list[Problem] = []
    messages: list[str] = []
    for error in errors:
        detail = str(error.get("detail") or error.get("title") or error.get("description") or "")
        pointer = (error.get("source") or {}).get("pointer")
        if pointer:
            problems.append(Problem(_pointer_path(str(pointer)), detail))
        elif detail and detail not in messages:
            messages.append(detail)
    first = errors[0]
    code = str(first.get("code")) if first.get("code") is not None else None
    message = "; ".join(messages) or "the request was refused"
    if code == "SYSTEM__ILLEGAL_STATE_TRANSITION":
        parameters = (first.get("meta") or {}).get("parameters") or {}
        state_id = str(parameters.get("currentState") or "")
        state = (state_names or {}).get(state_id, state_id) or None
        possible = [str(p) for p in parameters.get("possibleTransitions") or []]
        message = (
            f"transition {parameters.get('transition')!r} is not possible from state {state!r}; "
            f"possible actions: {', '.join(possible) or 'none'}"
        )
        return IllegalTransition(
            message,
            state=state,
            possible=possible,
            status=response.status,
            code=code,
            platform=PLATFORM,
            problems=problems,
            details=errors,
        )
    return error_for_status(
        PLATFORM, response, message, code=code, problems=problems, details=errors
    )
