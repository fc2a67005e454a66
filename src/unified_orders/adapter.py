"""The adapter contract: what a platform plugin implements.

Adapters are sans-I/O. Each operation is a generator that yields :class:`Request` objects, receives
:class:`Response` objects, and returns a canonical result (an :data:`Op`). The core drives the same
generator with a sync or an async HTTP client, so one implementation serves ``Store`` and
``AsyncStore``, every request can be inspected in tests, and multi-step work (calculate then
create, read transitions then transition) reads top to bottom::

    def get_order(self, order_id: str) -> Op[Order]:
        response = yield Request("GET", f"orders/{order_id}/")
        return translate.order_from_platform(response.body)

Errors the HTTP layer decides (an error status, a lost response) are thrown into the generator at
the ``yield``, so an operation may catch and handle them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from .adapter_settings import AdapterSettings
from .bulk import BulkExport
from .capabilities import Capability, RestockPolicy
from .errors import (
    AuthenticationError,
    NotFound,
    PlatformError,
    Problem,
    RateLimited,
    UnsupportedOperation,
)
from .exchange import Op, OrderDetails, Page, Pause, ReadFailure, Request, Response
from .lookup import IdKind, OrderQuery, OrderReference, number_matches
from .models import (
    Address,
    Fulfillment,
    FulfillmentOrder,
    FulfillmentOrderStatus,
    HoldReason,
    Location,
    Order,
    Refund,
    RefundCalculation,
    RefundRequest,
    RefundStatus,
    Return,
    ReturnLineRequest,
    ReturnRequest,
    Tracking,
)
from .options import (
    CancelOptions,
    CancelRestock,
    FulfillmentOptions,
    OrderChange,
    OrderCreateOptions,
    ReadLimits,
    RefundOptions,
    ReturnAction,
    ReturnProcessOptions,
    SourceMarker,
)
from .ratelimit import TokenBucket

if TYPE_CHECKING:
    from .webhooks.rules import WebhookRules

__all__ = [
    "FULFILLMENT_ORDER_CHANGES",
    "OPEN_FULFILLMENT_ORDER_STATUSES",
    "Adapter",
    "AdapterSettings",
    "AdapterSpec",
    "CancelOptions",
    "CancelRestock",
    "Capability",
    "Emulator",
    "FulfillmentOptions",
    "IdKind",
    "Op",
    "OrderChange",
    "OrderCreateOptions",
    "OrderDetails",
    "OrderQuery",
    "OrderReference",
    "Page",
    "Pause",
    "ReadFailure",
    "ReadLimits",
    "RefundOptions",
    "Request",
    "Response",
    "RestockPolicy",
    "ReturnAction",
    "ReturnProcessOptions",
    "SourceMarker",
]

#: A pending refund older than this is nobody's write in progress (see
#: :attr:`Adapter.in_flight_seconds`).
IN_FLIGHT_SECONDS = 120.0


#: An ``unseen_changes`` entry: a change to an order's fulfillment orders alone, which leaves the
#: order's own data (and its updated time) as it was, where nothing reads it but the order's own
#: fulfillment orders.
FULFILLMENT_ORDER_CHANGES = (
    "changes to fulfillment orders alone (holds, moves, fulfillment requests)"
)


#: The statuses of a fulfillment order that may still change, which
#: :meth:`Adapter.open_fulfillment_orders` lists; the others (closed, canceled, incomplete) are
#: final (INFERRED where a platform does not document it).
OPEN_FULFILLMENT_ORDER_STATUSES = frozenset(
    {
        FulfillmentOrderStatus.OPEN,
        FulfillmentOrderStatus.IN_PROGRESS,
        FulfillmentOrderStatus.SCHEDULED,
        FulfillmentOrderStatus.ON_HOLD,
    }
)


class Emulator:
    """An in-memory platform: handles HTTP exchanges against state it keeps.

    ``handle`` takes the method, the path (without host), query parameters, lower-cased headers and
    the parsed JSON body (floats as Decimal), and returns ``(status, body, headers)``. State is kept
    JSON-serialisable so it can be saved between CLI runs (``dump_state`` / ``load_state``).
    """

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> tuple[int, Any, Mapping[str, str]]:
        """Answer one request."""
        raise NotImplementedError

    def dump_state(self) -> dict[str, Any]:
        """The emulator's state as JSON-serialisable data."""
        raise NotImplementedError

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace the emulator's state with data from ``dump_state``."""
        raise NotImplementedError


class Adapter:
    """Base class of a platform adapter. Subclasses override the operations they support.

    The store checks :attr:`capabilities` before calling an operation, so an operation runs only
    when the adapter claims it; the defaults here refuse with :class:`UnsupportedOperation`.
    """

    platform: ClassVar[str]
    restock_policy: ClassVar[RestockPolicy]
    #: True where the platform calculates refund amounts itself (its figures are authoritative).
    calculates_refunds: ClassVar[bool] = True
    #: True where a partial refund needs captured (not just authorized) payments.
    partial_refund_needs_capture: ClassVar[bool] = True
    #: What the platform's order cancel does with stock (cancel previews read it).
    cancel_restock: ClassVar[CancelRestock] = CancelRestock.ON_REQUEST
    #: True where the adapter stores a write's idempotency key on the platform and reads it back
    #: (``Refund.idempotency_key``), so a re-read finds our write by key.
    stores_idempotency_keys: ClassVar[bool] = False
    #: True where a refund pays back its calculation's transactions whatever its lines come to,
    #: so an amount-only refund and lines refunded for less than their price can be written;
    #: elsewhere they are refused with :class:`UnsupportedOperation` before any request.
    refunds_by_amount: ClassVar[bool] = False
    #: The ``OrderQuery`` fields the platform filters on server-side. Any other filter is applied
    #: while scanning the listing (correct, but it reads every page); number, email and status
    #: are also checked exactly on every page by the core, whatever the platform matched.
    order_filters: ClassVar[frozenset[str]] = frozenset(
        {"created_since", "created_until", "updated_since", "updated_until"}
    )
    #: Kinds of change an incremental sync cannot see on this platform, even with
    #: :meth:`order_changes` (``sync`` warns about each); e.g. ``{"deleted orders"}``, or
    #: :data:`FULFILLMENT_ORDER_CHANGES`. Only ``sync --full`` finds those. An adapter whose
    #: settings change what it can see sets it per instance.
    unseen_changes: frozenset[str] = frozenset()
    #: True where :meth:`open_fulfillment_orders` lists every fulfillment order of the store
    #: that may still change: a sync then compares them with the stored ones and re-reads the
    #: orders whose fulfillment orders changed, whatever the order's own rows say.
    lists_open_fulfillment_orders: ClassVar[bool] = False
    #: True where :meth:`order_ids` lists every order's id cheaply (an incremental sync then
    #: finds deleted orders on every run).
    lists_order_ids: ClassVar[bool] = False
    #: True where :meth:`read_orders` reads many orders by id in one request (an incremental
    #: sync then re-reads the orders a change feed names a page at a time, not one by one).
    reads_orders_by_id: ClassVar[bool] = False
    #: Tracking numbers one shipment keeps (``Fulfillment.tracking``); None: no limit. More are
    #: refused with :class:`UnsupportedOperation` before any request.
    tracking_numbers_per_shipment: ClassVar[int | None] = 1
    #: True where a shipment carries its idempotency key on the platform and reads it back
    #: (``Fulfillment.idempotency_key``); elsewhere a look-alike is never adopted.
    stores_shipment_keys: ClassVar[bool] = False
    #: What a refund of ours reads back as while its write is in progress, or after its writer
    #: stopped between steps (waited for, then :meth:`resume_refund`): pending. Shopware adds
    #: partial (one capture refund processed, the next not yet); elsewhere partial is final.
    unfinished_refund_statuses: ClassVar[frozenset[RefundStatus]] = frozenset(
        {RefundStatus.PENDING}
    )

    def __init__(self, settings: AdapterSettings) -> None:
        self.settings = settings
        #: Where a sandbox store's state lives when another process holds it (its ``sandbox
        #: serve`` server and store name), so processes sharing it share its write locks too.
        self.sandbox_served_by: str | None = None

    @property
    def in_flight_seconds(self) -> float:
        """How long an unfinished refund found by key may be another caller's write still in
        progress (a payment handler still talking to the provider). Older, nobody is finishing
        it. INFERRED for real shops: 120 s outlasts a PHP request's time limit and a provider's
        timeout; ``in_flight_seconds`` in the store's settings widens it. A sandbox applies a
        write before it answers, so its waits cover it."""
        if self.settings.in_flight_seconds is not None:
            return self.settings.in_flight_seconds
        if self.settings.sandbox:
            return sum(self.in_flight_settle)
        return IN_FLIGHT_SECONDS

    @property
    def in_flight_settle(self) -> tuple[float, ...]:
        """Pauses between re-reads of a write found by key but not finished (a refund still
        pending): another caller may be finishing it. None where nothing else writes the store
        (an in-process sandbox); short against a ``sandbox serve`` store."""
        if self.settings.sandbox:
            return () if self.sandbox_served_by is None else (0.1, 0.2, 0.4, 0.8, 1.6, 3.2)
        return (0.5, 1.0, 2.0, 4.0, 8.0)

    # --- connection -----------------------------------------------------------------------
    @property
    def capabilities(self) -> frozenset[Capability]:
        """What this store can do now (may narrow after probing the store)."""
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """Root URL that relative request URLs are joined to (ends with ``/``)."""
        raise NotImplementedError

    def emulator(self) -> Emulator | None:
        """The in-memory platform for ``sandbox=True``; None when the adapter has none."""
        return None

    def rate_limits(self) -> list[TokenBucket]:
        """Buckets every request is paced through (when pacing is on)."""
        return []

    def authenticate(self) -> Op[Mapping[str, str]]:
        """Headers that authenticate a request; may exchange credentials for a token first."""
        return self.static_headers()
        yield  # pragma: no cover - makes this a generator

    def static_headers(self) -> Mapping[str, str]:
        """Authentication headers that need no exchange (tokens given in settings)."""
        return {}

    def forget_credentials(self) -> None:
        """Drop a cached token after a 401 so the next request authenticates afresh."""

    def secrets(self) -> list[str]:
        """Secret strings to redact from logs and error messages."""
        return []

    def observe(self, response: Response) -> float | None:
        """Read rate-limit state from a response; return seconds to wait and retry when throttled."""
        return None

    def error_for(self, response: Response) -> PlatformError:
        """Turn an error response into a typed error; adapters refine the message and code."""
        return error_for_status(self.platform, response, str(response.body or response.text))

    def hint(self, capability: Capability) -> str:
        """Why a capability is absent and what to do instead."""
        return ""

    # --- references ----------------------------------------------------------------------
    def order_reference(self, text: str) -> OrderReference:
        """What ``text`` (trimmed, not starting with ``#``) may name: an order id, an order
        number, or both (then the id is tried first). A reference that can be neither is an
        :class:`InvalidRequest`, before any request. By default it may be both."""
        return OrderReference(id=text, number=text)

    def canonical_id(self, kind: IdKind, value: str, path: str) -> str:
        """``value`` as the canonical id of a ``kind`` object (another spelling the platform
        documents, such as a Shopify GID, unwrapped); :class:`InvalidRequest` at ``path`` when it
        is the id of something else. By default the value as given."""
        return value

    def find_orders_by_number(self, number: str) -> Op[list[Order]]:
        """Every order whose number is ``number`` (``#`` optional): the listing, filtered by
        number (on the platform where it can), read to the end. An order the listing names but
        cannot read fails the lookup: it might be the one asked for."""
        if Capability.ORDERS_LIST not in self.capabilities:
            raise UnsupportedOperation(
                self.platform, "orders by number", "give the order id; this store cannot list"
            )
        query = OrderQuery(number=number)
        found: list[Order] = []
        cursor: str | None = None
        while True:
            page = yield from self.list_orders(query, cursor)
            if page.failures:
                named = "; ".join(f"{f.id}: {f.error}" for f in page.failures[:3])
                raise PlatformError(
                    f"looking for order number {number!r}: {len(page.failures)} order(s) could "
                    f"not be read, so it cannot be told whether one of them is it ({named})",
                    platform=self.platform,
                    code="lookup_incomplete",
                )
            found.extend(order for order in page.items if number_matches(order, number))
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor

    def refund_problems(self, order: Order, request: RefundRequest) -> list[Problem]:
        """Platform-specific reasons a refund of ``order`` cannot be made, found without I/O.

        Reported together with the core's own checks, before any request; e.g. Shopware refunds
        only against a recorded capture.
        """
        return []

    # --- operations (defaults refuse) ------------------------------------------------------
    def _refuse(self, capability: Capability) -> UnsupportedOperation:
        return UnsupportedOperation(self.platform, capability.value, self.hint(capability))

    def get_order(self, order_id: str) -> Op[Order]:
        """Read one order."""
        raise self._refuse(Capability.ORDERS_GET)

    def list_orders(self, query: OrderQuery, cursor: str | None) -> Op[Page[Order]]:
        """Read one page of orders (with their lines) and the next page's cursor."""
        raise self._refuse(Capability.ORDERS_LIST)

    def order_changes(self, since: datetime, cursor: str | None) -> Op[Page[OrderChange]]:
        """One page of the platform's change feed: orders changed since ``since`` in ways the
        order listing's filter does not show (a refund that leaves the order's updated time, an
        order placed before a placed-date window), and deleted orders.

        An incremental sync re-reads every order named here. The default names none: the
        listing's filter sees every change (declare the rest in :attr:`unseen_changes`).
        """
        return Page([])
        yield  # pragma: no cover - makes this a generator

    def order_ids(self, cursor: str | None) -> Op[Page[str]]:
        """One page of the ids of every order the store has, and nothing else: an incremental
        sync compares them with the stored orders to find deleted ones without reading any
        order. Only called where :attr:`lists_order_ids` is True."""
        raise self._refuse(Capability.ORDERS_LIST)

    def read_orders(self, order_ids: Sequence[str]) -> Op[Page[Order]]:
        """The orders with these ids as they are now, with what the read brought along
        (``Page.details``); an id the store no longer has is left out, an order that cannot be
        read is a ``Page.failures`` entry. Only called where :attr:`reads_orders_by_id` is
        True."""
        raise self._refuse(Capability.ORDERS_GET)

    def open_fulfillment_orders(self, cursor: str | None) -> Op[Page[FulfillmentOrder]]:
        """One page of every fulfillment order of the store whose status is one of
        :data:`OPEN_FULFILLMENT_ORDER_STATUSES`, whichever order it belongs to; one that cannot
        be read is a ``Page.failures`` entry named by its order's id. Only called where
        :attr:`lists_open_fulfillment_orders` is True."""
        raise self._refuse(Capability.FULFILLMENTS_LIST)

    def read_limits(self) -> Op[ReadLimits]:
        """What this store's reads leave out for these credentials, which its answers do not say
        (:class:`ReadLimits`). A sync asks once a run, reports each entry
        (``StoreResult.not_read``) and, where orders are hidden, marks deleted only the orders
        the platform says were deleted. Nothing left out, with no request, by default."""
        return ReadLimits()
        yield  # pragma: no cover - makes this a generator

    def bulk_export(self) -> BulkExport | None:
        """The platform's bulk export of orders (:mod:`unified_orders.bulk`), which a sync uses
        for full runs; None when the platform (or this dialect) has none."""
        return None

    def create_order(self, order: Order, options: OrderCreateOptions | None = None) -> Op[Order]:
        """Create an order from a canonical one (migration), carrying ``options.marker``."""
        raise self._refuse(Capability.ORDERS_CREATE)

    def find_orders_by_marker(self, marker: SourceMarker) -> Op[list[Order]]:
        """The orders created with ``marker`` (:meth:`create_order`), found by the platform's
        own search; a migration looks here before it creates, so it never creates twice."""
        raise UnsupportedOperation(
            self.platform,
            "orders.find_by_marker",
            "this adapter cannot find an order by its migration marker, so a migration into it "
            "could duplicate orders",
        )

    def cancel_order(self, order: Order, options: CancelOptions) -> Op[Order]:
        """Cancel an order."""
        raise self._refuse(Capability.ORDERS_CANCEL)

    def update_shipping_address(self, order: Order, address: Address) -> Op[Order]:
        """Replace the order's shipping address."""
        raise self._refuse(Capability.ORDERS_UPDATE_SHIPPING_ADDRESS)

    def calculate_refund(self, order: Order, request: RefundRequest) -> Op[RefundCalculation]:
        """Preview a refund; ``request`` has been validated and its restock types filled in."""
        raise self._refuse(Capability.REFUNDS_CALCULATE)

    def create_refund(
        self, order: Order, calculation: RefundCalculation, options: RefundOptions
    ) -> Op[Refund]:
        """Create the refund a calculation describes."""
        raise self._refuse(Capability.REFUNDS_CREATE)

    def resume_refund(self, order: Order, refund: Refund, options: RefundOptions) -> Op[Refund]:
        """Finish ``refund``: ours (found by ``options.idempotency_key``), still unfinished
        (:attr:`unfinished_refund_statuses`), and past :attr:`in_flight_seconds`. Where the platform holds it unprocessed
        because its writer stopped between steps (Shopware: a capture refund written, not yet
        handed to the payment handler), finish those steps and return it as it is then. By
        default it is returned as it is: such a refund is the platform's own (a gateway still
        deciding)."""
        return refund
        yield  # a generator: nothing to send by default

    def list_refunds(self, order_id: str) -> Op[list[Refund]]:
        """Refunds of one order."""
        raise self._refuse(Capability.REFUNDS_LIST)

    def get_refund(self, refund_id: str) -> Op[Refund]:
        """Read one refund by its id."""
        raise self._refuse(Capability.REFUNDS_GET)

    def create_return(
        self, order: Order, request: ReturnRequest, idempotency_key: str
    ) -> Op[Return]:
        """Open a return (or a customer return request when ``request.requested``)."""
        raise self._refuse(Capability.RETURNS_CREATE)

    def get_return(self, return_id: str) -> Op[Return]:
        """Read one return."""
        raise self._refuse(Capability.RETURNS_GET)

    def list_returns(self, order_id: str) -> Op[list[Return]]:
        """Returns of one order."""
        raise self._refuse(Capability.RETURNS_LIST)

    def change_return(self, return_id: str, action: ReturnAction, note: str | None) -> Op[Return]:
        """Move a return through its lifecycle."""
        raise self._refuse(Capability.for_return_action(action))

    def add_return_items(self, ret: Return, lines: Sequence[ReturnLineRequest]) -> Op[Return]:
        """Add units of order lines to an open return (a line already in it grows)."""
        raise self._refuse(Capability.RETURNS_ADD_ITEMS)

    def calculate_return(self, ret: Return, order: Order) -> Op[RefundCalculation]:
        """What refunding the return's units would pay back, by the platform's own calculator
        where it has one."""
        raise self._refuse(Capability.RETURNS_CALCULATE)

    def process_return(
        self,
        ret: Return,
        order: Order,
        calculation: RefundCalculation | None,
        options: ReturnProcessOptions,
    ) -> Op[tuple[Return, Refund | None]]:
        """Close the return and, with a calculation, refund it (carrying
        ``options.idempotency_key``); the return as it is after, and its refund."""
        raise self._refuse(Capability.RETURNS_PROCESS)

    def list_fulfillment_orders(self, order_id: str) -> Op[list[FulfillmentOrder]]:
        """Fulfillment orders of one order."""
        raise self._refuse(Capability.FULFILLMENTS_LIST)

    def hold_fulfillment_order(
        self, fulfillment_order_id: str, reason: HoldReason, note: str | None
    ) -> Op[FulfillmentOrder]:
        """Put a fulfillment order on hold."""
        raise self._refuse(Capability.FULFILLMENTS_HOLD)

    def release_fulfillment_hold(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """Release every hold on a fulfillment order."""
        raise self._refuse(Capability.FULFILLMENTS_RELEASE_HOLD)

    def request_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Mapping[str, int] | None,
        message: str | None,
        notify: bool,
    ) -> Op[FulfillmentOrder]:
        """Ask the fulfillment service to ship (some of) the lines, by fulfillment-order line id."""
        raise self._refuse(Capability.FULFILLMENTS_REQUEST_FULFILLMENT)

    def request_fulfillment_cancellation(
        self, fulfillment_order_id: str, message: str | None
    ) -> Op[FulfillmentOrder]:
        """Ask the fulfillment service to cancel."""
        raise self._refuse(Capability.FULFILLMENTS_REQUEST_CANCELLATION)

    def available_locations(self, fulfillment_order_id: str) -> Op[list[Location]]:
        """Locations the fulfillment order can move to."""
        raise self._refuse(Capability.FULFILLMENTS_AVAILABLE_LOCATIONS)

    def move_fulfillment_order(
        self, fulfillment_order_id: str, location_id: str, lines: Mapping[str, int] | None
    ) -> Op[FulfillmentOrder]:
        """Move (some of) a fulfillment order to another location."""
        raise self._refuse(Capability.FULFILLMENTS_MOVE)

    def get_fulfillment_order(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """One fulfillment order, every line read. ``fulfillments.create`` and ``.cancel`` need
        it: the core checks a shipment's units against it and locks its order."""
        raise self._refuse(Capability.FULFILLMENTS_CREATE)

    def create_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Mapping[str, int] | None,
        tracking: Sequence[Tracking],
        options: FulfillmentOptions,
    ) -> Op[Fulfillment]:
        """Ship (some of) a fulfillment order's lines, by fulfillment-order line id (all that is
        left when None), with its tracking; partial lines honoured or refused, never widened."""
        raise self._refuse(Capability.FULFILLMENTS_CREATE)

    def shipment_by_key(self, order: Order, key: str) -> Op[Fulfillment | None]:
        """The shipment made under idempotency key ``key`` on ``order`` (read fresh), if any.
        By default the order's shipments carrying it; adapters that keep keys elsewhere (an
        order metafield) read them there."""
        found = [f for f in order.fulfillments if f.idempotency_key == key]
        return found[0] if found else None
        yield  # a generator: no request needed here

    def check_tracking_support(self, tracking: Sequence[Tracking], operation: str) -> None:
        """Refuse, without I/O, tracking the platform cannot keep (a typed error saying why);
        called before any request of a shipment or tracking update."""

    def update_tracking(
        self, fulfillment_id: str, tracking: Sequence[Tracking], notify: bool
    ) -> Op[Fulfillment]:
        """Replace a shipment's tracking."""
        raise self._refuse(Capability.FULFILLMENTS_UPDATE_TRACKING)

    def cancel_fulfillment_order(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """Cancel a fulfillment order (where the platform has such a cancel)."""
        raise self._refuse(Capability.FULFILLMENTS_CANCEL)


@dataclass(frozen=True)
class AdapterSpec:
    """What a plugin's ``unified_orders_adapters`` hook returns, one record per platform."""

    platform: str
    factory: Callable[[Any], Adapter]
    settings: type[AdapterSettings]
    capabilities: frozenset[Capability]
    version: str
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    webhooks: WebhookRules | None = None
    """The platform's webhook rules (its adapter's ``webhooks`` module), if it has any."""


def error_for_status(platform: str, response: Response, message: str, **kw: Any) -> PlatformError:
    """The typed error for an HTTP status: 401/403, 404, 429, else a plain PlatformError."""
    status = response.status
    cls: type[PlatformError] = PlatformError
    if status in (401, 403):
        cls = AuthenticationError
    elif status == 404:
        cls = NotFound
    elif status == 429:
        cls = RateLimited
    problems: list[Problem] = kw.pop("problems", [])
    return cls(message, status=status, platform=platform, problems=problems, **kw)
