"""The Next Commerce adapter: each operation a sans-I/O generator over the Admin API 2024-04-01.

Requests and answers are translated by :mod:`.translate`; the platform's rules (version header,
rate limit, money precision, restock policy, fulfillment-order transitions) come from :mod:`.rules`.
The sandbox emulator is imported only when ``emulator()`` is first asked for one.

Exactly-once: the platform has no idempotency key, so a refund's key travels as a marker at the
end of its ``note`` (``[uo:KEY]``) and is read back into ``Refund.idempotency_key``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import quote

from unified_orders.adapter import (
    Adapter,
    CancelOptions,
    CancelRestock,
    Capability,
    Op,
    OrderCreateOptions,
    OrderQuery,
    OrderReference,
    Page,
    ReadFailure,
    RefundOptions,
    Request,
    Response,
    RestockPolicy,
)
from unified_orders.errors import (
    Hint,
    IllegalTransition,
    InvalidRequest,
    NotFound,
    PlatformError,
    Problem,
)
from unified_orders.models import (
    Address,
    FulfillmentOrder,
    HoldReason,
    Location,
    Order,
    OrderStatus,
    Refund,
    RefundCalculation,
    RefundRequest,
)
from unified_orders.pagination import READ_ERRORS, read_each
from unified_orders.ratelimit import TokenBucket

from . import translate
from .migration import NextCommerceMigration
from .refund_reads import RefundReadsMixin
from .rules import (
    API_ROOT,
    FO_TRANSITIONS,
    PARTIAL_REFUND_NEEDS_CAPTURE,
    RATE_LIMIT,
    RESTOCK_POLICY,
    VERSION_HEADER,
)
from .settings import NextCommerceSettings
from .shipments import NO_SHIPPING, SHIPPING_HINTS, ShipmentsMixin
from .subscriptions import NextCommerceSubscriptions
from .sync_reads import DELETED_BEFORE_WINDOW, SyncReadsMixin
from .translate.listing import listed_match
from .translate.refunds import amount_problems

if TYPE_CHECKING:
    from .sandbox import NextCommerceEmulator

__all__ = ["CAPABILITIES", "RETURNS_HINT", "NextCommerceAdapter"]

T = TypeVar("T")

SANDBOX_STORE = "sandbox"
SANDBOX_TOKEN = "sandbox-token"  # the emulator accepts any bearer token

CAPABILITIES = frozenset(c for c in Capability if not c.value.startswith("returns.")) - NO_SHIPPING

_NO_RETURNS = (
    "Next Commerce has no returns API (no RMA object or lifecycle). A return there is a refund "
    "with restock 'return' on fulfilled physical lines: {refund}. Keep any received/inspected "
    "state outside the platform."
)
RETURNS_HINT = Hint(
    _NO_RETURNS.format(
        refund="store.refunds.create(order_id, uo.RefundRequest(lines=[uo.RefundLineRequest("
        "line_id=..., quantity=..., restock=uo.Restock.RETURN)]))"
    ),
    cli=_NO_RETURNS.format(
        refund="unified-orders refunds create STORE ORDER --line LINE:QTY:return"
    ),
)


#: A canonical status as the ``status`` filter of ``ordersList``.
_LIST_STATUS = {
    OrderStatus.OPEN: "open",
    OrderStatus.CLOSED: "archived",
    OrderStatus.CANCELED: "canceled",
}


def _path(value: str) -> str:
    if type(value) is str and value.isascii() and value.isdigit():
        return value  # an order number: nothing to quote
    return quote(str(value), safe="")


def _order_number(text: str) -> str:
    """An order reference as the number Next Commerce knows the order by (``#`` optional)."""
    number = text.strip().removeprefix("#").strip()
    if not number.isdigit():
        raise InvalidRequest(
            [Problem("order_id", f"Next Commerce order numbers are digits; {text!r} is not one")]
        )
    return number


def _fo_id(value: str) -> str:
    try:
        return str(int(value))
    except (TypeError, ValueError):
        raise InvalidRequest(
            [
                Problem(
                    "fulfillment_order_id", f"Next Commerce ids are integers; {value!r} is not one"
                )
            ]
        ) from None


class NextCommerceAdapter(
    ShipmentsMixin, NextCommerceMigration, RefundReadsMixin, SyncReadsMixin, Adapter
):
    """Next Commerce (29 Next) Admin API 2024-04-01."""

    platform: ClassVar[str] = "nextcommerce"
    restock_policy: ClassVar[RestockPolicy] = RESTOCK_POLICY
    calculates_refunds: ClassVar[bool] = True
    partial_refund_needs_capture: ClassVar[bool] = PARTIAL_REFUND_NEEDS_CAPTURE
    # CancelOrder has no restock switch: ``restock`` is ignored, the platform decides.
    cancel_restock: ClassVar[CancelRestock] = CancelRestock.UNCONTROLLED
    # The key rides in the refund note ([uo:KEY]) and is read back from Order.refunds[].
    stores_idempotency_keys: ClassVar[bool] = True
    #: A refund pays back its transactions: amount-only refunds and lines for less (README).
    refunds_by_amount: ClassVar[bool] = True
    # ordersList filters by placed date (date_placed_from/_to), order number and status; the
    # updated_* bounds are applied here, and email (no such filter) after reading each order.
    order_filters: ClassVar[frozenset[str]] = frozenset(
        {"created_since", "created_until", "number", "status"}
    )
    #: The placed-date window and the transactions feed miss these (no updated-at filter, no
    #: order event feed in the Admin API). A change to fulfillment orders alone is found by
    #: ``fulfillmentOrdersList`` of the open ones (``open_fulfillment_orders``); with
    #: ``scan_updates`` the first is found too (``order_changes``).
    unseen_changes = frozenset(
        {
            "changes without a payment or a fulfillment order (an archive, an address) to "
            "orders placed before the window (the scan_updates setting finds them)",
            DELETED_BEFORE_WINDOW,
        }
    )
    lists_open_fulfillment_orders: ClassVar[bool] = True

    settings: NextCommerceSettings

    def __init__(self, settings: NextCommerceSettings) -> None:
        super().__init__(settings)
        self.settings = settings
        if settings.scan_updates:
            self.unseen_changes = frozenset({DELETED_BEFORE_WINDOW})
        self._emulator: NextCommerceEmulator | None = None
        # 4 requests/s per token, counted over a sliding second, no burst: pace a little under it
        # (3.8/s) so a late wake-up of one request can never put five in one window.
        self._bucket = TokenBucket(1, RATE_LIMIT * 0.95, name="nextcommerce:4-per-second")

    # --- connection --------------------------------------------------------------------------
    @property
    def capabilities(self) -> frozenset[Capability]:
        """Everything but returns: Next Commerce has no returns API."""
        return CAPABILITIES

    @property
    def base_url(self) -> str:
        """``https://{store}.29next.store/api/admin/``."""
        return f"https://{self.settings.store or SANDBOX_STORE}.29next.store{API_ROOT}"

    def webhook_subscriptions(self) -> NextCommerceSubscriptions:
        """The webhook subscription operations behind ``store.webhooks``."""
        return NextCommerceSubscriptions()

    def emulator(self) -> NextCommerceEmulator | None:
        """The in-memory store behind ``sandbox=True`` (one per adapter)."""
        if not self.settings.sandbox:
            return None
        if self._emulator is None:
            from .sandbox import NextCommerceEmulator  # only when a sandbox is asked for

            self._emulator = NextCommerceEmulator(
                currency_orders=self.settings.sandbox_currency_orders,
                unreadable_order=self.settings.sandbox_unreadable_order,
            )
        return self._emulator

    def rate_limits(self) -> list[TokenBucket]:
        """The per-token limit: 4 requests per second."""
        return [self._bucket]

    def _token(self) -> str:
        token = self.settings.access_token
        return token.get_secret_value() if token is not None else SANDBOX_TOKEN

    def static_headers(self) -> Mapping[str, str]:
        """Bearer token and the pinned API version on every request."""
        return {
            "authorization": f"Bearer {self._token()}",
            VERSION_HEADER: self.settings.api_version,
        }

    def secrets(self) -> list[str]:
        """The access token."""
        token = self.settings.access_token
        return [token.get_secret_value()] if token is not None else []

    def error_for(self, response: Response) -> PlatformError:
        """DRF-style error bodies as typed errors, field messages kept as Problems."""
        return translate.error_from_response(response)

    def hint(self, capability: Capability) -> str:
        """Why returns are absent and what to do instead."""
        if capability.value.startswith("returns."):
            return RETURNS_HINT
        return SHIPPING_HINTS.get(capability, "")

    def refund_problems(self, order: Order, request: RefundRequest) -> list[Problem]:
        """Amounts the platform cannot take, refused rather than rounded (see
        :func:`.translate.refunds.amount_problems`)."""
        return amount_problems(order, request)

    # --- orders ------------------------------------------------------------------------------
    def order_reference(self, text: str) -> OrderReference:
        """The order number is the order's id: digits only."""
        return OrderReference(id=_order_number(text))

    def find_orders_by_number(self, number: str) -> Op[list[Order]]:
        """``ordersRetrieve``: the number is the id."""
        try:
            return [(yield from self.get_order(_order_number(number)))]
        except NotFound:
            return []

    def get_order(self, order_id: str) -> Op[Order]:
        """``ordersRetrieve`` by order number."""
        response = yield Request("GET", f"orders/{_path(order_id)}/")
        return _read(response, translate.order_from_platform, f"order {order_id}")

    def list_orders(self, query: OrderQuery, cursor: str | None) -> Op[Page[Order]]:
        """``ordersList`` one page; the list omits lines, so each order is read in full.

        An order that cannot be read (a malformed payload, a failed retrieve) is a
        ``Page.failures`` entry, never a failed page. ``next`` links are followed only on this
        store's own host: the bearer token never goes anywhere else.

        The page brings no ``Page.details``: an order carries its ``fulfillments`` (shipments),
        not its fulfillment orders, the platform has no returns, and ``fulfillmentOrdersList``
        filters by one ``order_number`` or by creation date (a fulfillment order split off later
        is created later), so no read gives a page of orders' fulfillment orders completely.
        """
        params: dict[str, str] = {}
        url = "orders/"
        if cursor and cursor.startswith(("http://", "https://")):
            url = self._store_link(cursor, "orders.list")
        else:
            if cursor:
                params["cursor"] = cursor
            # date_placed filters are date-only: widen to whole days, then filter exactly below.
            if query.created_since is not None:
                params["date_placed_from"] = query.created_since.date().isoformat()
            if query.created_until is not None:
                params["date_placed_to"] = query.created_until.date().isoformat()
            if query.number is not None:
                params["order_number"] = query.number.strip().removeprefix("#").strip()
            if query.status is not None:
                params["status"] = _LIST_STATUS[query.status]
        response = yield Request("GET", url, params=params or None)
        results, next_url = translate.listing_page(response)
        numbers: list[str] = []
        failures: list[ReadFailure] = []
        for index, item in enumerate(results):
            try:
                if translate.in_window(item, query) and listed_match(item, query):
                    numbers.append(str(item["number"]))
            except READ_ERRORS as error:
                name = item.get("number") if isinstance(item, Mapping) else None
                failures.append(
                    ReadFailure(
                        str(name or f"results[{index}]"), f"{type(error).__name__}: {error}"
                    )
                )
        orders, unread = yield from read_each(numbers, self.get_order)
        return Page(orders, self._next_cursor(next_url), failures + unread)

    def create_order(self, order: Order, options: OrderCreateOptions | None = None) -> Op[Order]:
        """``ordersCreate`` from a canonical order (migration; paid externally, no receipt)."""
        body = translate.create_order_body(order, options.marker if options else None)
        response = yield Request("POST", "orders/", json=body)
        return _wrote(response, translate.order_from_platform, "the created order")

    def cancel_order(self, order: Order, options: CancelOptions) -> Op[Order]:
        """``ordersCancelCreate``; ``refund`` is ``full_refund``, notification off by default."""
        body = translate.cancel_body(options.reason, options.refund, options.notify)
        response = yield Request("POST", f"orders/{_path(order.id)}/cancel/", json=body)
        return _wrote(response, translate.order_from_platform, f"canceled order {order.id}")

    def update_shipping_address(self, order: Order, address: Address) -> Op[Order]:
        """``ordersPartialUpdate`` with an Oscar-style address (``line4`` is the city). A province
        left out while the order has one is sent as ``state: ""``: INFERRED that a partial update
        keeps the nested fields it is not given, so the old province would outlive its country."""
        fields = translate.address_to_platform(address, path="address")
        before = order.shipping_address
        if not address.province_code and before is not None and before.province_code:
            fields["state"] = ""
        body = {"shipping_address": fields}
        response = yield Request("PATCH", f"orders/{_path(order.id)}/", json=body)
        return _wrote(response, translate.order_from_platform, f"updated order {order.id}")

    # --- refunds -----------------------------------------------------------------------------
    def calculate_refund(self, order: Order, request: RefundRequest) -> Op[RefundCalculation]:
        """``ordersRefundCalculateCreate``: amounts, inferred restock and transaction allocation."""
        body = translate.calculate_request(order, request)
        # a calculation changes nothing: safe to repeat, and an unreadable answer is no lost write
        response = yield Request(
            "POST",
            f"orders/{_path(order.id)}/refund/calculate/",
            json=body,
            retry_safe=True,
            write=False,
        )
        return _read(
            response,
            lambda answer: translate.calculation_from_platform(answer, order, request),
            f"the refund calculation of order {order.id}",
        )

    def create_refund(
        self, order: Order, calculation: RefundCalculation, options: RefundOptions
    ) -> Op[Refund]:
        """``ordersRefundCreate`` with the calculation's transactions, lines and shipping; the
        idempotency key rides at the end of the note."""
        body = translate.refund_body(
            calculation, options.note, options.notify, options.idempotency_key
        )
        response = yield Request("POST", f"orders/{_path(order.id)}/refund/", json=body)
        return _wrote(
            response,
            lambda answer: translate.refund_from_platform(answer, order.currency),
            f"the refund of order {order.id}",
        )

    def list_refunds(self, order_id: str) -> Op[list[Refund]]:
        """Refunds from ``Order.refunds[]`` (the platform has no refunds endpoint)."""
        order = yield from self.get_order(order_id)
        return list(order.refunds)

    # --- fulfillment orders --------------------------------------------------------------------
    def list_fulfillment_orders(self, order_id: str) -> Op[list[FulfillmentOrder]]:
        """``ordersFulfillmentOrdersRetrieve`` (a list, whatever the spec declares)."""
        response = yield Request("GET", f"orders/{_path(order_id)}/fulfillment-orders/")
        return _read(
            response,
            translate.fulfillment_orders_from_platform,
            f"the fulfillment orders of order {order_id}",
        )

    def hold_fulfillment_order(
        self, fulfillment_order_id: str, reason: HoldReason, note: str | None
    ) -> Op[FulfillmentOrder]:
        """``fulfillmentOrdersHold`` with the reason mapped to the platform's enum."""
        fo_id = _fo_id(fulfillment_order_id)
        response = yield from self._transition(fo_id, "hold", translate.hold_body(reason, note))
        return _wrote(response, translate.fulfillment_order_from_platform, f"held {fo_id}")

    def release_fulfillment_hold(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """``fulfillmentOrdersReleaseHold``."""
        fo_id = _fo_id(fulfillment_order_id)
        response = yield from self._transition(fo_id, "release-hold")
        return _wrote(response, translate.fulfillment_order_from_platform, f"released {fo_id}")

    def request_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Mapping[str, int] | None,
        message: str | None,
        notify: bool,
    ) -> Op[FulfillmentOrder]:
        """``fulfillmentRequestSend``; a subset of lines splits the FO (new id in ``replaced_by``)."""
        fo_id = _fo_id(fulfillment_order_id)
        body: dict[str, Any] = {"notify": notify}
        if lines is not None:
            body["fulfillment_order_line_items"] = [
                {"id": int(_fo_line_id(line_id)), "quantity": quantity}
                for line_id, quantity in lines.items()
            ]
        if message:
            body["message"] = message
        response = yield from self._transition(fo_id, "fulfillment-request", body)
        return _wrote(
            response,
            lambda answer: translate.split_response(
                fo_id, answer, ["requested_fulfillment_order", "unrequested_fulfillment_order"]
            ),
            f"the fulfillment request of {fo_id}",
        )

    def request_fulfillment_cancellation(
        self, fulfillment_order_id: str, message: str | None
    ) -> Op[FulfillmentOrder]:
        """``cancellationRequestSend``: the fulfillment service may accept or reject it."""
        fo_id = _fo_id(fulfillment_order_id)
        body = {"message": message} if message else {}
        response = yield from self._transition(fo_id, "cancellation-request", body)
        return _wrote(
            response,
            translate.fulfillment_order_from_platform,
            f"the cancellation request of {fo_id}",
        )

    def available_locations(self, fulfillment_order_id: str) -> Op[list[Location]]:
        """``availableLocationsRetrieve`` (either documented response shape)."""
        fo_id = _fo_id(fulfillment_order_id)
        response = yield Request("GET", f"fulfillment-orders/{fo_id}/available-locations/")
        return _read(
            response, translate.locations_from_platform, f"the locations available to {fo_id}"
        )

    def move_fulfillment_order(
        self, fulfillment_order_id: str, location_id: str, lines: Mapping[str, int] | None
    ) -> Op[FulfillmentOrder]:
        """``fulfillmentOrdersMove``, only while ``open``; the moved FO's id is in ``replaced_by``.

        The fulfillment order is read first: a ``processing`` one must get a cancellation request
        (accepted by its fulfillment service) before it can move, and lines move whole.
        """
        fo_id = _fo_id(fulfillment_order_id)
        try:
            new_location = int(location_id)
        except ValueError:
            raise InvalidRequest(
                [
                    Problem(
                        "location_id", f"Next Commerce ids are integers; {location_id!r} is not one"
                    )
                ]
            ) from None
        response = yield Request("GET", f"fulfillment-orders/{fo_id}/")
        current = _read(
            response, translate.fulfillment_order_from_platform, f"fulfillment order {fo_id}"
        )
        status = current.platform_status or ""
        if not FO_TRANSITIONS["move"].allows(status, current.request_status or ""):
            # A processing one is with its fulfillment service: only a cancellation frees it.
            with_service = status in (FO_TRANSITIONS["request_cancellation"].statuses or ())
            advice = (
                " Send a cancellation request first (store.fulfillments.request_cancellation) and "
                "move it once the fulfillment service has accepted the cancellation."
                if with_service
                else ""
            )
            raise IllegalTransition(
                f"fulfillment order {fo_id} is {current.platform_status}; Next Commerce moves only "
                f"open fulfillment orders.{advice}",
                state=current.platform_status,
                possible=["request_cancellation"] if with_service else [],
                platform=self.platform,
            )
        body: dict[str, Any] = {"new_location_id": new_location}
        if lines is not None:
            by_id = {line.id: line for line in current.lines}
            problems = []
            for line_id, quantity in lines.items():
                line = by_id.get(str(line_id))
                if line is None:
                    problems.append(
                        Problem(f"lines[{line_id}]", f"fulfillment order {fo_id} has no such line")
                    )
                elif quantity != line.fulfillable_quantity:
                    problems.append(
                        Problem(
                            f"lines[{line_id}]",
                            f"Next Commerce moves whole lines: give {line.fulfillable_quantity} "
                            f"(the line's fulfillable quantity), not {quantity}",
                        )
                    )
            if problems:
                raise InvalidRequest(problems, operation="fulfillments.move")
            body["fulfillment_order_line_items"] = [{"id": int(line_id)} for line_id in lines]
        moved = yield from self._transition(fo_id, "move", body)
        return _wrote(
            moved,
            lambda answer: translate.split_response(fo_id, answer, ["moved_fulfillment_order"]),
            f"the move of {fo_id}",
        )


def _read(response: Response, read: Callable[[Any], T], what: str) -> T:
    """A read's answer translated; one that cannot be read is a PlatformError naming ``what``."""
    return translate.readable(response, read, what, write=False)


def _wrote(response: Response, read: Callable[[Any], T], what: str) -> T:
    """A write's answer translated; one that cannot be read is a lost response (re-read, decide)."""
    return translate.readable(response, read, what, write=True)


def _fo_line_id(value: str) -> str:
    try:
        return str(int(value))
    except (TypeError, ValueError):
        raise InvalidRequest(
            [Problem(f"lines[{value}]", "Next Commerce fulfillment-order line ids are integers")]
        ) from None
