"""The GraphQL Admin API dialect of the ``shopify`` adapter (``api="graphql"``, the default).

Every request is ``POST graphql.json`` with a document from :mod:`.documents` (validated against
the 2026-04 schema by the contract tests); :mod:`.plumbing` sends them. ``refundCreate`` carries
``@idempotent(key:)`` with the canonical idempotency key on every attempt, so it is retry-safe;
other writes (``orderCancel``, ``returnCreate``, ``returnRequest``, ...) document no idempotency
and go through the core's exactly-once logic.

An order read is one query: ``OrderGet`` for one order, ``OrdersPage`` for a listing page, each
order with its nested data and fulfillment orders, a listing's with their returns too (a listing
hands both to the sync as ``Page.details``, so it does not ask for them order by order). Every
nested collection is read to the end (:mod:`.paging`: page documents only while
``hasNextPage``, plain lists again without ``first`` when cut short), and translated by
:mod:`.translate` through the same canonical rules as REST, so both dialects give equal
canonical orders. Nothing is ever
dropped: an order that cannot be read completely is an error (in ``list_orders``, a per-order
``ReadFailure``). Returns are in :mod:`.returns`, fulfillment orders in :mod:`.fulfillments`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from unified_orders.adapter import (
    CancelOptions,
    CancelRestock,
    Op,
    OrderCreateOptions,
    OrderDetails,
    OrderQuery,
    Page,
    RefundOptions,
)
from unified_orders.errors import (
    AuthenticationError,
    InvalidRequest,
    PlatformError,
    Problem,
    RateLimited,
    ResponseLost,
)
from unified_orders.models import (
    Address,
    Order,
    OrderStatus,
    Refund,
    RefundCalculation,
    RefundRequest,
)
from unified_orders.pagination import read_each

from ..migration import GraphQLMigration
from ..subscriptions import ShopifySubscriptions
from . import translate as tg
from .bulk import ShopifyBulkExport
from .changes import ChangeFeed, search_time
from .documents import FIRST_PAGES, LISTED_FIRST, ORDERS_READ_PAGE
from .returns import ReturnOperations
from .shipments import ShipmentOperations

__all__ = ["ShopifyGraphQLAdapter"]


#: A canonical status as the ``status:`` search term's value.
_SEARCH_STATUS = {
    OrderStatus.OPEN: "open",
    OrderStatus.CLOSED: "closed",
    OrderStatus.CANCELED: "cancelled",
}


def _search_text(value: str) -> str:
    """A text value in Shopify search syntax: double-quoted, quotes and backslashes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_query(query: OrderQuery) -> str | None:
    """The ``orders(query:)`` search string of an :class:`OrderQuery`: time bounds, ``name:``
    (the order name, ``#`` included: INFERRED that Shopify matches ``#1001`` and ``1001``
    alike), ``email:`` and ``status:``. The core checks every order against the query again."""
    terms = []
    for name, field, op in (
        ("created_since", "created_at", ">="),
        ("created_until", "created_at", "<="),
        ("updated_since", "updated_at", ">="),
        ("updated_until", "updated_at", "<="),
    ):
        value = getattr(query, name)
        if value is not None:
            terms.append(f"{field}:{op}{search_time(value)}")
    if query.number is not None:
        terms.append(f"name:{_search_text(query.number)}")
    if query.email is not None:
        terms.append(f"email:{_search_text(query.email)}")
    if query.status is not None:
        terms.append(f"status:{_SEARCH_STATUS[query.status]}")
    return " ".join(terms) or None


class ShopifyGraphQLAdapter(ReturnOperations, ShipmentOperations, GraphQLMigration, ChangeFeed):
    """Shopify through the GraphQL Admin API: orders and refunds here, returns and fulfillment
    orders from their operation groups."""

    #: The listing document: ``OrdersPage``, until Shopify denies this app its orders' returns.
    _listing = "OrdersPage"

    #: ``orderCancel(restock:)`` restocks exactly when asked.
    cancel_restock: ClassVar[CancelRestock] = CancelRestock.ON_REQUEST
    #: The change feed's orders are read a listing page at a time (:meth:`read_orders`).
    reads_orders_by_id: ClassVar[bool] = True
    #: Every filter is a term of the ``orders(query:)`` search.
    order_filters: ClassVar[frozenset[str]] = frozenset(
        {
            "created_since",
            "created_until",
            "updated_since",
            "updated_until",
            "number",
            "email",
            "status",
        }
    )

    def bulk_export(self) -> ShopifyBulkExport:
        """Shopify Bulk Operations for a sync's full runs (:mod:`.bulk`)."""
        return ShopifyBulkExport(self, search_query, self.read_orders)

    # --- orders -------------------------------------------------------------------------------
    def webhook_subscriptions(self) -> ShopifySubscriptions:
        """The webhook subscription operations behind ``store.webhooks``."""
        return ShopifySubscriptions()

    def get_order(self, order_id: str) -> Op[Order]:
        """``OrderGet``: the order with every nested collection in one query (:meth:`read_order`);
        an order whose collections fit costs that one request."""
        node = yield from self._order_get(order_id)
        order, _ = yield from self._order_read(node, FIRST_PAGES, details=False)
        return order

    def read_order(self, order_id: str) -> Op[tuple[Order, OrderDetails]]:
        """One order and what came along with it (its fulfillment orders, complete; not its
        returns, which ``OrderGet`` does not ask: see :data:`.fragments.ORDER_READ`):
        ``OrderGet``, then follow-ups only for a collection that has more."""
        node = yield from self._order_get(order_id)
        return (yield from self._order_read(node, FIRST_PAGES))

    def _order_get(self, order_id: str) -> Op[Mapping[str, Any]]:
        """The ``order`` node ``OrderGet`` answers (an unknown order is refused)."""
        order_gid = tg.gid("Order", order_id, "order_id")
        data = yield from self._gql("OrderGet", {"id": order_gid})
        return self._found(data, "order", "order", order_id)

    def list_orders(self, query: OrderQuery, cursor: str | None) -> Op[Page[Order]]:
        """``OrdersPage``: ``orders(first: 3, query: "created_at:>='…' name:\"#1001\" …",
        sortKey: ID)`` with each order's nested data, returns and fulfillment orders in the same
        query (``Page.details``); follow-up reads only for a collection that has more. The cursor
        is ``pageInfo.endCursor``. An order that cannot be read completely is a
        :class:`~unified_orders.adapter.ReadFailure` of the page, never a failed page."""
        return (yield from self._orders_page(search_query(query), cursor))

    def read_orders(self, order_ids: Sequence[str]) -> Op[Page[Order]]:
        """The orders named, read as the listing reads them (with their returns and fulfillment
        orders): ``OrdersPage`` with the search ``id:A OR id:B OR id:C``, a listing page's worth
        of orders a query; an order no longer there is left out. (The ``id:`` term on an order's
        legacy id is the 2026-04 schema's ``orders`` filter.)"""
        items: list[Order] = []
        found: Page[Order] = Page([])
        for start in range(0, len(order_ids), ORDERS_READ_PAGE):
            group = order_ids[start : start + ORDERS_READ_PAGE]
            page = yield from self._orders_page(" OR ".join(f"id:{i}" for i in group), None)
            items.extend(page.items)
            found.failures.extend(page.failures)
            found.details.update(page.details)
            named = {order.id for order in page.items} | {f.id for f in page.failures}
            # A caller takes an order left out as gone (a sync marks it deleted), and a search
            # need not name an order written a moment ago (INFERRED: Shopify's search index may
            # lag its writes), so only an order ``order(id:)`` finds no more is.
            left_out = [i for i in group if i not in named]
            read, failures = yield from read_each(left_out, self.read_order, skip_gone=True)
            items.extend(order for order, _ in read)
            found.failures.extend(failures)
            found.details.update({order.id: details for order, details in read})
        return Page(items, None, found.failures, found.details)

    def _orders_page(self, search: str | None, cursor: str | None) -> Op[Page[Order]]:
        """One ``OrdersPage`` answer (see :meth:`list_orders`)."""
        variables: dict[str, Any] = {"query": search, "after": cursor}
        try:
            data = yield from self._gql(self._listing, variables)
        except AuthenticationError as error:
            if self._listing != "OrdersPage" or not tg.denied_returns(error):
                raise
            # INFERRED: an app without the ``read_returns`` scope is denied ``Order.returns``;
            # list without them (the page then brings no returns: a sync asks them per order).
            self._listing = "OrdersPageWithoutReturns"
            data = yield from self._gql(self._listing, variables)
        connection = data.get("orders") or {}
        nodes = [n for n in connection.get("nodes") or [] if isinstance(n, Mapping)]
        read, failures = yield from read_each(
            nodes,
            lambda node: self._order_read(node, LISTED_FIRST),
            lambda n: tg.legacy(n.get("id")) or "",
        )
        page = connection.get("pageInfo") or {}
        return Page(
            [order for order, _ in read],
            page.get("endCursor") if page.get("hasNextPage") else None,
            failures,
            {order.id: details for order, details in read},
        )

    def _order_read(
        self, first: Mapping[str, Any], firsts: Mapping[str, int], *, details: bool = True
    ) -> Op[tuple[Order, OrderDetails]]:
        """An order as a first read holds it (``firsts``: the ``first:`` of its plain lists),
        with every collection read to the end: a connection paged on while ``hasNextPage``, a
        plain list read whole when it may have been cut short; its returns and fulfillment
        orders as :class:`OrderDetails` (None where the read did not ask for them, and both
        None without ``details``: a caller that drops them skips their translation). An order
        whose collections fit costs no request."""
        order_gid = str(first["id"])
        node = yield from self._complete(first, "order")
        transactions = yield from self._whole_list(
            "OrderTransactions",
            "transactions",
            order_gid,
            node,
            node.get("transactionsCount"),
            firsts["transactions"],
        )
        fulfillments = yield from self._whole_list(
            "OrderFulfillmentList",
            "fulfillments",
            order_gid,
            node,
            node.get("fulfillmentsCount"),
            firsts["fulfillments"],
        )
        refunds = yield from self._whole_list(
            "OrderRefunds", "refunds", order_gid, node, None, firsts["refunds"]
        )
        fulfillment_orders = yield from self._nodes_of(
            node, "fulfillmentOrders", "fulfillmentOrder"
        )
        returns = yield from self._nodes_of(node, "returns", "return")
        order = tg.order_from_graphql(
            node,
            lines=list((node.get("lineItems") or {}).get("nodes") or []),
            transactions=transactions,
            fulfillments=(yield from self._complete_each(fulfillments, "fulfillment")),
            fulfillment_orders=fulfillment_orders or [],
            refunds=(yield from self._complete_each(refunds, "refund")),
        )
        if not details:
            return order, OrderDetails()
        return order, OrderDetails(
            returns=None if returns is None else [tg.return_from_graphql(r) for r in returns],
            fulfillment_orders=(
                None
                if fulfillment_orders is None
                else [tg.fulfillment_order_from_graphql(fo) for fo in fulfillment_orders]
            ),
        )

    def _nodes_of(
        self, node: Mapping[str, Any], field: str, root: str
    ) -> Op[list[dict[str, Any]] | None]:
        """Every node of the (already completed) connection ``node[field]``, each with its own
        connections read to the end; None when the read did not ask for the connection."""
        connection = node.get(field)
        if type(connection) is not dict and not isinstance(connection, Mapping):
            return None
        return (yield from self._complete_each(list(connection.get("nodes") or []), root))

    def create_order(self, order: Order, options: OrderCreateOptions | None = None) -> Op[Order]:
        """``orderCreate`` (migration: no receipts, inventory bypassed, the marker as
        ``sourceIdentifier``), then the order read.

        ``orderCreate`` takes no per-line discounts (one discount code per order at most), so a
        discounted line is refused rather than migrated at a different total.
        """
        discounted = [
            Problem(
                f"lines[{i}].total_discount",
                "orderCreate cannot set a line discount; migrate this order with api='rest' "
                "(orders.json takes total_discount)",
            )
            for i, line in enumerate(order.lines)
            if line.total_discount is not None and not line.total_discount.is_zero()
        ]
        if discounted:
            raise InvalidRequest(discounted, operation="orders.create")
        variables = tg.order_create_variables(order, options.marker if options else None)
        payload = yield from self._mutate("OrderCreate", "orderCreate", variables)
        created = payload.get("order") or {}
        return (yield from self.get_order(tg.legacy(created.get("id")) or ""))

    def cancel_order(self, order: Order, options: CancelOptions) -> Op[Order]:
        """``orderCancel`` (reason, ``restock``, ``refundMethod.originalPaymentMethodsRefund``,
        ``notifyCustomer``); its job is polled until done (at most ``job_wait_seconds``), then the
        order is read again."""
        reason = options.reason.lower()
        if reason not in tg.CANCEL_REASONS:
            allowed = ", ".join(tg.CANCEL_REASONS)
            raise InvalidRequest(
                [Problem("reason", f"{options.reason!r} is not one of {allowed}")],
                operation="orders.cancel",
            )
        variables = {
            "orderId": tg.gid("Order", order.id, "order_id"),
            "reason": reason.upper(),
            "restock": options.restock,
            "refundMethod": {"originalPaymentMethodsRefund": options.refund},
            "notifyCustomer": options.notify,
        }
        payload = yield from self._mutate(
            "OrderCancel", "orderCancel", variables, errors_key="orderCancelUserErrors"
        )
        job = payload.get("job") or {}
        if job and not job.get("done"):
            yield from self._wait_for_job(str(job["id"]), f"cancel of order {order.id}")
        return (yield from self.get_order(order.id))

    def update_shipping_address(self, order: Order, address: Address) -> Op[Order]:
        """``orderUpdate(input: {id, shippingAddress: MailingAddressInput})`` with the fields the
        canonical address sets (a province set to None as ``provinceCode: null``: INFERRED that
        Shopify clears what is null and keeps what is absent), then the order read."""
        fields = tg.address_input(address)
        if "province_code" in address.model_fields_set and address.province_code is None:
            fields["provinceCode"] = None  # cleared, not kept (a new country has other provinces)
        if not fields:
            raise InvalidRequest([Problem("address", "give at least one address field")])
        variables = {
            "input": {"id": tg.gid("Order", order.id, "order_id"), "shippingAddress": fields}
        }
        yield from self._mutate("OrderUpdateShippingAddress", "orderUpdate", variables)
        return (yield from self.get_order(order.id))

    # --- refunds ------------------------------------------------------------------------------
    def calculate_refund(self, order: Order, request: RefundRequest) -> Op[RefundCalculation]:
        """``Order.suggestedRefund`` for the request's lines and shipping."""
        variables = tg.suggested_refund_variables(order, request)
        data = yield from self._gql("SuggestedRefund", variables)
        node = self._found(data, "order", "order", order.id)
        return tg.calculation_from_graphql(node, order, request)

    def create_refund(
        self, order: Order, calculation: RefundCalculation, options: RefundOptions
    ) -> Op[Refund]:
        """``refundCreate(input) @idempotent(key: <idempotency key>)``, retried with the same key.

        When every attempt failed without an answer (timeouts, 5xx, throttles), Shopify may have
        applied one of them: that is reported as a lost response, so the core re-reads the order
        and resends (with the same key) at most once.
        """
        key = options.idempotency_key
        if not key or not key.strip():
            raise InvalidRequest([Problem("idempotency_key", "refundCreate needs a key")])
        variables = {
            "input": tg.refund_input(
                calculation,
                order,
                notify=options.notify,
                note=options.note,
                discrepancy_reason=self.settings.discrepancy_reason,
                idempotency_key=key,
            ),
            "idempotencyKey": key,
        }
        try:
            payload = yield from self._mutate(
                "RefundCreate", "refundCreate", variables, retry_safe=True
            )
        except PlatformError as error:
            if isinstance(error, RateLimited) or error.status is None or error.status >= 500:
                raise ResponseLost(
                    f"refundCreate: no answer after retrying ({error}); it may have been applied"
                ) from error
            raise
        node = payload.get("refund")
        if not isinstance(node, Mapping):
            raise PlatformError("refundCreate returned no refund", platform=self.platform)
        node = yield from self._complete(node, "refund")  # a refund of many lines: every page
        return tg.refund_from_graphql(
            node, order.id, order.currency, taxes_included=order.taxes_included
        )

    def list_refunds(self, order_id: str) -> Op[list[Refund]]:
        """``OrderRefunds``: every refund of the order in one query (a plain list read whole),
        then only the refund connections that have more."""
        order_gid = tg.gid("Order", order_id, "order_id")
        data = yield from self._gql("OrderRefunds", {"id": order_gid})
        node = self._found(data, "order", "order", order_id)
        refunds = yield from self._complete_each(list(node.get("refunds") or []), "refund")
        currency = str(node.get("presentmentCurrencyCode") or "USD")
        return [
            tg.refund_from_graphql(
                refund,
                tg.legacy(node["id"]) or order_id,
                currency,
                taxes_included=bool(node.get("taxesIncluded")),
            )
            for refund in refunds
        ]
