"""The GraphQL Admin API dialect of the ``shopify`` adapter (``api="graphql"``, the default).

Every request is ``POST graphql.json`` with a document from :mod:`.documents` (validated against
the 2026-04 schema by the contract tests). Reads are marked ``retry_safe`` (a lost response is
simply asked again); ``refundCreate`` carries ``@idempotent(key:)`` with the canonical idempotency
key on every attempt, so it is retry-safe too. Other writes (``orderCancel``, ``returnCreate``,
``returnRequest``, ...) document no idempotency and go through the core's exactly-once logic.

Orders are read with ``OrderGet`` (plus ``OrderLineItemsPage`` for long orders),
``OrderFulfillments`` and one ``RefundGet`` per refund, and translated through the same mapping
as REST (:mod:`.translate_graphql`), so both dialects give equal canonical orders.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from unified_orders import planning
from unified_orders.adapter import (
    CancelOptions,
    Capability,
    Op,
    OrderQuery,
    Page,
    RefundOptions,
    Request,
    Response,
    ReturnAction,
    error_for_status,
)
from unified_orders.errors import (
    IllegalTransition,
    InvalidRequest,
    NotFound,
    PlatformError,
    Problem,
    RateLimited,
    ResponseLost,
)
from unified_orders.models import (
    Address,
    FulfillmentOrder,
    HoldReason,
    Location,
    Order,
    Refund,
    RefundCalculation,
    RefundRequest,
    Return,
    ReturnRequest,
)
from unified_orders.ratelimit import TokenBucket

from ..base import GRAPHQL_CAPABILITIES, ShopifyAdapterBase
from ..settings import ShopifySettings
from . import translate as tg
from .documents import DOCUMENTS, requested_cost

__all__ = ["RETURN_TRANSITIONS", "ShopifyGraphQLAdapter"]

#: Return lifecycle moves Shopify allows, by ``Return.status`` (INFERRED from the mutation docs:
#: approve/decline a REQUESTED return; close an OPEN one; reopen a CLOSED one; cancel before any
#: work was done, i.e. REQUESTED or OPEN with nothing processed).
RETURN_TRANSITIONS: dict[str, tuple[ReturnAction, ...]] = {
    "REQUESTED": (ReturnAction.APPROVE, ReturnAction.DECLINE, ReturnAction.CANCEL),
    "OPEN": (ReturnAction.CLOSE, ReturnAction.CANCEL),
    "CLOSED": (ReturnAction.REOPEN,),
    "DECLINED": (),
    "CANCELED": (),
}

_RETURN_MUTATIONS = {
    ReturnAction.APPROVE: ("ReturnApproveRequest", "returnApproveRequest"),
    ReturnAction.DECLINE: ("ReturnDeclineRequest", "returnDeclineRequest"),
    ReturnAction.CLOSE: ("ReturnClose", "returnClose"),
    ReturnAction.CANCEL: ("ReturnCancel", "returnCancel"),
    ReturnAction.REOPEN: ("ReturnReopen", "returnReopen"),
}


def _search_time(value: datetime) -> str:
    """A datetime as Shopify search syntax wants it: quoted UTC ISO 8601."""
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return "'" + moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + "'"


def _job_pending(body: Any) -> bool:
    data = body.get("data") if isinstance(body, Mapping) else None
    job = data.get("job") if isinstance(data, Mapping) else None
    return isinstance(data, Mapping) and isinstance(job, Mapping) and job.get("done") is False


class ShopifyGraphQLAdapter(ShopifyAdapterBase):
    """Shopify through the GraphQL Admin API."""

    def __init__(self, settings: ShopifySettings) -> None:
        super().__init__(settings)
        self.bucket = TokenBucket(
            settings.cost_bucket_size, settings.cost_restore_rate, name="shopify-graphql-cost"
        )

    # --- connection ---------------------------------------------------------------------------
    @property
    def capabilities(self) -> frozenset[Capability]:
        """Orders, refunds, returns and fulfillment orders."""
        return GRAPHQL_CAPABILITIES

    def observe(self, response: Response) -> float | None:
        """Sync the cost bucket from ``extensions.cost``: the unused part of the requested cost
        goes back, then ``throttleStatus`` (capacity, restore rate, level) is adopted. Say how
        long to wait on a ``THROTTLED`` error (until the requested cost is restored) or a 429
        (``Retry-After``).

        A cancel job that is not done yet is asked again after ``job_poll_interval`` seconds the
        same way (the core repeats the retry-safe poll after the delay returned here).
        """
        self.note_deprecation(response)
        body = response.body if isinstance(response.body, Mapping) else {}
        cost = (body.get("extensions") or {}).get("cost") or {}
        status = cost.get("throttleStatus") or {}
        available: float | None = None
        restore = self.bucket.refill_per_second
        try:
            unused = float(cost["requestedQueryCost"]) - float(cost["actualQueryCost"])
        except (KeyError, TypeError, ValueError):
            unused = 0.0
        if unused > 0:
            # Shopify charges what a query actually cost and gives the rest of the requested
            # cost back; so does the bucket (then adopts Shopify's level, only ever downward).
            self.bucket.refund(unused)
        if status:
            try:
                available = float(status["currentlyAvailable"])
                maximum = float(status.get("maximumAvailable") or 0) or None
                restore = float(status.get("restoreRate") or 0) or restore
            except (KeyError, TypeError, ValueError):
                available = None
            else:
                self.bucket.sync(available=available, capacity=maximum, refill_per_second=restore)
        if response.status == 429:
            self.bucket.sync(available=0.0)
            try:
                return max(float(response.header("retry-after") or "1.0"), 0.0)
            except ValueError:
                return 1.0
        errors = body.get("errors")
        if isinstance(errors, list) and any(
            isinstance(e, Mapping) and (e.get("extensions") or {}).get("code") == "THROTTLED"
            for e in errors
        ):
            needed = float(cost.get("requestedQueryCost") or 0)
            have = available if available is not None else 0.0
            return max((needed - have) / restore, 0.0) if restore > 0 else 1.0
        if _job_pending(body):
            return self.settings.job_poll_interval
        return None

    def error_for(self, response: Response) -> PlatformError:
        """HTTP error statuses: GraphQL ``errors`` bodies, else the status."""
        body = response.body
        if isinstance(body, Mapping) and "errors" in body:
            return tg.graphql_errors_error(body, response.status)
        return error_for_status(self.platform, response, response.text or f"HTTP {response.status}")

    # --- plumbing -----------------------------------------------------------------------------
    def _gql(self, name: str, variables: Mapping[str, Any], *, retry_safe: bool = True) -> Op[Any]:
        """Send a registered document; return ``data`` (top-level ``errors`` raise)."""
        response = yield Request(
            "POST",
            "graphql.json",
            json={"query": DOCUMENTS[name], "variables": dict(variables), "operationName": name},
            cost=requested_cost(name),
            retry_safe=retry_safe,
        )
        body = response.body
        if not isinstance(body, Mapping):
            raise PlatformError(
                f"{name}: the response is not a GraphQL result",
                status=response.status,
                platform=self.platform,
                details=response.text,
            )
        if body.get("errors"):
            raise tg.graphql_errors_error(body, response.status)
        data = body.get("data")
        if not isinstance(data, Mapping):
            raise PlatformError(f"{name}: no data in the response", platform=self.platform)
        return data

    def _mutate(
        self,
        name: str,
        field: str,
        variables: Mapping[str, Any],
        *,
        retry_safe: bool = False,
        errors_key: str = "userErrors",
        state: str | None = None,
    ) -> Op[Mapping[str, Any]]:
        """Run a mutation; its ``userErrors`` (or ``errors_key``) raise typed errors."""
        data = yield from self._gql(name, variables, retry_safe=retry_safe)
        payload = data.get(field)
        if not isinstance(payload, Mapping):
            raise PlatformError(f"{field}: no payload in the response", platform=self.platform)
        errors = payload.get(errors_key) or []
        if errors:
            raise tg.user_errors_error(errors, field, state=state)
        return payload

    @staticmethod
    def _found(data: Mapping[str, Any], key: str, what: str, ident: str) -> Mapping[str, Any]:
        node = data.get(key)
        if not isinstance(node, Mapping):
            raise NotFound(f"{what} {ident} was not found", status=404, platform="shopify")
        return node

    # --- orders -------------------------------------------------------------------------------
    def get_order(self, order_id: str) -> Op[Order]:
        """``OrderGet`` (+ line pages), ``OrderFulfillments``, and ``RefundGet`` per refund."""
        order_gid = tg.gid("Order", order_id, "order_id")
        data = yield from self._gql("OrderGet", {"id": order_gid})
        node = self._found(data, "order", "order", order_id)
        lines = list((node.get("lineItems") or {}).get("nodes") or [])
        page = (node.get("lineItems") or {}).get("pageInfo") or {}
        while page.get("hasNextPage"):
            more = yield from self._gql(
                "OrderLineItemsPage", {"id": order_gid, "after": page.get("endCursor")}
            )
            connection = (self._found(more, "order", "order", order_id)).get("lineItems") or {}
            lines.extend(connection.get("nodes") or [])
            page = connection.get("pageInfo") or {}
        shipped = yield from self._gql("OrderFulfillments", {"id": order_gid})
        shipping = self._found(shipped, "order", "order", order_id)
        fulfillments = list(shipping.get("fulfillments") or [])
        fo_connection = shipping.get("fulfillmentOrders") or {}
        too_many = [
            what
            for what, more in (
                ("fulfillment orders", (fo_connection.get("pageInfo") or {}).get("hasNextPage")),
                (
                    "fulfillment lines",
                    any(
                        ((f.get("fulfillmentLineItems") or {}).get("pageInfo") or {}).get(
                            "hasNextPage"
                        )
                        for f in fulfillments
                    ),
                ),
            )
            if more
        ]
        if too_many:
            raise PlatformError(
                f"order {order_id} has more {' and '.join(too_many)} than one read covers "
                "(5 fulfillment orders, 25 lines per fulfillment); this adapter version cannot "
                "read it completely",
                platform=self.platform,
                code="order_too_large",
            )
        refunds = []
        for ref in node.get("refunds") or []:
            got = yield from self._gql("RefundGet", {"id": ref["id"]})
            refunds.append(self._found(got, "refund", "refund", str(ref["id"])))
        return tg.order_from_graphql(
            node,
            lines=lines,
            fulfillments=fulfillments,
            fulfillment_orders=list(fo_connection.get("nodes") or []),
            refunds=refunds,
        )

    def list_orders(self, query: OrderQuery, cursor: str | None) -> Op[Page[Order]]:
        """``orders(first: 50, query: "created_at:>='…' updated_at:<='…'", sortKey: ID)``, then
        each order read in full; the cursor is ``pageInfo.endCursor``."""
        terms = []
        for name, field, op in (
            ("created_since", "created_at", ">="),
            ("created_until", "created_at", "<="),
            ("updated_since", "updated_at", ">="),
            ("updated_until", "updated_at", "<="),
        ):
            value = getattr(query, name)
            if value is not None:
                terms.append(f"{field}:{op}{_search_time(value)}")
        variables: dict[str, Any] = {"query": " ".join(terms) or None, "after": cursor}
        data = yield from self._gql("OrdersPage", variables)
        connection = data.get("orders") or {}
        items = []
        for node in connection.get("nodes") or []:
            items.append((yield from self.get_order(tg.legacy(node["id"]) or "")))
        page = connection.get("pageInfo") or {}
        return Page(items, page.get("endCursor") if page.get("hasNextPage") else None)

    def create_order(self, order: Order) -> Op[Order]:
        """``orderCreate`` (migration: no receipts, inventory bypassed), then the order read.

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
        payload = yield from self._mutate(
            "OrderCreate", "orderCreate", tg.order_create_variables(order)
        )
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

    def _wait_for_job(self, job_id: str, what: str) -> Op[None]:
        """Poll ``job(id)`` until done; PlatformError (code ``job_pending``) after the bound."""
        deadline = time.monotonic() + self.settings.job_wait_seconds
        while True:
            try:
                data = yield from self._gql("JobPoll", {"id": job_id})
            except RateLimited:
                data = {}  # still pending after the driver's own polls (or throttled)
            if (data.get("job") or {}).get("done"):
                return
            if time.monotonic() >= deadline:
                raise PlatformError(
                    f"the {what} is still running (job {job_id}) after "
                    f"{self.settings.job_wait_seconds:g} s; it will finish on Shopify's side, "
                    "read the order again later",
                    platform=self.platform,
                    code="job_pending",
                )

    def update_shipping_address(self, order: Order, address: Address) -> Op[Order]:
        """``orderUpdate(input: {id, shippingAddress: MailingAddressInput})`` with the fields the
        canonical address sets, then the order read."""
        fields = tg.address_input(address)
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
        return tg.refund_from_graphql(
            node, order.id, order.currency, taxes_included=order.taxes_included
        )

    def list_refunds(self, order_id: str) -> Op[list[Refund]]:
        """``OrderRefundIds`` then ``RefundGet`` per refund."""
        data = yield from self._gql("OrderRefundIds", {"id": tg.gid("Order", order_id, "order_id")})
        node = self._found(data, "order", "order", order_id)
        currency = str(node.get("presentmentCurrencyCode") or "USD")
        refunds = []
        for ref in node.get("refunds") or []:
            got = yield from self._gql("RefundGet", {"id": ref["id"]})
            refunds.append(
                tg.refund_from_graphql(
                    self._found(got, "refund", "refund", str(ref["id"])),
                    tg.legacy(node["id"]) or order_id,
                    currency,
                    taxes_included=bool(node.get("taxesIncluded")),
                )
            )
        return refunds

    # --- returns ------------------------------------------------------------------------------
    def _returnable(self, order_id: str) -> Op[dict[str, list[tuple[str, int]]]]:
        """Order line id -> ``[(fulfillment line item GID, units returnable)]``."""
        data = yield from self._gql(
            "ReturnableFulfillments", {"orderId": tg.gid("Order", order_id, "order_id")}
        )
        found: dict[str, list[tuple[str, int]]] = {}
        for returnable in (data.get("returnableFulfillments") or {}).get("nodes") or []:
            items = returnable.get("returnableFulfillmentLineItems") or {}
            for row in items.get("nodes") or []:
                fli = row.get("fulfillmentLineItem") or {}
                line = tg.legacy((fli.get("lineItem") or {}).get("id"))
                if line is not None and int(row.get("quantity") or 0) > 0:
                    found.setdefault(line, []).append((str(fli["id"]), int(row["quantity"])))
        return found

    def create_return(
        self, order: Order, request: ReturnRequest, idempotency_key: str
    ) -> Op[Return]:
        """``returnRequest`` (``request.requested``: a customer request, status REQUESTED) or
        ``returnCreate`` (status OPEN), lines resolved to fulfillment line items through
        ``returnableFulfillments``. Neither mutation documents idempotency, so the core's
        exactly-once logic guards it (``idempotency_key`` is not sent)."""
        problems = []
        if request.notify:
            problems.append(
                Problem(
                    "notify",
                    "Shopify's return mutations take no customer notification (returnCreate's "
                    "notifyCustomer is deprecated); pass notify=False",
                )
            )
        if request.note:
            problems.append(
                Problem("note", "Shopify returns have no return-level note; give lines a note")
            )
        if problems:
            raise InvalidRequest(problems, operation="returns.create")
        returnable = yield from self._returnable(order.id)
        rows = tg.return_line_inputs(request, returnable, requested=request.requested)
        order_gid = tg.gid("Order", order.id, "order_id")
        if request.requested:
            payload = yield from self._mutate(
                "ReturnRequest",
                "returnRequest",
                {"input": {"orderId": order_gid, "returnLineItems": rows}},
            )
        else:
            payload = yield from self._mutate(
                "ReturnCreate",
                "returnCreate",
                {"returnInput": {"orderId": order_gid, "returnLineItems": rows}},
            )
        return tg.return_from_graphql(self._found(payload, "return", "return", "(new)"))

    def _return_node(self, return_id: str) -> Op[Mapping[str, Any]]:
        data = yield from self._gql("ReturnGet", {"id": tg.gid("Return", return_id, "return_id")})
        return self._found(data, "return", "return", return_id)

    def get_return(self, return_id: str) -> Op[Return]:
        """``return(id)``."""
        return tg.return_from_graphql((yield from self._return_node(return_id)))

    def list_returns(self, order_id: str) -> Op[list[Return]]:
        """``Order.returns``."""
        data = yield from self._gql("OrderReturns", {"id": tg.gid("Order", order_id, "order_id")})
        node = self._found(data, "order", "order", order_id)
        return [tg.return_from_graphql(r) for r in (node.get("returns") or {}).get("nodes") or []]

    def change_return(self, return_id: str, action: ReturnAction, note: str | None) -> Op[Return]:
        """Approve/decline (``returnApproveRequest`` / ``returnDeclineRequest`` with reason OTHER
        and ``note`` as ``declineNote``), close, cancel or reopen; the move is checked against the
        return's status first (one read), and only decline takes a note."""
        rid = tg.gid("Return", return_id, "return_id")
        if note and action is not ReturnAction.DECLINE:
            raise InvalidRequest(
                [Problem("note", f"Shopify's {action.value} of a return takes no note")],
                operation=f"returns.{action.value}",
            )
        current = yield from self._return_node(return_id)
        status = str(current.get("status") or "")
        allowed = RETURN_TRANSITIONS.get(status, ())
        if action not in allowed:
            raise IllegalTransition(
                f"return {return_id} is {status or 'in an unknown state'}; Shopify allows "
                f"{', '.join(a.value for a in allowed) or 'no further moves'} from there, "
                f"not {action.value}",
                state=status.lower() or None,
                possible=[a.value for a in allowed],
                platform=self.platform,
                code="illegal_return_transition",
            )
        name, field = _RETURN_MUTATIONS[action]
        variables: dict[str, Any]
        if action is ReturnAction.APPROVE:
            variables = {"input": {"id": rid, "notifyCustomer": False}}
        elif action is ReturnAction.DECLINE:
            decline: dict[str, Any] = {"id": rid, "declineReason": "OTHER", "notifyCustomer": False}
            if note:
                decline["declineNote"] = note
            variables = {"input": decline}
        else:
            variables = {"id": rid}
        payload = yield from self._mutate(name, field, variables, state=status.lower())
        return tg.return_from_graphql(self._found(payload, "return", "return", return_id))

    def process_return(
        self,
        return_id: str,
        lines: Mapping[str, int] | None = None,
        *,
        refund: bool = True,
        notify: bool = False,
        note: str | None = None,
    ) -> Op[Return]:
        """``returnProcess`` (GraphQL-dialect extra): mark returned units processed and, with
        ``refund=True``, pay them back through ``financialTransfer.issueRefund`` with the amounts
        and parent transactions ``Order.suggestedRefund`` gives for those units (no restock: stock
        comes back through dispositions, which this method does not send).

        ``lines`` maps return line ids to units (all unprocessed units when None).
        """
        node = yield from self._return_node(return_id)
        if node.get("status") != "OPEN":
            raise IllegalTransition(
                f"return {return_id} is {node.get('status')}; only an OPEN return is processed",
                state=str(node.get("status") or "").lower() or None,
                possible=[],
                platform=self.platform,
                code="illegal_return_transition",
            )
        rows = []
        refund_lines: dict[str, int] = {}
        problems = []
        by_id = {
            tg.legacy(r["id"]): r for r in (node.get("returnLineItems") or {}).get("nodes") or []
        }
        left_by_id = {
            key: int(r.get("quantity") or 0) - int(r.get("processedQuantity") or 0)
            for key, r in by_id.items()
            if key is not None
        }
        wanted = lines if lines is not None else {k: n for k, n in left_by_id.items() if n > 0}
        for key, quantity in wanted.items():
            row = by_id.get(str(key))
            if row is None:
                problems.append(Problem(f"lines[{key}]", f"return {return_id} has no line {key}"))
                continue
            left = int(row.get("quantity") or 0) - int(row.get("processedQuantity") or 0)
            if quantity < 1 or quantity > left:
                problems.append(
                    Problem(f"lines[{key}]", f"{quantity} unit(s) asked, {left} unprocessed")
                )
                continue
            rows.append({"id": row["id"], "quantity": quantity})
            line_id = tg.legacy(
                ((row.get("fulfillmentLineItem") or {}).get("lineItem") or {}).get("id")
            )
            if line_id is not None:
                refund_lines[line_id] = refund_lines.get(line_id, 0) + quantity
        if not rows and not problems:
            problems.append(Problem("lines", "nothing left to process on this return"))
        if problems:
            raise InvalidRequest(problems, operation="returns.process")
        process: dict[str, Any] = {"returnId": tg.gid("Return", return_id), "returnLineItems": rows}
        process["notifyCustomer"] = notify
        if note:
            process["note"] = note
        if refund:
            order = yield from self.get_order(tg.legacy((node.get("order") or {}).get("id")) or "")
            request = RefundRequest(
                lines=[tg.refund_line_request(k, q) for k, q in refund_lines.items()]
            )
            prepared = planning.prepare(
                order, request, self.restock_policy, partial_refund_needs_capture=True
            )
            calculation = yield from self.calculate_refund(order, prepared)
            process["financialTransfer"] = {
                "issueRefund": {
                    "orderTransactions": [
                        {
                            "transactionAmount": tg.money_input(a.amount),
                            "parentId": tg.gid("OrderTransaction", a.transaction_id),
                        }
                        for a in calculation.transactions
                    ]
                }
            }
        payload = yield from self._mutate(
            "ReturnProcess", "returnProcess", {"input": process}, state="open"
        )
        return tg.return_from_graphql(self._found(payload, "return", "return", return_id))

    # --- fulfillment orders -------------------------------------------------------------------
    def list_fulfillment_orders(self, order_id: str) -> Op[list[FulfillmentOrder]]:
        """``Order.fulfillmentOrders``."""
        data = yield from self._gql(
            "FulfillmentOrders", {"id": tg.gid("Order", order_id, "order_id")}
        )
        node = self._found(data, "order", "order", order_id)
        connection = node.get("fulfillmentOrders") or {}
        if (connection.get("pageInfo") or {}).get("hasNextPage"):
            raise PlatformError(
                f"order {order_id} has more than 10 fulfillment orders; this adapter version "
                "reads the first 10 only",
                platform=self.platform,
                code="order_too_large",
            )
        return [tg.fulfillment_order_from_graphql(fo) for fo in connection.get("nodes") or []]

    def _gate(self, fo_id: str, action: str) -> Op[Mapping[str, Any]]:
        """Read the fulfillment order; refuse ``action`` unless it is a supported action."""
        data = yield from self._gql(
            "FulfillmentOrderGet", {"id": tg.gid("FulfillmentOrder", fo_id, "fulfillment_order_id")}
        )
        fo = self._found(data, "fulfillmentOrder", "fulfillment order", fo_id)
        supported = [str(a.get("action") or "").lower() for a in fo.get("supportedActions") or []]
        if action not in supported:
            raise IllegalTransition(
                f"fulfillment order {fo_id} (status {fo.get('status')}, request status "
                f"{fo.get('requestStatus')}) does not support {action!r}; Shopify lists as "
                f"supported: {', '.join(supported) or 'nothing'}",
                state=str(fo.get("status") or "").lower() or None,
                possible=supported,
                platform=self.platform,
                code="unsupported_action",
            )
        return fo

    @staticmethod
    def _fo_lines(lines: Mapping[str, int] | None) -> list[dict[str, Any]] | None:
        if lines is None:
            return None
        return [
            {"id": tg.gid("FulfillmentOrderLineItem", key, f"lines[{key}]"), "quantity": quantity}
            for key, quantity in lines.items()
        ]

    @staticmethod
    def _other(payload: Mapping[str, Any], key: str, same: Any) -> list[str]:
        other = payload.get(key) or {}
        return [tg.legacy(other["id"]) or ""] if other.get("id") and other["id"] != same else []

    def hold_fulfillment_order(
        self, fulfillment_order_id: str, reason: HoldReason, note: str | None
    ) -> Op[FulfillmentOrder]:
        """``fulfillmentOrderHold(id, fulfillmentHold: {reason, reasonNotes, notifyMerchant})``."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        hold: dict[str, Any] = {
            "reason": tg.hold_reason(reason),
            "notifyMerchant": self.settings.notify_merchant_on_hold,
        }
        if note:
            hold["reasonNotes"] = note
        yield from self._gate(fulfillment_order_id, "hold")
        payload = yield from self._mutate(
            "FulfillmentOrderHold", "fulfillmentOrderHold", {"id": fid, "fulfillmentHold": hold}
        )
        held = payload["fulfillmentOrder"]
        return tg.fulfillment_order_from_graphql(
            held, replaced_by=self._other(payload, "remainingFulfillmentOrder", held.get("id"))
        )

    def release_fulfillment_hold(self, fulfillment_order_id: str) -> Op[FulfillmentOrder]:
        """``fulfillmentOrderReleaseHold(id, holdIds)`` naming every hold the order has now (read
        first): never an omitted ``holdIds``, which would release holds of other apps too."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        fo = yield from self._gate(fulfillment_order_id, "release_hold")
        hold_ids = [str(h["id"]) for h in fo.get("fulfillmentHolds") or [] if h.get("id")]
        if not hold_ids:
            raise IllegalTransition(
                f"fulfillment order {fulfillment_order_id} has no hold to release",
                state=str(fo.get("status") or "").lower() or None,
                possible=[],
                platform=self.platform,
                code="no_holds",
            )
        payload = yield from self._mutate(
            "FulfillmentOrderReleaseHold",
            "fulfillmentOrderReleaseHold",
            {"id": fid, "holdIds": hold_ids},
        )
        return tg.fulfillment_order_from_graphql(payload["fulfillmentOrder"])

    def request_fulfillment(
        self,
        fulfillment_order_id: str,
        lines: Mapping[str, int] | None,
        message: str | None,
        notify: bool,
    ) -> Op[FulfillmentOrder]:
        """``fulfillmentOrderSubmitFulfillmentRequest``; the result is the submitted FO, with the
        unsubmitted remainder's id in ``replaced_by``."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        variables: dict[str, Any] = {"id": fid, "notifyCustomer": notify}
        if message:
            variables["message"] = message
        items = self._fo_lines(lines)
        if items is not None:
            variables["fulfillmentOrderLineItems"] = items
        yield from self._gate(fulfillment_order_id, "request_fulfillment")
        payload = yield from self._mutate(
            "FulfillmentOrderSubmitFulfillmentRequest",
            "fulfillmentOrderSubmitFulfillmentRequest",
            variables,
        )
        submitted = payload["submittedFulfillmentOrder"]
        return tg.fulfillment_order_from_graphql(
            submitted,
            replaced_by=self._other(payload, "unsubmittedFulfillmentOrder", submitted.get("id")),
        )

    def request_fulfillment_cancellation(
        self, fulfillment_order_id: str, message: str | None
    ) -> Op[FulfillmentOrder]:
        """``fulfillmentOrderSubmitCancellationRequest(id, message)``."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        variables: dict[str, Any] = {"id": fid}
        if message:
            variables["message"] = message
        yield from self._gate(fulfillment_order_id, "request_cancellation")
        payload = yield from self._mutate(
            "FulfillmentOrderSubmitCancellationRequest",
            "fulfillmentOrderSubmitCancellationRequest",
            variables,
        )
        return tg.fulfillment_order_from_graphql(payload["fulfillmentOrder"])

    def available_locations(self, fulfillment_order_id: str) -> Op[list[Location]]:
        """``FulfillmentOrder.locationsForMove`` (movable ones)."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        data = yield from self._gql("LocationsForMove", {"id": fid})
        node = self._found(data, "fulfillmentOrder", "fulfillment order", fulfillment_order_id)
        return tg.locations_from_graphql(node)

    def move_fulfillment_order(
        self, fulfillment_order_id: str, location_id: str, lines: Mapping[str, int] | None
    ) -> Op[FulfillmentOrder]:
        """``fulfillmentOrderMove``; the result is the FO now at the new location, with a
        remaining (unmoved) one's id in ``replaced_by``."""
        fid = tg.gid("FulfillmentOrder", fulfillment_order_id, "fulfillment_order_id")
        variables: dict[str, Any] = {
            "id": fid,
            "newLocationId": tg.gid("Location", location_id, "location_id"),
        }
        items = self._fo_lines(lines)
        if items is not None:
            variables["fulfillmentOrderLineItems"] = items
        yield from self._gate(fulfillment_order_id, "move")
        payload = yield from self._mutate("FulfillmentOrderMove", "fulfillmentOrderMove", variables)
        moved = payload["movedFulfillmentOrder"]
        return tg.fulfillment_order_from_graphql(
            moved, replaced_by=self._other(payload, "remainingFulfillmentOrder", moved.get("id"))
        )
