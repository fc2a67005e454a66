"""The sandbox's data: tables of rows by id, the relations between them, and derived indexes.

``state`` is one JSON value: ``version`` and ``commercial`` (the shop's shape), ``tables``
(``{entity: {id: row}}``), ``tokens`` (access token -> expiry), and the counters ``tick`` (the
writes dated so far: the logical clock, unless a wall clock dates them), ``orders``, ``returns``
and ``requests``. Ids derive from
names (:func:`sandbox_id`), so the same calls give the same shop.

:class:`ShopwareState` is the layer of the emulator the handlers build on: table access, inserts
and touches, state ids, associations (:data:`RELATIONS`) and rendering rows the way the Admin API
answers (null fields and unloaded associations left out). Children by foreign key and the
matching rows of each search are kept so a search costs O(page) however many orders the shop
holds; any write forgets them (:meth:`ShopwareState.changed`), and :meth:`check_fresh` notices
tables edited from outside (tests arrange state through :meth:`table`).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from unified_orders.sandbox import BaseEmulator, EmulatorError, SandboxRequest, WriteClock

from ..platform import LIVE_VERSION, stable_id
from ..states import machine_tables
from .errors import no_route

__all__ = [
    "BACK",
    "CENT",
    "COMMERCIAL_ENTITIES",
    "EXTENSIONS",
    "MANY",
    "ONE",
    "RELATIONS",
    "SEARCHABLE",
    "VERSIONED",
    "VERSIONS",
    "WRITE_TIME",
    "Row",
    "ShopwareState",
    "iso",
    "round_cents",
    "sandbox_id",
]

Row = dict[str, Any]

VERSIONS = {"6.6": "6.6.10.13", "6.7": "6.7.9.1"}
"""The release each ``version`` answers ``_info/version`` with."""
WRITE_TIME = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
"""The logical clock's start: the n-th write is stamped ``WRITE_TIME + n`` seconds."""
CENT = Decimal("0.01")

ONE, MANY, BACK = "one", "many", "back"
RELATIONS: dict[str, dict[str, tuple[str, str, str]]] = {
    "order": {
        "lineItems": (MANY, "order_line_item", "orderId"),
        "deliveries": (MANY, "order_delivery", "orderId"),
        "transactions": (MANY, "order_transaction", "orderId"),
        "stateMachineState": (ONE, "state_machine_state", "stateId"),
        "currency": (ONE, "currency", "currencyId"),
        "orderCustomer": (BACK, "order_customer", "orderId"),
        "billingAddress": (ONE, "order_address", "billingAddressId"),
        "addresses": (MANY, "order_address", "orderId"),
        "salesChannel": (ONE, "sales_channel", "salesChannelId"),
        "returns": (MANY, "order_return", "orderId"),  # Commercial: an entity extension
    },
    "order_delivery": {
        "stateMachineState": (ONE, "state_machine_state", "stateId"),
        "shippingOrderAddress": (ONE, "order_address", "shippingOrderAddressId"),
        "positions": (MANY, "order_delivery_position", "orderDeliveryId"),
        "shippingMethod": (ONE, "shipping_method", "shippingMethodId"),
        "order": (ONE, "order", "orderId"),
    },
    "order_transaction": {
        "stateMachineState": (ONE, "state_machine_state", "stateId"),
        "paymentMethod": (ONE, "payment_method", "paymentMethodId"),
        "captures": (MANY, "order_transaction_capture", "orderTransactionId"),
        "order": (ONE, "order", "orderId"),
    },
    "order_transaction_capture": {
        "stateMachineState": (ONE, "state_machine_state", "stateId"),
        "refunds": (MANY, "order_transaction_capture_refund", "captureId"),
        "transaction": (ONE, "order_transaction", "orderTransactionId"),
    },
    "order_transaction_capture_refund": {
        "stateMachineState": (ONE, "state_machine_state", "stateId"),
        "positions": (MANY, "order_transaction_capture_refund_position", "refundId"),
        "transactionCapture": (ONE, "order_transaction_capture", "captureId"),
    },
    "order_address": {
        "country": (ONE, "country", "countryId"),
        "countryState": (ONE, "country_state", "countryStateId"),
    },
    "state_machine_state": {"stateMachine": (ONE, "state_machine", "stateMachineId")},
    "state_machine_transition": {
        "stateMachine": (ONE, "state_machine", "stateMachineId"),
        "fromStateMachineState": (ONE, "state_machine_state", "fromStateId"),
        "toStateMachineState": (ONE, "state_machine_state", "toStateId"),
    },
    "order_return": {
        "state": (ONE, "state_machine_state", "stateId"),
        "lineItems": (MANY, "order_return_line_item", "orderReturnId"),
        "order": (ONE, "order", "orderId"),
    },
    "order_return_line_item": {
        "state": (ONE, "state_machine_state", "stateId"),
        "reason": (ONE, "order_return_line_item_reason", "reasonId"),
        "lineItem": (ONE, "order_line_item", "orderLineItemId"),
    },
}
"""``{entity: {association: (kind, other entity, foreign key)}}``: ONE follows this row's key,
MANY and BACK find the rows whose key is this row's id (BACK renders the first one)."""
EXTENSIONS = {"order": {"returns"}}
"""Associations a plugin adds (entity extensions): plain JSON answers them under ``extensions``
(INFERRED from how Shopware serialises extension fields), and only a shop with the plugin knows
them."""
COMMERCIAL_ENTITIES = {"order_return", "order_return_line_item", "order_return_line_item_reason"}
SEARCHABLE = {
    "order",
    "order_delivery",
    "order_transaction",
    "order_transaction_capture",
    "order_transaction_capture_refund",
    "state_machine_state",
    "state_machine",
    "state_machine_transition",
    "currency",
    "country",
    "country_state",
    "sales_channel",
    "payment_method",
    "shipping_method",
    *COMMERCIAL_ENTITIES,
}
VERSIONED = {
    "order",
    "order_line_item",
    "order_delivery",
    "order_delivery_position",
    "order_address",
    "order_customer",
    "order_transaction",
    "order_transaction_capture",
    "order_transaction_capture_refund",
    "order_transaction_capture_refund_position",
    "order_return",
    "order_return_line_item",
}
"""Entities whose rows carry ``versionId`` (the live version unless given)."""


def sandbox_id(*parts: object) -> str:
    """The id of a sandbox row named by ``parts`` (ids are per install: here derived from names)."""
    return stable_id("sandbox", *parts)


def iso(moment: datetime) -> str:
    """A timestamp as the Admin API writes it (UTC, milliseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def round_cents(value: Decimal) -> Decimal:
    """``value`` rounded half-up to cents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _sort_key(field: str) -> Callable[[Row], tuple[bool, str]]:
    """Sorts rows by one of their fields, rows without it last."""
    return lambda row: (row.get(field) is None, str(row.get(field) or ""))


def _copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, immutable scalars), without deepcopy's memo."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, str | int | float | Decimal | None):
        return value
    return copy.deepcopy(value)


def empty_state(version: str, commercial: bool) -> dict[str, Any]:
    """A shop with no rows."""
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {', '.join(VERSIONS)}")
    return {
        "version": version,
        "commercial": commercial,
        "tables": {},
        "tokens": {},
        "tick": 0,
        "orders": 0,
        "returns": 0,
        "requests": 0,
    }


class ShopwareState(BaseEmulator):
    """Tables, lookups and rendering: what every handler of the Shopware sandbox reads."""

    api_root = "/api/"

    def __init__(
        self, *, version: str, commercial: bool, clock: Callable[[], float] | None
    ) -> None:
        super().__init__(write_clock=WriteClock(WRITE_TIME, timedelta(seconds=1)))
        self.clock: Callable[[], float] = clock or time.monotonic
        self.state: dict[str, Any] = {}
        self.search_cache: dict[str, list[Row]] = {}
        """The matching rows of each search (criteria without ids), kept until the next write."""
        self._children: dict[tuple[str, str], dict[Any, list[Row]]] = {}
        self._signature: tuple[Any, ...] = ()
        self.changed()
        self.state = empty_state(version, commercial)

    # --- the shop's shape ---------------------------------------------------------------------
    @property
    def version(self) -> str:
        """``6.6`` or ``6.7``: which transaction action set the shop has."""
        return str(self.state["version"])

    @version.setter
    def version(self, value: str) -> None:
        if value not in VERSIONS:
            raise ValueError(f"version must be one of {', '.join(VERSIONS)}")
        with self.lock:
            self.state["version"] = value

    @property
    def commercial(self) -> bool:
        """Whether Commercial ReturnManagement is installed and licensed."""
        return bool(self.state["commercial"])

    @commercial.setter
    def commercial(self, value: bool) -> None:
        with self.lock:
            self.state["commercial"] = value

    # --- routing --------------------------------------------------------------------------------
    def route_path(self, request: SandboxRequest) -> str | None:
        """The path below ``/api/``, without a trailing slash (None: not an API path)."""
        if not request.path.startswith(self.api_root):
            return None
        return request.path[len(self.api_root) :].rstrip("/")

    def missing_route(self, request: SandboxRequest) -> EmulatorError:
        """Shopware's 404 for a path it has no route for (also a route Commercial would add)."""
        relative = self.route_path(request)
        shown = request.path if relative is None else f"{self.api_root}{relative}"
        return no_route(request.method, shown)

    def require_commercial(self, request: SandboxRequest) -> None:
        """Commercial routes do not exist without the plugin and its licence."""
        if not self.commercial:
            raise self.missing_route(request)

    # --- rows -----------------------------------------------------------------------------------
    def table(self, entity: str) -> dict[str, Row]:
        """Rows of one entity by id (tests read and arrange state through this)."""
        tables: dict[str, dict[str, Row]] = self.state["tables"]
        return tables.setdefault(entity, {})

    def now(self) -> str:
        """The next write timestamp: of the logical clock, or the wall clock's time when set."""
        self.state["tick"] += 1
        return iso(self.write_clock.at(int(self.state["tick"])))

    def insert(self, entity: str, row: Row) -> Row:
        """Store ``row`` (a versioned entity's row gets the live version)."""
        if entity in VERSIONED:
            row.setdefault("versionId", LIVE_VERSION)
        self.table(entity)[str(row["id"])] = row
        self.changed()
        return row

    def touch(self, entity: str, row_id: str) -> None:
        """Stamp ``updatedAt`` on a changed row."""
        self.table(entity)[row_id]["updatedAt"] = self.now()
        self.changed()

    def rows_where(self, entity: str, field: str, value: Any) -> list[Row]:
        """Rows of ``entity`` whose ``field`` is ``value``, in table order."""
        return [r for r in self.table(entity).values() if r[field] == value]

    # --- states ---------------------------------------------------------------------------------
    def state_id(self, machine: str, name: str) -> str:
        """The id of a state (ids are per install: here derived from the names)."""
        return sandbox_id("state", machine, name)

    def state_row(self, state_id: str) -> Row:
        """The ``state_machine_state`` row of a state id."""
        return self.table("state_machine_state")[state_id]

    def machines(self) -> dict[str, tuple[str, list[str], list[tuple[str, str, str]]]]:
        """The state machines of this shop's version."""
        return machine_tables(self.version)

    # --- derived indexes ------------------------------------------------------------------------
    def changed(self) -> None:
        """Forget the derived indexes and cached searches: the state changed."""
        if self._children or self.search_cache:
            self._children = {}
            self.search_cache = {}

    def check_fresh(self) -> None:
        """Forget derived data when a table was added, replaced or resized from outside."""
        tables: dict[str, dict[str, Row]] = self.state["tables"]
        signature = (
            id(self.state),
            id(tables),
            *((name, id(rows), len(rows)) for name, rows in tables.items()),
        )
        if signature != self._signature:
            self.changed()
            self._signature = signature

    def children_by(self, entity: str, field: str) -> dict[Any, list[Row]]:
        """Rows of ``entity`` by their ``field`` value, each list in association order."""
        index = self._children.get((entity, field))
        if index is None:
            index = {}
            for r in self.table(entity).values():
                try:
                    index.setdefault(r.get(field), []).append(r)
                except TypeError:  # an unhashable value equals no id
                    continue
            for group in index.values():
                group.sort(
                    key=lambda r: (
                        int(r.get("position") or 0),
                        str(r.get("createdAt") or ""),
                        r["id"],
                    )
                )
            self._children[(entity, field)] = index
        return index

    # --- associations and rendering -------------------------------------------------------------
    def related(self, entity: str, row: Row, name: str) -> tuple[str, list[Row], bool] | None:
        """The rows association ``name`` of ``row`` loads, their entity, and whether it is a list."""
        relation = RELATIONS.get(entity, {}).get(name)
        if relation is None:
            return None
        kind, other, field = relation
        rows = self.table(other)
        if kind == ONE:
            target = rows.get(str(row.get(field)))
            return other, [target] if target is not None else [], False
        found = self.children_by(other, field).get(row["id"], [])
        return other, list(found), kind == MANY

    def values(self, entity: str, row: Row, path: str) -> list[Any]:
        """The values at a dotted field path (``deliveries.id``), following associations."""
        head, _, rest = path.partition(".")
        related = self.related(entity, row, head)
        if related is None:
            value = row.get(head)
            if rest and isinstance(value, Mapping):
                return [value.get(rest)]
            return [value]
        other, rows, _ = related
        if not rest:
            return [r["id"] for r in rows]
        values: list[Any] = []
        for item in rows:
            values.extend(self.values(other, item, rest))
        return values

    def render(self, entity: str, row: Row, associations: Mapping[str, Any] | None) -> Row:
        """A row as the Admin API answers it, with the associations asked for (nested)."""
        out = {key: _copy(value) for key, value in row.items() if value is not None}
        for name, criteria in (associations or {}).items():
            related = self.related(entity, row, name)
            if related is None:
                continue
            other, rows, many = related
            given = criteria if isinstance(criteria, Mapping) else {}
            for sort in reversed(given.get("sort") or []):  # an association's own sort
                rows.sort(
                    key=_sort_key(str(sort["field"])),
                    reverse=str(sort.get("order") or "ASC").upper() == "DESC",
                )
            rendered = [self.render(other, item, given.get("associations")) for item in rows]
            into = out.setdefault("extensions", {}) if name in EXTENSIONS.get(entity, ()) else out
            if many:
                into[name] = rendered
            elif rendered:
                into[name] = rendered[0]
        return out
