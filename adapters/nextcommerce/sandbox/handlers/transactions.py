"""``transactions/``: every payment transaction of the store, newest last, in cursor pages."""

from __future__ import annotations

from typing import Any

from unified_orders.sandbox import SandboxRequest

from ..render import render_transaction
from ..state import Json, NextCommerceBackend
from .paging import cursor_page

__all__ = ["TransactionHandlers"]

_AGENT = {"id": 1, "email": "agent@example.com", "first_name": "Sandbox", "last_name": "Agent"}


class TransactionHandlers:
    """``transactionsList``, filtered by ``date_created_from``/``_to`` (dates) and ``type``."""

    backend: NextCommerceBackend
    page_size: int

    def list_transactions(self, request: SandboxRequest) -> tuple[int, Any]:
        """A page of ``Transaction`` objects, each naming its ``order``; ``t{offset}`` cursors."""
        since, until = request.arg("date_created_from"), request.arg("date_created_to")
        kind = request.arg("type")
        found = []
        for order in self.backend.data["orders"].values():
            for txn in order["transactions"]:
                day = str(txn["date_created"])[:10]
                if (since and day < since) or (until and day > until):
                    continue
                if kind and txn["type"] != kind:
                    continue
                found.append((str(txn["date_created"]), txn["id"], order, txn))
        found.sort(key=lambda item: (item[0], item[1]))

        def render(item: tuple[str, Any, Json, Json]) -> Json:
            _, _, order, txn = item
            return {
                **render_transaction(self.backend, order, txn),
                "order": order["number"],
                # a ``Transaction`` also names who it was for, by whom, and where it came from
                "user": dict(order["user"]),
                "initiator": dict(_AGENT),
                "attribution": {"agent": dict(_AGENT), "funnel": None, "affiliate": None},
                # INFERRED: a one-off payment has no subscription (null; the spec types it an
                # object)
                "subscription": None,
            }

        page = cursor_page(
            request, found, render, path="transactions/", prefix="t", size=self.page_size
        )
        return 200, page
