"""Returns through the GraphQL Admin API: create (customer request or merchant return), read,
move through the lifecycle (checked against :data:`~..rules.RETURN_TRANSITIONS` first); the
canonical calculate and process (with the refund) are in :mod:`.return_refunds`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import Capability, Op, ReturnAction
from unified_orders.errors import (
    AuthenticationError,
    IllegalTransition,
    InvalidRequest,
    PlatformError,
    Problem,
    UnsupportedOperation,
)
from unified_orders.models import Order, Return, ReturnRequest

from ..rules import RETURN_TRANSITIONS
from . import translate as tg
from .return_refunds import ReturnRefundOperations

__all__ = ["ReturnOperations"]

_RETURN_MUTATIONS = {
    ReturnAction.APPROVE: ("ReturnApproveRequest", "returnApproveRequest"),
    ReturnAction.DECLINE: ("ReturnDeclineRequest", "returnDeclineRequest"),
    ReturnAction.CLOSE: ("ReturnClose", "returnClose"),
    ReturnAction.CANCEL: ("ReturnCancel", "returnCancel"),
    ReturnAction.REOPEN: ("ReturnReopen", "returnReopen"),
}


class ReturnOperations(ReturnRefundOperations):
    """The return operations of the GraphQL dialect."""

    def _returnable(self, order_id: str) -> Op[dict[str, list[tuple[str, int]]]]:
        """Order line id -> ``[(fulfillment line item GID, units returnable)]``: every page of
        ``returnableFulfillments``, each with every line."""
        order_gid = tg.gid("Order", order_id, "order_id")
        found: dict[str, list[tuple[str, int]]] = {}
        cursor: str | None = None
        read: set[str] = set()
        while True:
            data = yield from self._gql(
                "ReturnableFulfillments", {"orderId": order_gid, "after": cursor}
            )
            connection = data.get("returnableFulfillments") or {}
            page = yield from self._complete_each(
                list(connection.get("nodes") or []), "returnableFulfillment"
            )
            for returnable in page:
                items = returnable.get("returnableFulfillmentLineItems") or {}
                for row in items.get("nodes") or []:
                    fli = row.get("fulfillmentLineItem") or {}
                    line = tg.legacy((fli.get("lineItem") or {}).get("id"))
                    if line is not None and int(row.get("quantity") or 0) > 0:
                        found.setdefault(line, []).append((str(fli["id"]), int(row["quantity"])))
            info = connection.get("pageInfo") or {}
            cursor = info.get("endCursor")
            if not info.get("hasNextPage"):
                return found
            if not isinstance(cursor, str) or not cursor or cursor in read:
                raise PlatformError(
                    f"order {order_id}: Shopify says more returnable fulfillments follow but "
                    "gives no new cursor",
                    platform=self.platform,
                    code="bad_cursor",
                )
            read.add(cursor)

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
        return (yield from self._return_answer(payload, "(new)"))

    def _return_node(self, return_id: str) -> Op[Mapping[str, Any]]:
        """``return(id)`` with every return line."""
        data = yield from self._gql("ReturnGet", {"id": tg.gid("Return", return_id, "return_id")})
        return (
            yield from self._complete(self._found(data, "return", "return", return_id), "return")
        )

    def _return_answer(self, payload: Mapping[str, Any], return_id: str) -> Op[Return]:
        """The return a mutation answers with, every line read."""
        node = self._found(payload, "return", "return", return_id)
        return tg.return_from_graphql((yield from self._complete(node, "return")))

    def get_return(self, return_id: str) -> Op[Return]:
        """``return(id)``."""
        return tg.return_from_graphql((yield from self._return_node(return_id)))

    def list_returns(self, order_id: str) -> Op[list[Return]]:
        """``Order.returns``: every page, each return with every line. An app Shopify denies its
        orders' returns (no ``read_returns`` scope) is told so as an unsupported operation."""
        try:
            data = yield from self._gql(
                "OrderReturns", {"id": tg.gid("Order", order_id, "order_id")}
            )
        except AuthenticationError as error:
            if not tg.denied_returns(error):
                raise
            raise UnsupportedOperation(
                self.platform,
                Capability.RETURNS_LIST.value,
                "Shopify denies this app its orders' returns: grant it the read_returns access "
                "scope to read them",
            ) from error
        node = yield from self._complete(self._found(data, "order", "order", order_id), "order")
        found = list((node.get("returns") or {}).get("nodes") or [])
        return [
            tg.return_from_graphql(r) for r in (yield from self._complete_each(found, "return"))
        ]

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
        return (yield from self._return_answer(payload, return_id))
