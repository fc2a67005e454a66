"""Next Commerce platform rules: what both the adapter and the sandbox emulator read.

- the API: version, version header, root path, money format (two decimals), the per-token rate
  limit;
- refunds: which restock type fits which units (:data:`RESTOCK_POLICY`), the type inferred when
  none is given, and that a partial refund needs a captured payment;
- fulfillment holds: the platform's hold reasons;
- fulfillment orders: every status transition (:data:`FO_TRANSITIONS`) and the actions each
  status offers (:func:`supported_actions`).

Decisions the documentation leaves open are marked INFERRED.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from unified_orders.adapter import RestockPolicy
from unified_orders.models import Restock

from .settings import API_VERSION

__all__ = [
    "API_ROOT",
    "API_VERSION",
    "FO_OPEN_STATUSES",
    "FO_TRANSITIONS",
    "HOLD_REASONS",
    "MONEY_DECIMALS",
    "PARTIAL_REFUND_NEEDS_CAPTURE",
    "RATE_LIMIT",
    "RATE_WINDOW",
    "REQUIRED_ADDRESS_FIELDS",
    "RESTOCK_POLICY",
    "RESTOCK_TYPES",
    "VERSION_HEADER",
    "FoTransition",
    "cents",
    "infer_restock",
    "money_string",
    "places",
    "restock_refusal",
    "supported_actions",
]

# --- the API ---------------------------------------------------------------------------------------
#: Every request names the API version in this header (lower-cased, as httpx sends it).
VERSION_HEADER = "x-29next-api-version"
#: The Admin API's path below ``https://{store}.29next.store``.
API_ROOT = "/api/admin/"
#: Requests per access token in any sliding window of ``RATE_WINDOW`` seconds (DRF throttling).
RATE_LIMIT = 4
RATE_WINDOW = 1.0
#: Address fields the spec requires (Oscar-style: ``line4`` is the city).
REQUIRED_ADDRESS_FIELDS = ("first_name", "last_name", "line1", "line4", "country")

#: Decimals a Next Commerce amount may have (``^-?\d{0,10}(?:\.\d{0,2})?$`` in the spec), whatever
#: the currency: a KWD amount of 1.125 cannot be sent.
MONEY_DECIMALS = 2
_CENT = Decimal(1).scaleb(-MONEY_DECIMALS)


def places(value: Decimal) -> int:
    """Decimals an amount carries (``1.125`` -> 3, ``5`` -> 0)."""
    exponent = value.as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def cents(value: Decimal) -> Decimal:
    """An amount rounded half-up to cents: the platform's money has two decimals."""
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def money_string(value: Decimal) -> str:
    """An amount as the platform's money string (``"12.50"``)."""
    return str(cents(value))


# --- refunds -----------------------------------------------------------------------------------------
#: Unfulfilled units are canceled; fulfilled ones returned or not restocked; fulfilled digital
#: units only ``no_restock``. Without a type, the platform infers one "based on quantity".
RESTOCK_POLICY = RestockPolicy(
    unfulfilled=frozenset({Restock.CANCEL}),
    fulfilled=frozenset({Restock.RETURN, Restock.NO_RESTOCK}),
    fulfilled_digital=frozenset({Restock.NO_RESTOCK}),
    infer_unfulfilled=Restock.CANCEL,
    infer_fulfilled=Restock.NO_RESTOCK,
)
#: The ``restock_type`` choices of a refund line.
RESTOCK_TYPES = ("cancel", "no_restock", "return")
#: Uncaptured (authorized) payments can only be refunded in full, by voiding them.
PARTIAL_REFUND_NEEDS_CAPTURE = True


def infer_restock(quantity: int, unfulfilled: int, fulfilled: int) -> str | None:
    """The restock type inferred for ``quantity`` units (None: they span both kinds of unit)."""
    if quantity <= unfulfilled:
        return RESTOCK_POLICY.infer_unfulfilled.value
    if quantity <= fulfilled:
        return RESTOCK_POLICY.infer_fulfilled.value
    return None


def restock_refusal(
    restock: object, quantity: int, unfulfilled: int, fulfilled: int, *, digital: bool
) -> str | None:
    """Why ``quantity`` units may not be refunded with ``restock`` (None: they may).

    ``unfulfilled`` and ``fulfilled`` are the line's refundable units of each kind.
    """
    if restock not in RESTOCK_TYPES:
        return f'"{restock}" is not a valid choice.'
    kind = Restock(str(restock))
    if kind in RESTOCK_POLICY.unfulfilled and quantity > unfulfilled:
        return (
            f"Only {unfulfilled} unfulfilled unit(s) can be refunded with restock_type {kind}; "
            "fulfilled items must use no_restock or return."
        )
    if kind in RESTOCK_POLICY.fulfilled and quantity > fulfilled:
        return (
            f"Only {fulfilled} fulfilled unit(s) can be refunded with restock_type {kind}; "
            "unfulfilled items must use cancel."
        )
    if digital and kind in RESTOCK_POLICY.fulfilled - RESTOCK_POLICY.fulfilled_digital:
        return "Fulfilled digital products must use restock_type no_restock."
    return None


# --- fulfillment holds ----------------------------------------------------------------------------------
#: The ``reason`` choices of a fulfillment hold.
HOLD_REASONS = ("address_incorrect", "out_of_stock", "high_risk", "awaiting_payment", "other")


# --- fulfillment orders -----------------------------------------------------------------------------------
#: Statuses of a fulfillment order not yet handed to a fulfillment service: canceling the order
#: cancels them, and canceled units close them.
FO_OPEN_STATUSES = ("open", "on_hold")


@dataclass(frozen=True)
class FoTransition:
    """One fulfillment-order action: the states it needs and the state it leaves.

    ``statuses``/``request_statuses`` are what the action needs (None: any); ``status`` and
    ``request_status`` are set afterwards (None: unchanged).
    """

    statuses: frozenset[str] | None
    request_statuses: frozenset[str] | None
    status: str | None = None
    request_status: str | None = None

    def allows(self, status: str, request_status: str) -> bool:
        """Whether a fulfillment order in this state may take the action."""
        return (self.statuses is None or status in self.statuses) and (
            self.request_statuses is None or request_status in self.request_statuses
        )


def _states(*names: str) -> frozenset[str]:
    return frozenset(names)


#: Every fulfillment-order action and its transition. ``request_status`` follows the merchant's
#: requests to the fulfillment service and its answers.
FO_TRANSITIONS: dict[str, FoTransition] = {
    "hold": FoTransition(_states("open"), None, status="on_hold"),
    "release_hold": FoTransition(_states("on_hold"), None, status="open"),
    # A processing fulfillment order must get an accepted cancellation request before it moves.
    "move": FoTransition(_states("open"), None),
    "request_fulfillment": FoTransition(
        _states("open"),
        _states("pending", "rejected", "cancel_accepted"),
        request_status="requested",
    ),
    "accept_fulfillment_request": FoTransition(
        None, _states("requested"), status="processing", request_status="accepted"
    ),
    "reject_fulfillment_request": FoTransition(
        None, _states("requested"), request_status="rejected"
    ),
    "request_cancellation": FoTransition(
        _states("processing"), _states("accepted"), request_status="cancel_requested"
    ),
    "accept_cancellation_request": FoTransition(
        None, _states("cancel_requested"), status="open", request_status="cancel_accepted"
    ),
    "reject_cancellation_request": FoTransition(
        None, _states("cancel_requested"), status="processing", request_status="cancel_rejected"
    ),
    # Shipping every remaining unit closes the fulfillment order (status and request "closed").
    "create_fulfillment": FoTransition(_states("open", "processing"), None),
}


def supported_actions(status: str, request_status: str) -> list[str]:
    """A fulfillment order's ``supported_actions``.

    INFERRED: the spec leaves supported_actions untyped; names follow the endpoints.
    """
    if status == "open":
        actions = ["hold", "move", "create_fulfillment"]
        if FO_TRANSITIONS["request_fulfillment"].allows(status, request_status):
            actions.insert(0, "request_fulfillment")
        if request_status == "requested":
            actions.insert(0, "cancel_fulfillment_request")
        return actions
    if status == "on_hold":
        return ["release_hold"]
    if status == "processing":
        return (
            ["create_fulfillment"]
            if request_status == "cancel_requested"
            else ["request_cancellation", "create_fulfillment"]
        )
    return []
