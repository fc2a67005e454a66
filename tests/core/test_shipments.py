"""The core rules of shipping on a tiny depot platform: input refused before any request, units
never above what is left (nor widened), exactly once (found by key where the platform keeps one,
never adopted where it does not), tracking limits, cancels and tracking updates settled by
re-reading, and shipments of one order never side by side."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from toy_ledger import ANY_RESTOCK

import unified_orders as uo
from unified_orders.adapter import FulfillmentOptions, Op, Request
from unified_orders.http import Fault, FaultInjectingTransport, SyncDriver, emulator_transport
from unified_orders.store import Store

UPS = uo.Tracking(company="UPS", number="1Z1")


class Depot(uo.Emulator):
    """One order of four units on one fulfillment order. Like a careless platform, it ships
    whatever it is asked: only the core stands between a caller and an over-shipment."""

    def __init__(self) -> None:
        self.left = 4
        self.cancelled = False
        self.shipments: list[dict[str, Any]] = []
        self.posts = 0

    def fo(self) -> dict[str, Any]:
        status = "canceled" if self.cancelled else "open" if self.left else "closed"
        return {"status": status, "left": self.left}

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> tuple[int, Any, Mapping[str, str]]:
        if method == "GET" and path == "/fos/F":
            return 200, self.fo(), {}
        if method == "GET" and path == "/orders/1":
            return 200, {"shipments": self.shipments}, {}
        self.posts += 1
        if method == "POST" and path == "/fos/F/ship":
            units = self.left if body["units"] is None else body["units"]
            self.left -= units
            shipment = {
                "id": str(len(self.shipments) + 1),
                "units": units,
                "numbers": body["numbers"],
                "key": body.get("key"),
            }
            self.shipments.append(shipment)
            return 201, shipment, {}
        if method == "POST" and path == "/fos/F/cancel":
            self.cancelled = True
            return 200, self.fo(), {}
        if method == "POST" and path.startswith("/shipments/"):
            shipment = self.shipments[int(path.rsplit("/", 1)[1]) - 1]
            shipment["numbers"] = body["numbers"]
            return 200, shipment, {}
        return 404, {"error": "no route"}, {}


class DepotAdapter(uo.Adapter):
    platform = "depot"
    restock_policy = ANY_RESTOCK
    stores_shipment_keys = True
    tracking_numbers_per_shipment = 2
    capabilities = frozenset(  # type: ignore[assignment]
        {
            uo.Capability.ORDERS_GET,
            uo.Capability.FULFILLMENTS_CREATE,
            uo.Capability.FULFILLMENTS_UPDATE_TRACKING,
            uo.Capability.FULFILLMENTS_CANCEL,
        }
    )
    base_url = "https://depot.example/"  # type: ignore[assignment]

    def _shipment(self, row: Mapping[str, Any]) -> uo.Fulfillment:
        return uo.Fulfillment(
            id=row["id"],
            order_id="1",
            lines=[uo.FulfillmentLine(line_id="L", quantity=row["units"])],
            tracking=[uo.Tracking(number=n) for n in row["numbers"]],
            idempotency_key=row.get("key") if self.stores_shipment_keys else None,
        )

    def get_order(self, order_id: str) -> Op[uo.Order]:
        body = (yield Request("GET", f"orders/{order_id}")).body
        usd = lambda amount: uo.Money.of(amount, "USD")  # noqa: E731
        return uo.Order(
            id=order_id,
            platform="depot",
            currency="USD",
            status=uo.OrderStatus.OPEN,
            lines=[
                uo.LineItem(id="L", quantity=4, current_quantity=4, unit_price=usd(1), total=usd(4))
            ],
            fulfillments=[self._shipment(row) for row in body["shipments"]],
            shipping=usd(0),
            subtotal=usd(4),
            tax=usd(0),
            total=usd(4),
        )

    def get_fulfillment_order(self, fulfillment_order_id: str) -> Op[uo.FulfillmentOrder]:
        body = (yield Request("GET", f"fos/{fulfillment_order_id}")).body
        return uo.FulfillmentOrder(
            id=fulfillment_order_id,
            order_id="1",
            status=uo.FulfillmentOrderStatus(body["status"]),
            lines=[
                uo.FulfillmentOrderLine(
                    id="FL", line_id="L", quantity=4, fulfillable_quantity=body["left"]
                )
            ],
        )

    def create_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Mapping[str, int] | None,
        tracking: Sequence[uo.Tracking],
        options: FulfillmentOptions,
    ) -> Op[uo.Fulfillment]:
        body: dict[str, Any] = {
            "units": None if lines is None else lines["FL"],
            "numbers": [t.number for t in tracking],
        }
        if self.stores_shipment_keys:
            body["key"] = options.idempotency_key
        answer = (yield Request("POST", f"fos/{fulfillment_order_id}/ship", json=body)).body
        return self._shipment(answer)

    def update_tracking(
        self, fulfillment_id: str, tracking: Sequence[uo.Tracking], notify: bool
    ) -> Op[uo.Fulfillment]:
        body = {"numbers": [t.number for t in tracking]}
        answer = (yield Request("POST", f"shipments/{fulfillment_id}", json=body)).body
        return self._shipment(answer)

    def cancel_fulfillment_order(self, fulfillment_order_id: str) -> Op[uo.FulfillmentOrder]:
        yield Request("POST", f"fos/{fulfillment_order_id}/cancel", json={})
        raise ValueError("an answer this adapter cannot read")  # read again by the core


class KeylessDepotAdapter(DepotAdapter):
    """The same platform through an adapter with no place for the key."""

    stores_shipment_keys = False


def depot(
    faults: Mapping[str, Fault] | None = None, adapter_class: type[DepotAdapter] = DepotAdapter
) -> tuple[Store, Depot, FaultInjectingTransport]:
    """A store on a fresh depot; ``faults`` hit the first POST to each path named."""
    platform = Depot()
    waiting = dict(faults or {})
    transport = FaultInjectingTransport(
        emulator_transport(platform),
        lambda method, path: waiting.pop(path, None) if method == "POST" else None,
    )
    adapter = adapter_class(uo.AdapterSettings(max_attempts=3, retry_backoff=0, sandbox=True))
    return Store(adapter, SyncDriver(adapter, transport)), platform, transport


# --- before any request ---------------------------------------------------------------------------
def test_bad_input_is_refused_at_once_before_any_request() -> None:
    store, platform, transport = depot()
    with pytest.raises(uo.InvalidRequest) as refused:
        store.fulfillments.create("F", lines={"FL": 0}, tracking=[uo.Tracking(company="UPS")])
    assert {p.path for p in refused.value.problems} == {"lines[FL]", "tracking[0]"}
    with pytest.raises(uo.InvalidRequest, match="tracking"):
        store.fulfillments.update_tracking("1", [])
    with pytest.raises(uo.InvalidRequest, match="fulfillment_id"):
        store.fulfillments.update_tracking(" ", UPS)
    with pytest.raises(uo.UnsupportedOperation, match="3 tracking numbers"):
        store.fulfillments.create("F", tracking=[UPS, UPS, UPS])
    assert platform.posts == 0
    assert transport.injected == []


def test_units_above_what_is_left_are_refused_before_any_write() -> None:
    store, platform, _ = depot()
    store.fulfillments.create("F", lines={"FL": 3})
    with pytest.raises(uo.InvalidRequest, match="2 unit\\(s\\) asked, 1 left"):
        store.fulfillments.create("F", lines={"FL": 2})
    with pytest.raises(uo.InvalidRequest, match="not a line"):
        store.fulfillments.create("F", lines={"OTHER": 1})
    assert platform.posts == 1
    assert platform.left == 1


def test_none_ships_what_is_left_and_then_nothing_is() -> None:
    store, platform, _ = depot()
    store.fulfillments.create("F", lines={"FL": 1})
    rest = store.fulfillments.create("F")
    assert [(x.line_id, x.quantity) for x in rest.lines] == [("L", 3)]
    with pytest.raises(uo.InvalidRequest, match="closed"):
        store.fulfillments.create("F")
    assert platform.posts == 2


# --- exactly once -----------------------------------------------------------------------------------
def test_a_lost_answer_is_found_by_key() -> None:
    store, platform, _ = depot({"/fos/F/ship": Fault.DROP_AFTER_APPLY})
    shipped = store.fulfillments.create("F", lines={"FL": 1}, tracking=UPS, idempotency_key="k1")
    assert shipped.id == "1"
    assert shipped.idempotency_key == "k1"
    assert len(platform.shipments) == 1


def test_a_lost_answer_without_a_key_is_never_adopted() -> None:
    store, platform, _ = depot({"/fos/F/ship": Fault.DROP_AFTER_APPLY}, KeylessDepotAdapter)
    with pytest.raises(uo.AmbiguousWrite) as ambiguous:
        store.fulfillments.create("F", lines={"FL": 1}, tracking=UPS, idempotency_key="k1")
    assert list(ambiguous.value.candidates) == ["1"]
    assert len(platform.shipments) == 1


def test_a_write_that_never_landed_is_sent_once_more() -> None:
    for adapter_class in (DepotAdapter, KeylessDepotAdapter):
        store, platform, _ = depot({"/fos/F/ship": Fault.TIMEOUT_BEFORE_APPLY}, adapter_class)
        shipped = store.fulfillments.create("F", lines={"FL": 1}, tracking=UPS)
        assert [s["id"] for s in platform.shipments] == [shipped.id]


def test_the_same_key_again_returns_the_first_shipment() -> None:
    store, platform, _ = depot()
    first = store.fulfillments.create("F", lines={"FL": 1}, idempotency_key="again")
    second = store.fulfillments.create("F", lines={"FL": 1}, idempotency_key="again")
    assert second.id == first.id
    assert platform.posts == 1


def test_a_lost_cancel_is_found_by_re_reading() -> None:
    store, platform, _ = depot()
    cancelled = store.fulfillments.cancel("F")  # the adapter cannot read the answer
    assert cancelled.status is uo.FulfillmentOrderStatus.CANCELED
    assert platform.posts == 1


def test_a_lost_tracking_update_is_sent_once_more_never_more() -> None:
    store, platform, _ = depot({"/shipments/1": Fault.DROP_AFTER_APPLY})
    store.fulfillments.create("F", lines={"FL": 1}, tracking=UPS)
    updated = store.fulfillments.update_tracking("1", uo.Tracking(number="NEW"))
    assert [t.number for t in updated.tracking] == ["NEW"]
    assert platform.posts == 3  # the ship, the lost update, its one resend
    store, platform, _ = depot({"/shipments/1": Fault.DROP_AFTER_APPLY})
    store.fulfillments.create("F", lines={"FL": 1}, tracking=UPS)
    store.fulfillments.update_tracking("1", uo.Tracking(number="NEW"))


def test_shipments_of_one_order_never_run_side_by_side() -> None:
    store, platform, _ = depot()
    outcomes: list[object] = []

    def ship_three() -> None:
        try:
            outcomes.append(store.fulfillments.create("F", lines={"FL": 3}))
        except uo.InvalidRequest as error:
            outcomes.append(error)

    threads = [threading.Thread(target=ship_three) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert platform.left == 1  # three shipped once, never 3 + 3 of 4
    assert sum(isinstance(o, uo.Fulfillment) for o in outcomes) == 1
    assert sum(isinstance(o, uo.InvalidRequest) for o in outcomes) == 3
