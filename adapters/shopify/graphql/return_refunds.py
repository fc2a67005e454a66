"""Returns that end in money, through the GraphQL Admin API: calculate a return's refund, process
it (``returnProcess`` with dispositions and the refund), and read one refund.

- Calculate: ``Order.suggestedRefund`` for the return's unprocessed units (no restock: stock comes
  back through dispositions). ``returnCalculate`` prices a return but names no transactions to
  pay back, so it cannot be the refund's allocation; ``suggestedRefund`` is what ``refundCreate``
  and the REST dialect use, so a return's refund and a plain refund of the same units agree.
- Process: ``returnProcess`` with every unprocessed return line, its dispositions (from
  ``restock``: see :data:`DISPOSITIONS`) and ``financialTransfer.issueRefund`` with the
  calculation's allocations. ``returnProcess`` documents no idempotency, so the key travels as the
  ``[uo:KEY]`` marker at the end of its ``note``, which becomes the refund's note (INFERRED: the
  sandbox does so; Shopify documents ``note`` only as "the note for the return"); the core
  re-reads the order for it. A return still OPEN once every unit is processed is closed
  (``returnClose``; INFERRED that Shopify may leave it open).
- Adding items to an existing return: the 2026-04 schema has no mutation for it
  (``removeFromReturn`` only takes units out), so ``returns.add_items`` is refused with a hint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import Op, ReturnProcessOptions
from unified_orders.errors import InvalidRequest, PlatformError, Problem
from unified_orders.keys import note_with_key
from unified_orders.models import (
    Order,
    Refund,
    RefundCalculation,
    RefundRequest,
    Restock,
    Return,
    ReturnStatus,
)
from unified_orders.writes import unsettled

from . import translate as tg
from .paging import Paging

__all__ = ["DISPOSITIONS", "ReturnRefundOperations"]

#: ``restock`` as the disposition of every processed unit. None sends no disposition: the units
#: stay on the return's reverse fulfillment order for the merchant to dispose of in the admin.
DISPOSITIONS = {Restock.RETURN: "RESTOCKED", Restock.NO_RESTOCK: "NOT_RESTOCKED"}


def _left(ret: Return) -> list[tuple[str, str, int]]:
    """``(return line id, order line id, unprocessed units)`` of every line with units left."""
    found = []
    for line in ret.lines:
        units = line.quantity - (line.processed_quantity or 0)
        if units > 0:
            found.append((line.id, line.line_id, units))
    return found


def _fulfillment_line(ret: Return, return_line_id: str) -> str | None:
    for line in ret.lines:
        if line.id == return_line_id and isinstance(line.raw, Mapping):
            fli = line.raw.get("fulfillmentLineItem") or {}
            return str(fli["id"]) if fli.get("id") else None
    return None


class ReturnRefundOperations(Paging):
    """The refund side of returns, and ``refunds.get``, of the GraphQL dialect."""

    def calculate_return(self, ret: Return, order: Order) -> Op[RefundCalculation]:
        """``Order.suggestedRefund`` for the return's unprocessed units (no restock)."""
        totals: dict[str, int] = {}
        for _, line_id, units in _left(ret):
            totals[line_id] = totals.get(line_id, 0) + units
        request = RefundRequest(
            lines=[tg.refund_line_request(line, units) for line, units in totals.items()]
        )
        return (yield from self.calculate_refund(order, request))

    def _reverse_lines(self, return_id: str) -> Op[dict[str, str]]:
        """Fulfillment line item GID -> reverse fulfillment order line item GID of a return:
        every reverse fulfillment order, each with every line."""
        data = yield from self._gql(
            "ReturnReverseLines", {"id": tg.gid("Return", return_id, "return_id")}
        )
        node = yield from self._complete(self._found(data, "return", "return", return_id), "return")
        orders = (node.get("reverseFulfillmentOrders") or {}).get("nodes") or []
        found: dict[str, str] = {}
        for rfo in (yield from self._complete_each(list(orders), "reverseFulfillmentOrder")):
            for row in (rfo.get("lineItems") or {}).get("nodes") or []:
                fli = (row.get("fulfillmentLineItem") or {}).get("id")
                if fli:
                    found[str(fli)] = str(row["id"])
        return found

    def _dispositions(
        self, ret: Return, order: Order, restock: Restock | None
    ) -> Op[dict[str, list[dict[str, Any]]]]:
        """Return line id -> its ``dispositions`` (none without a restock)."""
        if restock is None:
            return {}
        if restock not in DISPOSITIONS:
            raise InvalidRequest(
                [
                    Problem(
                        "restock",
                        f"returned units are restocked with {Restock.RETURN.value} or not at all "
                        f"({Restock.NO_RESTOCK.value}); {restock.value} is for unshipped units",
                    )
                ],
                operation="returns.process",
            )
        kind = DISPOSITIONS[restock]
        problems = []
        locations: dict[str, str | None] = {}
        for return_line, line_id, _ in _left(ret):
            line = order.line(line_id)
            location = line.location_id if line is not None else None
            locations[return_line] = location
            if kind == "RESTOCKED" and location is None:
                problems.append(
                    Problem(
                        "restock",
                        f"line {line_id} has no location to restock at; process with "
                        f"restock={Restock.NO_RESTOCK.value!r} or None and restock in the admin",
                    )
                )
        if problems:
            raise InvalidRequest(problems, operation="returns.process")
        reverse = yield from self._reverse_lines(ret.id)
        found: dict[str, list[dict[str, Any]]] = {}
        for return_line, _, units in _left(ret):
            rfo_line = reverse.get(_fulfillment_line(ret, return_line) or "")
            if rfo_line is None:
                raise PlatformError(
                    f"return {ret.id}: line {return_line} has no reverse fulfillment order line "
                    "to dispose of",
                    platform=self.platform,
                    code="no_reverse_line",
                )
            disposition: dict[str, Any] = {
                "reverseFulfillmentOrderLineItemId": rfo_line,
                "quantity": units,
                "dispositionType": kind,
            }
            location = locations[return_line]
            if kind == "RESTOCKED" and location is not None:
                disposition["locationId"] = tg.gid("Location", location)
            found[return_line] = [disposition]
        return found

    def process_return(
        self,
        ret: Return,
        order: Order,
        calculation: RefundCalculation | None,
        options: ReturnProcessOptions,
    ) -> Op[tuple[Return, Refund | None]]:
        """``returnProcess`` of every unprocessed unit (with dispositions and, given a
        calculation, the refund carrying the key marker in its note), then ``returnClose`` when
        Shopify left the return open; the return as it is after, and the refund it made."""
        key = options.idempotency_key
        if calculation is not None and (not key or not key.strip()):
            raise InvalidRequest([Problem("idempotency_key", "a refund needs a key")])
        dispositions = yield from self._dispositions(ret, order, options.restock)
        rows = []
        for return_line, _, units in _left(ret):
            row: dict[str, Any] = {"id": tg.gid("ReturnLineItem", return_line), "quantity": units}
            if return_line in dispositions:
                row["dispositions"] = dispositions[return_line]
            rows.append(row)
        process: dict[str, Any] = {
            "returnId": tg.gid("Return", ret.id, "return_id"),
            "returnLineItems": rows,
            "notifyCustomer": options.notify,
        }
        note = note_with_key(options.note, key) if calculation is not None and key else None
        if note or options.note:
            process["note"] = note or options.note
        if calculation is not None:
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
        node = self._found(payload, "return", "return", ret.id)
        after = tg.return_from_graphql((yield from self._complete(node, "return")))
        if after.status is ReturnStatus.OPEN and not _left(after):
            try:
                closed = yield from self._mutate(
                    "ReturnClose", "returnClose", {"id": tg.gid("Return", ret.id)}, state="open"
                )
            except PlatformError as error:  # processed (and refunded): a re-read settles it
                raise unsettled(error, f"return {ret.id}'s processing") from error
            node = self._found(closed, "return", "return", ret.id)
            after = tg.return_from_graphql((yield from self._complete(node, "return")))
        if calculation is None:
            return after, None
        try:
            fresh = yield from self.get_order(order.id)
        except PlatformError as error:  # the refund carries the key: a re-read settles it
            raise unsettled(error, f"return {ret.id}'s processing and refund") from error
        ours = [r for r in fresh.refunds if r.idempotency_key == key]
        if not ours:
            # Shopify answered, so the refund is ours: the one new refund of this return (should
            # the key marker not have reached the refund's note)
            known = {r.id for r in order.refunds}
            ours = [r for r in fresh.refunds if r.id not in known and r.return_id == ret.id]
        if len(ours) != 1:
            raise PlatformError(
                f"returnProcess answered, but {len(ours)} refunds of order {order.id} carry "
                "its key or are new refunds of the return",
                platform=self.platform,
                code="refund_not_found",
            )
        return after, ours[0]

    def get_refund(self, refund_id: str) -> Op[Refund]:
        """``refund(id:)`` with its order's currency, every connection read to the end."""
        data = yield from self._gql("RefundGet", {"id": tg.gid("Refund", refund_id, "refund_id")})
        node = yield from self._complete(self._found(data, "refund", "refund", refund_id), "refund")
        owner = node.get("order") or {}
        return tg.refund_from_graphql(
            node,
            tg.legacy(owner.get("id")) or "",
            str(owner.get("presentmentCurrencyCode") or "USD"),
            taxes_included=bool(owner.get("taxesIncluded")),
        )
