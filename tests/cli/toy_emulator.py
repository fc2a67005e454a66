"""The toy platform's emulator for the CLI tests, on the sandbox toolkit.

``ROUTES`` is the routing table; ``ToyEmulator`` holds the seeded state and answers each route.
A refund stores the idempotency key it was sent with (as the real adapters do), but the emulator
never dedupes on it: finding a refund by its key is the library's and the CLI's job. A toy whose
gateway declines refunds records them with status ``failure`` and moves no money.
"""

from __future__ import annotations

from typing import Any

from unified_orders.sandbox import (
    BaseEmulator,
    EmulatorError,
    NoRoute,
    Route,
    Router,
    SandboxRequest,
)


def _seed(count: int = 3) -> dict[str, Any]:
    orders = {}
    for number in range(1, count + 1):
        oid = str(1000 + number)
        orders[oid] = {
            "id": oid,
            "number": f"#{oid}",
            "state": "open",
            "currency": "USD",
            "shipping": "5.00",
            "email": "jane.doe@example.com",
            "address": {
                "first_name": "Jane",
                "last_name": "Doe",
                "city": "Springfield",
                "postal_code": "12345",
                "country_code": "US",
            },
            "lines": [
                {
                    "id": f"{oid}1",
                    "sku": "MUG",
                    "title": "Mug",
                    "qty": 2,
                    "price": "12.50",
                    "fulfilled": 2,
                    "refunded": 0,
                },
                {
                    "id": f"{oid}2",
                    "sku": "TEE",
                    "title": "T-shirt",
                    "qty": 3,
                    "price": "20.00",
                    "fulfilled": 0,
                    "refunded": 0,
                },
            ],
            "payments": [{"id": f"{oid}9", "amount": "90.00"}],
            "refunds": [],
        }
    fos = {
        f"fo-{oid}": {
            "id": f"fo-{oid}",
            "order_id": oid,
            "status": "open",
            "location": "loc-1",
            "holds": [],
            "lines": [{"id": f"fol-{oid}2", "line_id": f"{oid}2", "qty": 3}],
        }
        for oid in orders
    }
    return {
        "orders": orders,
        "returns": {},
        "fos": fos,
        "next": 1,
        "locations": [
            {"id": "loc-1", "name": "Main warehouse"},
            {"id": "loc-2", "name": "Overflow"},
        ],
    }


#: Return lifecycle moves: action -> (the status it starts from, the status it ends in).
RETURN_MOVES = {
    "approve": ("requested", "open"),
    "decline": ("requested", "declined"),
    "close": ("open", "closed"),
    "cancel": ("open", "canceled"),
    "reopen": ("closed", "open"),
}

ROUTES = Router(
    [
        Route("GET", "orders", "list_orders"),
        Route("GET", "orders/leak", "leak"),
        Route("GET", "orders/echo", "echo"),
        Route("GET", "orders/{order_id}", "get_order"),
        Route("POST", "orders/{order_id}/cancel", "cancel_order"),
        Route("PUT", "orders/{order_id}/address", "update_address"),
        Route("GET", "orders/{order_id}/refunds", "list_refunds"),
        Route("POST", "orders/{order_id}/refunds", "create_refund"),
        Route("GET", "orders/{order_id}/returns", "list_returns"),
        Route("POST", "orders/{order_id}/returns", "create_return"),
        Route("GET", "orders/{order_id}/fulfillment_orders", "list_fulfillment_orders"),
        Route("GET", "returns/{return_id}", "get_return"),
        Route("POST", "returns/{return_id}/{action}", "change_return"),
        Route("GET", "fulfillment_orders/{fo_id}/locations", "available_locations"),
        Route("POST", "fulfillment_orders/{fo_id}/hold", "hold"),
        Route("POST", "fulfillment_orders/{fo_id}/release", "release"),
        Route("POST", "fulfillment_orders/{fo_id}/request", "request_fulfillment"),
        Route("POST", "fulfillment_orders/{fo_id}/cancel_request", "cancel_request"),
        Route("POST", "fulfillment_orders/{fo_id}/move", "move"),
    ]
)

Reply = tuple[int, Any]


def _refused(status: int, error: str, code: str) -> EmulatorError:
    return EmulatorError(status, {"error": error, "code": code})


class ToyEmulator(BaseEmulator):
    """In-memory toy platform with JSON-serialisable state."""

    router = ROUTES
    api_root = "/api/"

    def __init__(
        self, *, decline_refunds: bool = False, pending_refunds: bool = False, orders: int = 3
    ) -> None:
        super().__init__()
        self.decline_refunds = decline_refunds
        self.pending_refunds = pending_refunds
        self.state = _seed(orders)

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace the store; refuses a state that is not a toy's."""
        if "orders" not in state:
            raise ValueError("not a toy state")
        super().load_state(state)

    def no_route(self, request: SandboxRequest, missing: NoRoute) -> EmulatorError:
        """Every unknown path or method is a 404 naming it."""
        path = request.path.removeprefix(self.api_root).strip("/")
        return _refused(404, f"no route {request.method} {path}", "no_route")

    def _id(self, prefix: str) -> str:
        number = self.state["next"]
        self.state["next"] += 1
        return f"{prefix}-{number}"

    def _order(self, order_id: str) -> dict[str, Any]:
        order: dict[str, Any] | None = self.state["orders"].get(order_id)
        if order is None:
            raise _refused(404, "no such order", "not_found")
        return order

    def _return(self, return_id: str) -> dict[str, Any]:
        found: dict[str, Any] | None = self.state["returns"].get(return_id)
        if found is None:
            raise _refused(404, "no such return", "not_found")
        return found

    def _fo(self, fo_id: str) -> dict[str, Any]:
        fo: dict[str, Any] | None = self.state["fos"].get(fo_id)
        if fo is None:
            raise _refused(404, "no such fulfillment order", "not_found")
        return fo

    # --- orders --------------------------------------------------------------------------
    def list_orders(self, request: SandboxRequest) -> Reply:
        return 200, {"orders": list(self.state["orders"].values())}

    def leak(self, request: SandboxRequest) -> Reply:
        """A platform that echoes credentials in its errors."""
        return 400, {"error": f"bad auth {request.headers.get('authorization')}"}

    def echo(self, request: SandboxRequest) -> Reply:
        """A 200 that is no order and echoes the credentials."""
        return 200, {"echo": request.headers.get("authorization")}

    def get_order(self, request: SandboxRequest, order_id: str) -> Reply:
        return 200, self._order(order_id)

    def cancel_order(self, request: SandboxRequest, order_id: str) -> Reply:
        order = self._order(order_id)
        if order["state"] == "canceled":
            raise _refused(422, "order already canceled", "invalid_state")
        order["state"] = "canceled"
        order["cancel_reason"] = request.body["reason"]
        return 200, order

    def update_address(self, request: SandboxRequest, order_id: str) -> Reply:
        order = self._order(order_id)
        order["address"] = request.body["address"]
        return 200, order

    # --- refunds -------------------------------------------------------------------------
    def list_refunds(self, request: SandboxRequest, order_id: str) -> Reply:
        return 200, self._order(order_id)["refunds"]

    def create_refund(self, request: SandboxRequest, order_id: str) -> Reply:
        order = self._order(order_id)
        lines = {line["id"]: line for line in order["lines"]}
        wanted = request.body["lines"]
        if any(
            w["quantity"] > lines[w["line_id"]]["qty"] - lines[w["line_id"]]["refunded"]
            for w in wanted
        ):
            raise _refused(422, "quantity above refundable", "too_many")
        refund = {"id": self._id("refund"), "order_id": order["id"], **request.body}
        if self.decline_refunds:
            # recorded, as failed: no units and no money went back
            refund.update(status="failure", total="0.00")
            order["refunds"].append(refund)
            return 201, refund
        for w in wanted:
            lines[w["line_id"]]["refunded"] += w["quantity"]
        # a gateway still deciding: its units are spoken for, its money may yet move
        refund["status"] = "pending" if self.pending_refunds else "success"
        order["refunds"].append(refund)
        return 201, refund

    # --- returns -------------------------------------------------------------------------
    def list_returns(self, request: SandboxRequest, order_id: str) -> Reply:
        order = self._order(order_id)
        return 200, [r for r in self.state["returns"].values() if r["order_id"] == order["id"]]

    def create_return(self, request: SandboxRequest, order_id: str) -> Reply:
        order = self._order(order_id)
        created = {
            "id": self._id("return"),
            "order_id": order["id"],
            "status": "requested" if request.body["requested"] else "open",
            "lines": request.body["lines"],
        }
        self.state["returns"][created["id"]] = created
        return 201, created

    def get_return(self, request: SandboxRequest, return_id: str) -> Reply:
        return 200, self._return(return_id)

    def change_return(self, request: SandboxRequest, return_id: str, action: str) -> Reply:
        found = self._return(return_id)
        if action not in RETURN_MOVES:
            raise self.no_route(request, NoRoute(request.method, request.path, ()))
        start, end = RETURN_MOVES[action]
        if found["status"] != start:
            message = f"cannot {action} a {found['status']} return"
            raise _refused(422, message, "invalid_transition")
        found["status"] = end
        return 200, found

    # --- fulfillment orders --------------------------------------------------------------
    def list_fulfillment_orders(self, request: SandboxRequest, order_id: str) -> Reply:
        order = self._order(order_id)
        return 200, [fo for fo in self.state["fos"].values() if fo["order_id"] == order["id"]]

    def available_locations(self, request: SandboxRequest, fo_id: str) -> Reply:
        fo = self._fo(fo_id)
        return 200, [x for x in self.state["locations"] if x["id"] != fo["location"]]

    def hold(self, request: SandboxRequest, fo_id: str) -> Reply:
        fo = self._fo(fo_id)
        fo["status"] = "on_hold"
        fo["holds"].append({"reason": request.body["reason"], "note": request.body.get("note")})
        return 200, fo

    def release(self, request: SandboxRequest, fo_id: str) -> Reply:
        fo = self._fo(fo_id)
        fo["status"], fo["holds"] = "open", []
        return 200, fo

    def request_fulfillment(self, request: SandboxRequest, fo_id: str) -> Reply:
        fo = self._fo(fo_id)
        fo["status"] = "in_progress"
        return 200, fo

    def cancel_request(self, request: SandboxRequest, fo_id: str) -> Reply:
        fo = self._fo(fo_id)
        fo["status"] = "open"
        return 200, fo

    def move(self, request: SandboxRequest, fo_id: str) -> Reply:
        fo = self._fo(fo_id)
        fo["location"] = request.body["location_id"]
        return 200, fo
