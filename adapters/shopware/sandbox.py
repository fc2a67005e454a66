"""An in-memory Shopware 6 Admin API: the routes the adapter uses, with Shopware's rules.

Stateful and deterministic: seeded demo orders (obviously fake customers), ids derived from
names, a logical clock for timestamps. What it enforces, from ``shopware.md``:

- OAuth client credentials; tokens live 600 s (clock injectable) and a stale token gets 401;
- ``search/{entity}`` criteria: ``ids``, ``filter`` (equals, equalsAny, range, multi, not,
  contains, prefix, suffix) on dotted association paths, ``sort``, ``page``/``limit`` (more
  than 500 is refused as on 6.6+), ``associations`` loaded only when asked;
- state machines from the migrations, 6.6 or 6.7 action sets (``version``), the idempotent
  no-op, the 6.6 cancel-from-anywhere shortcut, ``SYSTEM__ILLEGAL_STATE_TRANSITION`` reporting
  the state *id* and the possible actions;
- capture refunds: created ``open``, processed by the action route only from ``open``; the demo
  card handler completes them, the invoice method has no refund handler (400);
- Commercial ReturnManagement routes (``commercial``), which answer 404 "No route found" when off.

Responses follow the published spec (``adminapi.json``), including ``calculatedTaxes`` as an
object keyed by tax rate, and leave out null fields and unloaded associations.
"""

from __future__ import annotations

import copy
import operator
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from unified_orders import jsonutil
from unified_orders.adapter import Emulator

from . import translate as t

__all__ = ["ShopwareEmulator"]

Result = tuple[int, Any, Mapping[str, str]]
Row = dict[str, Any]

TOKEN_TTL = 600
MAX_LIMIT = 500
BASE_TIME = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
WRITE_TIME = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
CENT = Decimal("0.01")
VERSIONS = {"6.6": "6.6.10.13", "6.7": "6.7.9.1"}

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
COMMERCIAL_ENTITIES = {"order_return", "order_return_line_item", "order_return_line_item_reason"}
SEARCHABLE = {
    "order",
    "order_delivery",
    "order_transaction",
    "order_transaction_capture",
    "order_transaction_capture_refund",
    "state_machine_state",
    "state_machine",
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
REFUND_HANDLERS = {"payment_creditcard"}
"""Payment methods whose (demo) handler supports refunds; it completes them synchronously."""


def _sid(*parts: object) -> str:
    return t.stable_id("sandbox", *parts)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _error(status: int, code: str, detail: str, **extra: Any) -> Result:
    titles = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 406: "Not Acceptable"}
    error: dict[str, Any] = {
        "status": str(status),
        "code": code,
        "title": titles.get(status, "Error"),
        "detail": detail,
        **extra,
    }
    return status, {"errors": [error]}, {}


def _no_route(method: str, path: str) -> Result:
    return _error(404, "0", f'No route found for "{method} {path}"')


_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


def _copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, immutable scalars), without deepcopy's memo."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, str | int | float | Decimal | None):
        return value
    return copy.deepcopy(value)


def _comparable(value: Any) -> Any:
    if isinstance(value, str) and _TIMESTAMP.match(value):
        return t.parse_time(value)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return Decimal(value)
    return value


class ShopwareEmulator(Emulator):
    """A stateful Shopware 6 Admin API (``version`` ``6.6`` or ``6.7``; Commercial on or off)."""

    def __init__(
        self,
        *,
        version: str = "6.7",
        commercial: bool = True,
        client_id: str = "SWIASANDBOXEXAMPLE0000000000",
        client_secret: str = "sandbox-secret-not-a-real-one",
        clock: Callable[[], float] | None = None,
        seed: bool = True,
    ) -> None:
        self._lock = threading.RLock()
        self.clock: Callable[[], float] = clock or time.monotonic
        self.client_id = client_id
        self.client_secret = client_secret
        self.state: dict[str, Any] = {}
        # Derived data, so a search costs O(page) however many orders the shop holds: children
        # by foreign key, and the matching rows of each search (for paging through them). Any
        # write forgets them (``_changed``); a search also notices tables edited from outside.
        self._children: dict[tuple[str, str], dict[Any, list[Row]]] = {}
        self._results: dict[str, list[Row]] = {}
        self._signature: tuple[Any, ...] = ()
        self._reset(version, commercial)
        if seed:
            self._seed_reference()
            self._seed_demo()

    # --- settings and state -----------------------------------------------------------------
    def _reset(self, version: str, commercial: bool) -> None:
        if version not in VERSIONS:
            raise ValueError(f"version must be one of {', '.join(VERSIONS)}")
        self._changed()
        self.state = {
            "version": version,
            "commercial": commercial,
            "tables": {},
            "tokens": {},
            "tick": 0,
            "orders": 0,
            "returns": 0,
            "requests": 0,
        }

    @property
    def version(self) -> str:
        """``6.6`` or ``6.7``: which transaction action set the shop has."""
        return str(self.state["version"])

    @version.setter
    def version(self, value: str) -> None:
        if value not in VERSIONS:
            raise ValueError(f"version must be one of {', '.join(VERSIONS)}")
        with self._lock:
            self.state["version"] = value

    @property
    def commercial(self) -> bool:
        """Whether Commercial ReturnManagement is installed and licensed."""
        return bool(self.state["commercial"])

    @commercial.setter
    def commercial(self, value: bool) -> None:
        with self._lock:
            self.state["commercial"] = value

    def dump_state(self) -> dict[str, Any]:
        """The state as JSON-serialisable data (amounts kept exact inside a JSON string)."""
        with self._lock:
            return {"format": 1, "state": jsonutil.dumps(self.state)}

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace the state with data from :meth:`dump_state`."""
        with self._lock:
            self.state = jsonutil.loads(state["state"])
            self._changed()

    def table(self, entity: str) -> dict[str, Row]:
        """Rows of one entity by id (tests read and arrange state through this)."""
        tables: dict[str, dict[str, Row]] = self.state["tables"]
        return tables.setdefault(entity, {})

    def _now(self) -> str:
        self.state["tick"] += 1
        return _iso(WRITE_TIME + timedelta(seconds=int(self.state["tick"])))

    def _insert(self, entity: str, row: Row) -> Row:
        if entity in VERSIONED:
            row.setdefault("versionId", t.LIVE_VERSION)
        self.table(entity)[str(row["id"])] = row
        self._changed()
        return row

    def _touch(self, entity: str, row_id: str) -> None:
        self.table(entity)[row_id]["updatedAt"] = self._now()
        self._changed()

    def _changed(self) -> None:
        """Forget the derived indexes and cached searches: the state changed."""
        if self._children or self._results:
            self._children = {}
            self._results = {}

    def _check_fresh(self) -> None:
        """Forget derived data when a table was added, replaced or resized from outside."""
        tables: dict[str, dict[str, Row]] = self.state["tables"]
        signature = (
            id(self.state),
            id(tables),
            *((name, id(rows), len(rows)) for name, rows in tables.items()),
        )
        if signature != self._signature:
            self._changed()
            self._signature = signature

    # --- state machines ---------------------------------------------------------------------
    def _machines(self) -> dict[str, tuple[str, list[str], list[t.Transition]]]:
        return t.machine_tables(self.version)

    def state_id(self, machine: str, name: str) -> str:
        """The id of a state (ids are per install: here derived from the names)."""
        return _sid("state", machine, name)

    def _state_row(self, state_id: str) -> Row:
        return self.table("state_machine_state")[state_id]

    # --- seeding ----------------------------------------------------------------------------
    def _seed_reference(self) -> None:
        stamp = _iso(BASE_TIME - timedelta(days=30))
        for machine, (_, states, _) in t.machine_tables("6.7").items():
            machine_id = _sid("machine", machine)
            self._insert(
                "state_machine",
                {"id": machine_id, "technicalName": machine, "name": machine, "createdAt": stamp},
            )
            for name in states:
                self._insert(
                    "state_machine_state",
                    {
                        "id": self.state_id(machine, name),
                        "technicalName": name,
                        "name": name.replace("_", " ").title(),
                        "stateMachineId": machine_id,
                        "createdAt": stamp,
                    },
                )
        rounding = {"decimals": 2, "interval": CENT, "roundForNet": True}
        for iso, symbol, name, factor in (
            ("EUR", "€", "Euro", Decimal(1)),
            ("USD", "$", "US-Dollar", Decimal("1.08")),
        ):
            self._insert(
                "currency",
                {
                    "id": _sid("currency", iso),
                    "isoCode": iso,
                    "factor": factor,
                    "symbol": symbol,
                    "shortName": iso,
                    "name": name,
                    "itemRounding": dict(rounding),
                    "totalRounding": dict(rounding),
                    "createdAt": stamp,
                },
            )
        for iso, iso3, name, subdivisions in (
            ("DE", "DEU", "Germany", [("DE-BE", "Berlin"), ("DE-BY", "Bavaria")]),
            ("US", "USA", "United States", [("US-NY", "New York"), ("US-CA", "California")]),
            ("GB", "GBR", "United Kingdom", []),
        ):
            country_id = _sid("country", iso)
            self._insert(
                "country",
                {
                    "id": country_id,
                    "iso": iso,
                    "iso3": iso3,
                    "name": name,
                    "active": True,
                    "addressFormat": {},
                    "createdAt": stamp,
                },
            )
            for code, state_name in subdivisions:
                self._insert(
                    "country_state",
                    {
                        "id": _sid("country-state", code),
                        "countryId": country_id,
                        "shortCode": code,
                        "name": state_name,
                        "active": True,
                        "createdAt": stamp,
                    },
                )
        for technical, name in (
            ("payment_creditcard", "Credit card (demo PSP)"),
            ("payment_invoice", "Invoice"),
        ):
            self._insert(
                "payment_method",
                {
                    "id": _sid("payment", technical),
                    "technicalName": technical,
                    "name": name,
                    "active": True,
                    "createdAt": stamp,
                },
            )
        self._insert(
            "shipping_method",
            {
                "id": _sid("shipping", "standard"),
                "technicalName": "shipping_standard",
                "name": "Standard",
                "deliveryTimeId": _sid("delivery-time", "1-3"),
                "active": True,
                "createdAt": stamp,
            },
        )
        self._insert(
            "sales_channel",
            {
                "id": _sid("sales-channel", "storefront"),
                "typeId": _sid("sales-channel-type", "storefront"),
                "languageId": "2fbb5fe2e29a4d70aa5854ce7ce3e20b",
                "customerGroupId": _sid("customer-group", "default"),
                "currencyId": _sid("currency", "EUR"),
                "paymentMethodId": _sid("payment", "payment_creditcard"),
                "shippingMethodId": _sid("shipping", "standard"),
                "countryId": _sid("country", "DE"),
                "navigationCategoryId": _sid("category", "home"),
                "accessKey": "SWSCSANDBOXSTOREFRONTEXAMPLE",
                "name": "Storefront",
                "homeEnabled": True,
                "active": True,
                "createdAt": stamp,
            },
        )
        for key in ("damaged", "wrong_item", "other"):
            self._insert(
                "order_return_line_item_reason",
                {
                    "id": _sid("reason", key),
                    "reasonKey": key,
                    "content": key.replace("_", " "),
                    "createdAt": stamp,
                },
            )

    def _seed_demo(self) -> None:
        self.add_order(  # gross, paid by card with a capture, shipped
            tax_status="gross",
            lines=[("T-shirt", 2, "19.99", "19"), ("Coffee mug", 1, "12.50", "19")],
            shipping=("4.99", "19"),
            payment="payment_creditcard",
            transaction_state="paid",
            capture=True,
            delivery_state="shipped",
            order_state="in_progress",
        )
        self.add_order(  # net (B2B), paid by card with a capture, not shipped yet
            tax_status="net",
            lines=[("Standing desk", 1, "250.00", "19"), ("Office chair", 2, "100.00", "19")],
            shipping=("10.00", "19"),
            payment="payment_creditcard",
            transaction_state="paid",
            capture=True,
            delivery_state="open",
            order_state="open",
            company="Example GmbH",
        )
        self.add_order(  # gross, paid by invoice: no capture exists
            tax_status="gross",
            lines=[("Notebook", 3, "4.50", "7")],
            shipping=("3.90", "19"),
            payment="payment_invoice",
            transaction_state="paid",
            capture=False,
            delivery_state="open",
            order_state="open",
        )
        self.add_order(  # gross, unpaid, open
            tax_status="gross",
            lines=[("Poster", 1, "29.00", "19")],
            shipping=("4.99", "19"),
            payment="payment_creditcard",
            transaction_state="open",
            capture=False,
            delivery_state="open",
            order_state="open",
        )
        self.add_order(  # tax-free export order in USD, paid with a capture, shipped, completed
            tax_status="tax-free",
            currency="USD",
            country="US",
            province="US-NY",
            lines=[("Travel bag", 1, "89.00", None), ("Luggage tag", 4, "6.25", None)],
            shipping=("15.00", None),
            payment="payment_creditcard",
            transaction_state="paid",
            capture=True,
            delivery_state="shipped",
            order_state="completed",
        )

    def seed_orders(self, n: int) -> list[str]:
        """Add ``n`` generated orders (deterministic: the same calls give the same orders)."""
        ids = []
        with self._lock:
            for _ in range(n):
                k = int(self.state["orders"]) + 1
                gross = k % 3 != 0
                ids.append(
                    self.add_order(
                        tax_status="gross" if gross else "net",
                        lines=[
                            (
                                f"Generated item {k}-a",
                                1 + k % 3,
                                f"{10 + k % 40}.{k % 100:02d}",
                                "19",
                            ),
                            (f"Generated item {k}-b", 1, f"{5 + k % 7}.50", "7"),
                        ],
                        shipping=("4.99", "19"),
                        payment="payment_creditcard",
                        transaction_state="paid" if k % 4 else "open",
                        capture=bool(k % 4),
                        delivery_state="shipped" if k % 2 else "open",
                        order_state="in_progress" if k % 2 else "open",
                    )
                )
        return ids

    def add_order(
        self,
        *,
        tax_status: str,
        lines: list[tuple[str, int, str, str | None]],
        shipping: tuple[str, str | None],
        payment: str,
        transaction_state: str,
        capture: bool,
        delivery_state: str,
        order_state: str,
        currency: str = "EUR",
        country: str = "DE",
        province: str | None = "DE-BE",
        company: str | None = None,
    ) -> str:
        """Add one order with its lines, address, customer, delivery and payment; returns its id."""
        with self._lock:
            self.state["orders"] += 1
            n = int(self.state["orders"])
            order_id = _sid("order", n)
            created = _iso(BASE_TIME + timedelta(hours=7 * n))
            taxes: dict[str, Decimal] = {}
            position = Decimal(0)
            line_rows = []
            for index, (label, quantity, unit_text, rate_text) in enumerate(lines):
                unit = Decimal(unit_text)
                total = _round(unit * quantity)
                price = self._price(unit, total, quantity, rate_text, tax_status)
                for item in price["calculatedTaxes"].values():
                    key = str(item["taxRate"])
                    taxes[key] = taxes.get(key, Decimal(0)) + item["tax"]
                position += total
                line_id = _sid("line", n, index)
                line_rows.append(
                    {
                        "id": line_id,
                        "orderId": order_id,
                        "identifier": _sid("product", label),
                        "referencedId": _sid("product", label),
                        "productId": _sid("product", label),
                        "quantity": quantity,
                        "label": label,
                        "type": "product",
                        "good": True,
                        "removable": True,
                        "stackable": True,
                        "position": index + 1,
                        "price": price,
                        "unitPrice": unit,
                        "totalPrice": total,
                        "payload": {"productNumber": f"SW{n:03d}{index:02d}"},
                        "states": ["is-physical"],
                        "children": [],
                        "createdAt": created,
                    }
                )
            ship_amount, ship_rate = Decimal(shipping[0]), shipping[1]
            ship_price = self._price(ship_amount, ship_amount, 1, ship_rate, tax_status)
            for item in ship_price["calculatedTaxes"].values():
                key = str(item["taxRate"])
                taxes[key] = taxes.get(key, Decimal(0)) + item["tax"]
            tax_sum = sum(taxes.values(), Decimal(0))
            if tax_status == "gross":
                total = position + ship_amount
                net = total - tax_sum
            elif tax_status == "net":
                net = position + ship_amount
                total = net + tax_sum
            else:
                total = net = position + ship_amount
            cart_taxes = {
                rate: {"tax": amount, "taxRate": Decimal(rate), "price": total}
                for rate, amount in taxes.items()
            }
            address_id = _sid("address", n)
            self._insert(
                "order_address",
                {
                    "id": address_id,
                    "orderId": order_id,
                    "countryId": _sid("country", country),
                    **({"countryStateId": _sid("country-state", province)} if province else {}),
                    "firstName": "Jane",
                    "lastName": "Doe",
                    "street": f"{n} Example Street",
                    "zipcode": "10115" if country == "DE" else "10001",
                    "city": "Berlin" if country == "DE" else "New York",
                    **({"company": company} if company else {}),
                    "createdAt": created,
                },
            )
            self._insert(
                "order_customer",
                {
                    "id": _sid("customer", n),
                    "orderId": order_id,
                    "email": f"jane.doe+{n}@example.com",
                    "firstName": "Jane",
                    "lastName": "Doe",
                    "customerNumber": f"{20000 + n}",
                    "createdAt": created,
                },
            )
            for row in line_rows:
                self._insert("order_line_item", row)
            delivery_id = _sid("delivery", n)
            self._insert(
                "order_delivery",
                {
                    "id": delivery_id,
                    "orderId": order_id,
                    "shippingOrderAddressId": address_id,
                    "shippingMethodId": _sid("shipping", "standard"),
                    "stateId": self.state_id(t.DELIVERY_MACHINE, delivery_state),
                    "trackingCodes": [],
                    "shippingDateEarliest": created,
                    "shippingDateLatest": created,
                    "shippingCosts": ship_price,
                    "createdAt": created,
                },
            )
            for index, row in enumerate(line_rows):
                self._insert(
                    "order_delivery_position",
                    {
                        "id": _sid("position", n, index),
                        "orderDeliveryId": delivery_id,
                        "orderLineItemId": row["id"],
                        "quantity": row["quantity"],
                        "unitPrice": row["unitPrice"],
                        "totalPrice": row["totalPrice"],
                        "price": row["price"],
                        "createdAt": created,
                    },
                )
            transaction_id = _sid("transaction", n)
            amount = {
                "unitPrice": total,
                "totalPrice": total,
                "quantity": 1,
                "calculatedTaxes": copy.deepcopy(cart_taxes),
                "taxRules": {},
            }
            self._insert(
                "order_transaction",
                {
                    "id": transaction_id,
                    "orderId": order_id,
                    "paymentMethodId": _sid("payment", payment),
                    "amount": amount,
                    "stateId": self.state_id(t.TRANSACTION_MACHINE, transaction_state),
                    "createdAt": created,
                },
            )
            if capture:
                self._insert(
                    "order_transaction_capture",
                    {
                        "id": _sid("capture", n),
                        "orderTransactionId": transaction_id,
                        "orderTransactionVersionId": t.LIVE_VERSION,
                        "stateId": self.state_id(t.CAPTURE_MACHINE, "completed"),
                        "externalReference": f"demo-psp-capture-{n}",
                        "amount": copy.deepcopy(amount),
                        "createdAt": created,
                    },
                )
            order_row: Row = {
                "id": order_id,
                "orderNumber": str(10000 + n),
                "billingAddressId": address_id,
                "billingAddressVersionId": t.LIVE_VERSION,
                "currencyId": _sid("currency", currency),
                "languageId": "2fbb5fe2e29a4d70aa5854ce7ce3e20b",
                "salesChannelId": _sid("sales-channel", "storefront"),
                "orderDateTime": created,
                "price": {
                    "netPrice": net,
                    "totalPrice": total,
                    "calculatedTaxes": cart_taxes,
                    "taxRules": {},
                    "positionPrice": position,
                    "rawTotal": total,
                    "taxStatus": tax_status,
                },
                "amountTotal": total,
                "amountNet": net,
                "positionPrice": position,
                "taxStatus": tax_status,
                "shippingCosts": ship_price,
                "shippingTotal": ship_amount,
                "currencyFactor": Decimal(1),
                "stateId": self.state_id(t.ORDER_MACHINE, order_state),
                "itemRounding": {"decimals": 2, "interval": CENT, "roundForNet": True},
                "totalRounding": {"decimals": 2, "interval": CENT, "roundForNet": True},
                "createdAt": created,
            }
            if self.version == "6.7":
                order_row["primaryOrderDeliveryId"] = delivery_id
                order_row["primaryOrderTransactionId"] = transaction_id
            self._insert("order", order_row)
            return order_id

    @staticmethod
    def _price(
        unit: Decimal, total: Decimal, quantity: int, rate_text: str | None, tax_status: str
    ) -> Row:
        taxes: dict[str, Any] = {}
        rules: dict[str, Any] = {}
        if rate_text is not None and tax_status != "tax-free":
            rate = Decimal(rate_text)
            if tax_status == "gross":
                tax = _round(total - total / (1 + rate / 100))
            else:
                tax = _round(total * rate / 100)
            taxes[rate_text] = {"tax": tax, "taxRate": rate, "price": total}
            rules[rate_text] = {"taxRate": rate, "percentage": Decimal(100)}
        return {
            "unitPrice": unit,
            "totalPrice": total,
            "quantity": quantity,
            "calculatedTaxes": taxes,
            "taxRules": rules,
        }

    # --- rendering and criteria -------------------------------------------------------------
    def _related(self, entity: str, row: Row, name: str) -> tuple[str, list[Row], bool] | None:
        relation = RELATIONS.get(entity, {}).get(name)
        if relation is None:
            return None
        kind, other, field = relation
        rows = self.table(other)
        if kind == ONE:
            target = rows.get(str(row.get(field)))
            return other, [target] if target is not None else [], False
        found = self._children_by(other, field).get(row["id"], [])
        return other, list(found), kind == MANY

    def _children_by(self, entity: str, field: str) -> dict[Any, list[Row]]:
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

    def _values(self, entity: str, row: Row, path: str) -> list[Any]:
        head, _, rest = path.partition(".")
        related = self._related(entity, row, head)
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
            values.extend(self._values(other, item, rest))
        return values

    def _match(self, entity: str, row: Row, query: Mapping[str, Any]) -> bool:
        kind = query.get("type")
        if kind in ("multi", "not"):
            results = [self._match(entity, row, q) for q in query.get("queries") or []]
            mode = str(query.get("operator") or "and").lower()
            if mode == "or":
                outcome = any(results)
            elif mode == "nor":
                outcome = not any(results)
            elif mode == "nand":
                outcome = not all(results)
            else:
                outcome = all(results)
            return not outcome if kind == "not" and mode in ("and", "or") else outcome
        values = self._values(entity, row, str(query.get("field")))
        wanted = query.get("value")
        if kind == "equals":
            if wanted is None:
                return all(v is None for v in values)
            return any(v is not None and str(v) == str(wanted) for v in values)
        if kind == "equalsAny":
            options = wanted if isinstance(wanted, list) else str(wanted).split("|")
            return any(v is not None and str(v) in {str(o) for o in options} for v in values)
        if kind in ("contains", "prefix", "suffix"):
            needle = str(wanted).lower()
            texts = [v.lower() for v in values if isinstance(v, str)]
            if kind == "contains":
                return any(needle in text for text in texts)
            if kind == "prefix":
                return any(text.startswith(needle) for text in texts)
            return any(text.endswith(needle) for text in texts)
        if kind == "range":
            parameters = query.get("parameters") or {}
            compare: dict[str, Callable[[Any, Any], bool]] = {
                "gte": operator.ge,
                "gt": operator.gt,
                "lte": operator.le,
                "lt": operator.lt,
            }
            for value in values:
                if value is None:
                    continue
                left = _comparable(value)
                if all(compare[op](left, _comparable(b)) for op, b in parameters.items()):
                    return True
            return False
        raise ValueError(f"unsupported filter type {kind!r}")

    def _render(self, entity: str, row: Row, associations: Mapping[str, Any] | None) -> Row:
        out = {key: _copy(value) for key, value in row.items() if value is not None}
        for name, criteria in (associations or {}).items():
            related = self._related(entity, row, name)
            if related is None:
                continue
            other, rows, many = related
            nested = (criteria or {}).get("associations") if isinstance(criteria, Mapping) else None
            rendered = [self._render(other, item, nested) for item in rows]
            if many:
                out[name] = rendered
            elif rendered:
                out[name] = rendered[0]
        return out

    def _sort_key(self, entity: str, row: Row, field: str) -> tuple[int, str]:
        values = self._values(entity, row, field)
        value = values[0] if values else None
        return (1, "") if value is None else (0, str(value))

    def search(self, entity: str, criteria: Mapping[str, Any]) -> Result:
        """``POST /api/search/{entity}`` over the stored rows."""
        limit = criteria.get("limit")
        if isinstance(limit, int) and limit > MAX_LIMIT:
            return _error(
                400,
                "FRAMEWORK__QUERY_LIMIT_EXCEEDED",
                f"The limit must be lower than or equal to {MAX_LIMIT} (was {limit}).",
            )
        self._check_fresh()
        ids = criteria.get("ids")
        # Paging through one search re-sends the same criteria: the matching rows are kept
        # (until the next write) so each page costs O(page), not a scan and sort of the table.
        cache_key = (
            None
            if ids is not None
            else repr(
                (
                    entity,
                    criteria.get("filter"),
                    criteria.get("post-filter"),
                    criteria.get("sort"),
                )
            )
        )
        cached = self._results.get(cache_key) if cache_key is not None else None
        if cached is not None:
            rows = cached
        else:
            table = self.table(entity)
            if ids is not None:
                wanted = set(ids) if table else set()
                if all(isinstance(i, str) for i in wanted):
                    # a str id is its row's key (``_insert``): look the rows up directly
                    rows = [table[i] for i in wanted if i in table and table[i]["id"] == i]
                else:
                    rows = [r for r in table.values() if r["id"] in wanted]
            else:
                rows = list(table.values())
            try:
                for query in [
                    *(criteria.get("filter") or []),
                    *(criteria.get("post-filter") or []),
                ]:
                    rows = [r for r in rows if self._match(entity, r, query)]
            except ValueError as error:
                return _error(400, "FRAMEWORK__INVALID_FILTER_QUERY", str(error))
            rows.sort(key=lambda r: r["id"])
            for sort in reversed(criteria.get("sort") or []):
                field = str(sort["field"])

                def key(row: Row, field: str = field) -> tuple[int, str]:
                    return self._sort_key(entity, row, field)

                rows.sort(key=key, reverse=str(sort.get("order") or "ASC").upper() == "DESC")
            if cache_key is not None:
                self._results[cache_key] = rows
        total = len(rows)
        page = int(criteria.get("page") or 1)
        size = int(limit) if isinstance(limit, int) else MAX_LIMIT
        chosen = rows[(page - 1) * size : page * size]
        associations = criteria.get("associations") or {}
        data = [self._render(entity, r, associations) for r in chosen]
        mode = criteria.get("total-count-mode")
        return 200, {"total": total if mode in ("exact", 1) else len(data), "data": data}, {}

    # --- transitions ------------------------------------------------------------------------
    def available(self, entity: str, entity_id: str) -> Result:
        """``GET /api/_action/state-machine/{entity}/{id}/state``."""
        machine, current, error = self._stateful(entity, entity_id)
        if error is not None:
            return error
        transitions = [
            {
                "name": self._state_row(self.state_id(machine, to))["name"],
                "technicalName": to,
                "actionName": action,
                "fromStateName": current,
                "toStateName": to,
                "url": f"/api/_action/state-machine/{entity}/{entity_id}/state/{action}",
            }
            for action, source, to in self._machines()[machine][2]
            if source == current
        ]
        return 200, {"transitions": transitions}, {}

    def _stateful(self, entity: str, entity_id: str) -> tuple[str, str, Result | None]:
        machine = t.ENTITY_MACHINES.get(entity)
        if machine is None or (entity in COMMERCIAL_ENTITIES and not self.commercial):
            return (
                "",
                "",
                _error(
                    400,
                    "SYSTEM__STATE_MACHINE_INVALID_ENTITY_ID",
                    f"The entity {entity} has no state machine.",
                ),
            )
        row = self.table(entity).get(entity_id)
        if row is None:
            return (
                "",
                "",
                _error(
                    404,
                    "FRAMEWORK__ENTITY_NOT_FOUND",
                    f'Could not find entity for "{entity}" with id "{entity_id}".',
                ),
            )
        return machine, str(self._state_row(str(row["stateId"]))["technicalName"]), None

    def transition(self, entity: str, entity_id: str, action: str) -> Result:
        """Apply ``action`` the way ``StateMachineRegistry::transition`` does."""
        machine, current, error = self._stateful(entity, entity_id)
        if error is not None:
            return error
        transitions = self._machines()[machine][2]
        current_id = self.state_id(machine, current)
        if any(a == action and to == current for a, _, to in transitions):
            return 200, self._render("state_machine_state", self._state_row(current_id), None), {}
        targets = [to for a, source, to in transitions if a == action and source == current]
        if not targets and self.version == "6.6" and action == "cancel":
            targets = [to for a, _, to in transitions if a == "cancel"][:1]
        if not targets:
            possible = sorted({a for a, source, _ in transitions if source == current})
            return _error(
                400,
                "SYSTEM__ILLEGAL_STATE_TRANSITION",
                f'Illegal transition "{action}" from state "{current_id}". Possible transitions '
                f"are: {', '.join(possible)}",
                meta={
                    "parameters": {
                        "transition": action,
                        "currentState": current_id,
                        "possibleTransitions": possible,
                    }
                },
            )
        row = self.table(entity)[entity_id]
        row["stateId"] = self.state_id(machine, targets[0])
        self._touch(entity, entity_id)
        return 200, self._render("state_machine_state", self._state_row(row["stateId"]), None), {}

    # --- HTTP ---------------------------------------------------------------------------------
    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> Result:
        """Answer one Admin API request."""
        with self._lock:
            self.state["requests"] += 1
            if not path.startswith("/api/"):
                return _no_route(method, path)
            route = path[len("/api/") :].rstrip("/")
            if method == "POST" and route == "oauth/token":
                return self._token(body)
            if "application/json" not in headers.get("accept", ""):
                return _error(406, "0", "This adapter sandbox answers Accept: application/json")
            denied = self._authorize(headers)
            if denied is not None:
                return denied
            if method == "GET" or route.startswith("search/"):
                return self._dispatch(method, route, body if body is not None else {})
            self._changed()
            try:
                return self._dispatch(method, route, body if body is not None else {})
            finally:
                self._changed()

    def _token(self, body: Any) -> Result:
        body = body if isinstance(body, Mapping) else {}
        if body.get("grant_type") != "client_credentials":
            return _error(400, "FRAMEWORK__OAUTH_UNSUPPORTED_GRANT", "Use client_credentials.")
        if (
            body.get("client_id") != self.client_id
            or body.get("client_secret") != self.client_secret
        ):
            return _error(
                401,
                "10",
                "Client authentication failed",
                title="The user credentials were incorrect.",
            )
        tokens: dict[str, float] = self.state["tokens"]
        token = f"sandbox-access-{len(tokens) + 1:04d}"
        tokens[token] = self.clock() + TOKEN_TTL
        return 200, {"token_type": "Bearer", "expires_in": TOKEN_TTL, "access_token": token}, {}

    def _authorize(self, headers: Mapping[str, str]) -> Result | None:
        value = headers.get("authorization", "")
        token = value[len("Bearer ") :] if value.startswith("Bearer ") else ""
        expiry = self.state["tokens"].get(token)
        if expiry is None or self.clock() >= float(expiry):
            return _error(401, "9", "Access token could not be verified.")
        return None

    def _dispatch(self, method: str, route: str, body: Any) -> Result:
        parts = route.split("/")
        if method == "GET" and route == "_info/version":
            return 200, {"version": VERSIONS[self.version]}, {}
        if method == "POST" and len(parts) == 2 and parts[0] == "search":
            entity = parts[1].replace("-", "_")
            if entity not in SEARCHABLE or (entity in COMMERCIAL_ENTITIES and not self.commercial):
                return _no_route(method, f"/api/{route}")
            return self.search(entity, body)
        if parts[0] == "_action" and len(parts) >= 5 and parts[1] == "state-machine":
            entity, entity_id = parts[2], parts[3]
            if entity in COMMERCIAL_ENTITIES and not self.commercial:
                return _no_route(method, f"/api/{route}")
            if method == "GET" and len(parts) == 5 and parts[4] == "state":
                return self.available(entity, entity_id)
            if method == "POST" and len(parts) == 6 and parts[4] == "state":
                return self.transition(entity, entity_id, parts[5])
        if (
            method == "POST"
            and len(parts) == 5
            and parts[0] == "_action"
            and parts[1] in ("order", "order_delivery", "order_transaction")
            and parts[3] == "state"
        ):
            return self.transition(parts[1], parts[2], parts[4])
        if method == "POST" and route == "order":
            return self._create_order(body)
        if method == "POST" and route == "order-address":
            return self._create_address(body)
        if (
            method == "PATCH"
            and len(parts) == 2
            and parts[0] in ("order-address", "order-delivery")
        ):
            return self._patch(parts[0].replace("-", "_"), parts[1], body)
        if method == "POST" and route == "order-transaction-capture-refund":
            return self._create_refund(body)
        if (
            method == "POST"
            and len(parts) == 3
            and parts[:2]
            == [
                "_action",
                "order_transaction_capture_refund",
            ]
        ):
            return self._process_refund(parts[2])
        if self.commercial:
            if (
                method == "POST"
                and len(parts) == 4
                and parts[0] == "_proxy"
                and parts[3] == "return"
            ):
                return self._create_return(parts[2], body)
            if (
                method == "POST"
                and len(parts) == 6
                and parts[:2] == ["_action", "order"]
                and parts[3] == "order-return"
                and parts[5] == "add-items"
            ):
                return self._add_items(parts[2], parts[4], body)
            if method == "POST" and len(parts) == 5 and parts[:3] == ["_action", "order", "return"]:
                return self._calculate_return(parts[3])
            if (
                method == "POST"
                and len(parts) == 4
                and parts[:3]
                == [
                    "_action",
                    "order-return-line-item",
                    "state",
                ]
            ):
                return self._return_item_state(parts[3], body)
        return _no_route(method, f"/api/{route}")

    # --- writes -------------------------------------------------------------------------------
    @staticmethod
    def _violations(
        entity: str, row: Mapping[str, Any], required: Iterable[str], at: str
    ) -> list[Row]:
        errors = []
        for field in required:
            if row.get(field) in (None, ""):
                errors.append(
                    {
                        "status": "400",
                        "code": "VIOLATION::IS_BLANK_ERROR",
                        "title": "Bad Request",
                        "detail": "This value should not be blank.",
                        "source": {"pointer": f"{at}/{field}"},
                    }
                )
        for field, value in row.items():
            if (field == "id" or field.endswith("Id")) and (
                isinstance(value, str) and not t.is_id(value)
            ):
                errors.append(
                    {
                        "status": "400",
                        "code": "FRAMEWORK__INVALID_UUID",
                        "title": "Bad Request",
                        "detail": f'Value "{value}" is not a valid uuid.',
                        "source": {"pointer": f"{at}/{field}"},
                    }
                )
        return errors

    def _check_state(self, machine: str, state_id: Any, at: str) -> list[Row]:
        row = self.table("state_machine_state").get(str(state_id))
        if row is not None and row["stateMachineId"] == _sid("machine", machine):
            return []
        return [
            {
                "status": "400",
                "code": "FRAMEWORK__WRITE_CONSTRAINT_VIOLATION",
                "title": "Bad Request",
                "detail": f"The state {state_id} is not a state of {machine}.",
                "source": {"pointer": f"{at}/stateId"},
            }
        ]

    def _exists(self, entity: str, row_id: Any) -> Result | None:
        if str(row_id) in self.table(entity):
            # INFERRED: the DAL refuses to insert over an existing id (insert command expected).
            return _error(
                400,
                "FRAMEWORK__WRITE_TYPE_INTEND_ERROR",
                f'Expected command for "{entity}" to be "InsertCommand". Got "UpdateCommand".',
            )
        return None

    def _create_order(self, body: Mapping[str, Any]) -> Result:
        required = [
            "id",
            "billingAddressId",
            "currencyId",
            "languageId",
            "salesChannelId",
            "orderDateTime",
            "currencyFactor",
            "stateId",
            "itemRounding",
            "totalRounding",
        ]
        errors = self._violations("order", body, required, "")
        errors += self._check_state(t.ORDER_MACHINE, body.get("stateId"), "")
        for index, item in enumerate(body.get("deliveries") or []):
            errors += self._check_state(
                t.DELIVERY_MACHINE, item.get("stateId"), f"/deliveries/{index}"
            )
        for index, item in enumerate(body.get("transactions") or []):
            errors += self._check_state(
                t.TRANSACTION_MACHINE, item.get("stateId"), f"/transactions/{index}"
            )
        if body.get("currencyId") not in self.table("currency"):
            errors.append(
                {
                    "status": "400",
                    "code": "FRAMEWORK__WRITE_CONSTRAINT_VIOLATION",
                    "title": "Bad Request",
                    "detail": "Unknown currency.",
                    "source": {"pointer": "/currencyId"},
                }
            )
        if self.version == "6.6":
            for field in ("primaryOrderDeliveryId", "primaryOrderTransactionId"):
                if field in body:
                    errors.append(
                        {
                            "status": "400",
                            "code": "FRAMEWORK__WRITE_UNEXPECTED_FIELD_ERROR",
                            "title": "Bad Request",
                            "detail": f'Unexpected field "{field}".',
                            "source": {"pointer": f"/{field}"},
                        }
                    )
        if errors:
            return 400, {"errors": errors}, {}
        duplicate = self._exists("order", body["id"])
        if duplicate is not None:
            return duplicate
        now = self._now()
        order_id = str(body["id"])
        nested = {
            "addresses": "order_address",
            "lineItems": "order_line_item",
            "deliveries": "order_delivery",
            "transactions": "order_transaction",
        }
        row = {
            k: copy.deepcopy(v) for k, v in body.items() if k not in nested and k != "orderCustomer"
        }
        price = row.get("price") or {}
        row.update(
            {
                "amountTotal": price.get("totalPrice"),
                "amountNet": price.get("netPrice"),
                "positionPrice": price.get("positionPrice"),
                "taxStatus": price.get("taxStatus"),
                "shippingTotal": (row.get("shippingCosts") or {}).get("totalPrice"),
                "createdAt": now,
            }
        )
        self._insert("order", row)
        if body.get("orderCustomer"):
            self._insert(
                "order_customer",
                {**copy.deepcopy(body["orderCustomer"]), "orderId": order_id, "createdAt": now},
            )
        for key, entity in nested.items():
            for item in body.get(key) or []:
                child = {k: copy.deepcopy(v) for k, v in item.items() if k != "positions"}
                child.update({"orderId": order_id, "createdAt": now})
                self._insert(entity, child)
                for position in item.get("positions") or []:
                    self._insert(
                        "order_delivery_position",
                        {
                            **copy.deepcopy(position),
                            "orderDeliveryId": item["id"],
                            "createdAt": now,
                        },
                    )
        self.state["orders"] += 1
        return 204, None, {"location": f"/api/order/{order_id}"}

    def _create_address(self, body: Mapping[str, Any]) -> Result:
        required = ["id", "countryId", "orderId", "firstName", "lastName", "street", "city"]
        errors = self._violations("order_address", body, required, "")
        if errors:
            return 400, {"errors": errors}, {}
        duplicate = self._exists("order_address", body["id"])
        if duplicate is not None:
            return duplicate
        self._insert("order_address", {**copy.deepcopy(dict(body)), "createdAt": self._now()})
        return 204, None, {"location": f"/api/order-address/{body['id']}"}

    def _patch(self, entity: str, row_id: str, body: Mapping[str, Any]) -> Result:
        row = self.table(entity).get(row_id)
        if row is None:
            return _error(
                404,
                "FRAMEWORK__RESOURCE_NOT_FOUND",
                f"The {entity} resource with the following primary key was not found: id({row_id})",
            )
        if "stateId" in body:
            return _error(
                400,
                "SYSTEM__STATE_MACHINE_INVALID_STATE_FIELD",
                "Changing the state-machine-state of this entity is not allowed for scope "
                "user. Either change the state-machine-state via a state-transition or use a "
                "different scope.",
            )
        errors = self._violations(entity, {**row, **body}, [], "")
        if (
            entity == "order_delivery"
            and "shippingOrderAddressId" in body
            and body["shippingOrderAddressId"] not in self.table("order_address")
        ):
            errors.append(
                {
                    "status": "400",
                    "code": "FRAMEWORK__WRITE_CONSTRAINT_VIOLATION",
                    "title": "Bad Request",
                    "detail": "Unknown order address.",
                    "source": {"pointer": "/shippingOrderAddressId"},
                }
            )
        if errors:
            return 400, {"errors": errors}, {}
        row.update(copy.deepcopy(dict(body)))
        self._touch(entity, row_id)
        return 204, None, {}

    def _create_refund(self, body: Mapping[str, Any]) -> Result:
        errors = self._violations(
            "order_transaction_capture_refund", body, ["id", "captureId", "stateId", "amount"], ""
        )
        errors += self._check_state(t.REFUND_MACHINE, body.get("stateId"), "")
        capture = self.table("order_transaction_capture").get(str(body.get("captureId")))
        if capture is None and not errors:
            errors.append(
                {
                    "status": "400",
                    "code": "FRAMEWORK__WRITE_CONSTRAINT_VIOLATION",
                    "title": "Bad Request",
                    "detail": "Unknown capture.",
                    "source": {"pointer": "/captureId"},
                }
            )
        if capture is not None:
            txn = self.table("order_transaction")[capture["orderTransactionId"]]
            lines = {
                r["id"]: r
                for r in self.table("order_line_item").values()
                if r["orderId"] == txn["orderId"]
            }
            for index, position in enumerate(body.get("positions") or []):
                line = lines.get(str(position.get("orderLineItemId")))
                if line is None:
                    errors.append(
                        {
                            "status": "400",
                            "code": "FRAMEWORK__WRITE_CONSTRAINT_VIOLATION",
                            "title": "Bad Request",
                            "detail": "The line item is not part of the captured order.",
                            "source": {"pointer": f"/positions/{index}/orderLineItemId"},
                        }
                    )
        if errors:
            return 400, {"errors": errors}, {}
        duplicate = self._exists("order_transaction_capture_refund", body["id"])
        if duplicate is not None:
            return duplicate
        now = self._now()
        row = {k: copy.deepcopy(v) for k, v in body.items() if k != "positions"}
        row.update({"captureVersionId": t.LIVE_VERSION, "createdAt": now})
        self._insert("order_transaction_capture_refund", row)
        for position in body.get("positions") or []:
            self._insert(
                "order_transaction_capture_refund_position",
                {
                    **copy.deepcopy(position),
                    "refundId": body["id"],
                    "refundVersionId": t.LIVE_VERSION,
                    "orderLineItemVersionId": t.LIVE_VERSION,
                    "createdAt": now,
                },
            )
        return 204, None, {"location": f"/api/order-transaction-capture-refund/{body['id']}"}

    def _process_refund(self, refund_id: str) -> Result:
        refund = self.table("order_transaction_capture_refund").get(refund_id)
        if refund is None:
            # shopware.md 2.5: the spec says 404, the code answers 400.
            return _error(400, "CHECKOUT__REFUND_UNKNOWN_ERROR", f"Refund {refund_id} not found.")
        state = self._state_row(str(refund["stateId"]))["technicalName"]
        if state != "open":
            return _error(
                400,
                "CHECKOUT__REFUND_INVALID_TRANSITION_ERROR",
                f"The Refund process failed with following exception: Can not process refund "
                f"with id {refund_id} as refund has state {state}.",
            )
        capture = self.table("order_transaction_capture")[refund["captureId"]]
        txn = self.table("order_transaction")[capture["orderTransactionId"]]
        method = self.table("payment_method")[txn["paymentMethodId"]]
        if method["technicalName"] not in REFUND_HANDLERS:
            return _error(
                400,
                "CHECKOUT__REFUND_UNKNOWN_HANDLER_ERROR",
                f"The Refund process failed with following exception: Unknown refund handler "
                f"for payment method {method['technicalName']}.",
            )
        # The demo PSP handler refunds at once and completes the refund (process, complete).
        for action in ("process", "complete"):
            self.transition("order_transaction_capture_refund", refund_id, action)
        return 204, None, {}

    # --- Commercial returns ---------------------------------------------------------------------
    def _returned_so_far(self, line_id: str) -> int:
        cancelled = self.state_id(t.RETURN_MACHINE, "cancelled")
        returns = self.table("order_return")
        return sum(
            int(item["quantity"])
            for item in self.table("order_return_line_item").values()
            if item["orderLineItemId"] == line_id
            and returns[item["orderReturnId"]]["stateId"] != cancelled
        )

    def _return_items(
        self, order_id: str, return_id: str, items: list[Mapping[str, Any]], key: str
    ) -> list[Row] | Result:
        lines = {
            r["id"]: r for r in self.table("order_line_item").values() if r["orderId"] == order_id
        }
        existing = {
            i["orderLineItemId"]
            for i in self.table("order_return_line_item").values()
            if i["orderReturnId"] == return_id
        }
        rows: list[Row] = []
        for index, item in enumerate(items):
            line = lines.get(str(item.get("orderLineItemId")))
            quantity = int(item.get("quantity") or 0)
            if line is None or line.get("type") not in t.RETURNABLE_LINE_TYPES:
                return _error(
                    400,
                    "CHECKOUT__ORDER_LINE_ITEM_NOT_RETURNABLE",
                    "This order line item cannot be returned.",
                    source={"pointer": f"/{key}/{index}/orderLineItemId"},
                )
            if line["id"] in existing:
                return _error(
                    400,
                    "RETURN_MANAGEMENT__LINE_ITEM_ALREADY_IN_RETURN",
                    "This order line item is already part of the return.",
                    source={"pointer": f"/{key}/{index}/orderLineItemId"},
                )
            if quantity < 1 or quantity + self._returned_so_far(line["id"]) > int(line["quantity"]):
                return _error(
                    400,
                    "RETURN_MANAGEMENT__QUANTITY_EXCEEDED",
                    "The quantity is greater than the quantity that can be returned.",
                    source={"pointer": f"/{key}/{index}/quantity"},
                )
            price = line["price"]
            share = Decimal(quantity) / Decimal(int(line["quantity"]))
            taxes = {
                rate: {
                    "tax": _round(t.dec(tax["tax"]) * share),
                    "taxRate": t.dec(tax["taxRate"]),
                    "price": _round(t.dec(tax["price"]) * share),
                }
                for rate, tax in (price.get("calculatedTaxes") or {}).items()
            }
            total = _round(t.dec(price["totalPrice"]) * share)
            row = {
                "id": _sid("return-item", return_id, line["id"]),
                "orderReturnId": return_id,
                "orderLineItemId": line["id"],
                "orderLineItemVersionId": t.LIVE_VERSION,
                "reasonId": _sid("reason", "other"),
                "quantity": quantity,
                "price": {
                    "unitPrice": t.dec(price["unitPrice"]),
                    "totalPrice": total,
                    "quantity": quantity,
                    "calculatedTaxes": taxes,
                    "taxRules": copy.deepcopy(price.get("taxRules") or {}),
                },
                "refundAmount": total,
                "restockQuantity": 0,
                "stateId": self.state_id(t.LINE_ITEM_MACHINE, "return_requested"),
                "createdAt": self._now(),
            }
            if item.get("internalComment"):
                row["internalComment"] = item["internalComment"]
            rows.append(row)
        return rows

    def _recalculate(self, return_id: str) -> None:
        ret = self.table("order_return")[return_id]
        order = self.table("order")[ret["orderId"]]
        items = [
            i
            for i in self.table("order_return_line_item").values()
            if i["orderReturnId"] == return_id
        ]
        total = sum((t.dec(i["price"]["totalPrice"]) for i in items), Decimal(0))
        tax = sum((t.tax_total(i["price"]) for i in items), Decimal(0))
        status = order["price"]["taxStatus"]
        gross = total if status != "net" else total + tax
        net = gross - tax if status != "tax-free" else gross
        ret["price"] = {
            "netPrice": net,
            "totalPrice": gross,
            "calculatedTaxes": {},
            "taxRules": {},
            "positionPrice": total,
            "rawTotal": gross,
            "taxStatus": status,
        }
        ret["amountTotal"] = gross
        ret["amountNet"] = net

    def _create_return(self, order_id: str, body: Mapping[str, Any]) -> Result:
        if order_id not in self.table("order"):
            return _error(
                404, "CHECKOUT__ORDER_NOT_FOUND", f'Order with id "{order_id}" not found.'
            )
        items = list(body.get("lineItems") or [])
        if not items:
            return _error(
                400,
                "VIOLATION::IS_BLANK_ERROR",
                "This value should not be blank.",
                source={"pointer": "/lineItems"},
            )
        self.state["returns"] += 1
        number = int(self.state["returns"])
        return_id = _sid("return", number)
        rows = self._return_items(order_id, return_id, items, "lineItems")
        if isinstance(rows, tuple):
            self.state["returns"] -= 1
            return rows
        now = self._now()
        ret: Row = {
            "id": return_id,
            "orderId": order_id,
            "orderVersionId": t.LIVE_VERSION,
            "stateId": self.state_id(t.RETURN_MACHINE, "open"),
            "returnNumber": f"RET-{10000 + number}",
            "requestedAt": now,
            "createdAt": now,
        }
        if body.get("internalComment"):
            ret["internalComment"] = body["internalComment"]
        self._insert("order_return", ret)
        for row in rows:
            self._insert("order_return_line_item", row)
        self._recalculate(return_id)
        # INFERRED: the proxied Store-API route answers with the created return.
        return 200, self._render("order_return", ret, t.RETURN_ASSOCIATIONS), {}

    def _add_items(self, order_id: str, return_id: str, body: Mapping[str, Any]) -> Result:
        ret = self.table("order_return").get(return_id)
        if ret is None or ret["orderId"] != order_id:
            return _error(
                404, "RETURN_MANAGEMENT__RETURN_NOT_FOUND", f"Return {return_id} not found."
            )
        rows = self._return_items(
            order_id, return_id, list(body.get("orderLineItems") or []), "orderLineItems"
        )
        if isinstance(rows, tuple):
            return rows
        for row in rows:
            self._insert("order_return_line_item", row)
        self._touch("order_return", return_id)
        return 204, None, {}

    def _calculate_return(self, return_id: str) -> Result:
        if return_id not in self.table("order_return"):
            return _error(
                404, "RETURN_MANAGEMENT__RETURN_NOT_FOUND", f"Return {return_id} not found."
            )
        self._recalculate(return_id)
        return 204, None, {}

    def _return_item_state(self, to_state: str, body: Mapping[str, Any]) -> Result:
        if to_state not in ("returned", "returned_partially", "return_requested"):
            return _error(
                400,
                "RETURN_MANAGEMENT__INVALID_STATE",
                f"State {to_state} is not allowed for return items.",
            )
        items = self.table("order_return_line_item")
        for item_id in body.get("ids") or []:
            if item_id in items:
                items[item_id]["stateId"] = self.state_id(t.LINE_ITEM_MACHINE, to_state)
                self._touch("order_return_line_item", item_id)
        return 204, None, {}
