"""``transactions/``: every payment transaction of the store, newest last, in cursor pages."""

from __future__ import annotations

import re
from typing import Any

from unified_orders.sandbox import SandboxRequest

from ...rules import API_ROOT
from ..render import render_transaction
from ..state import NextCommerceBackend, detail

__all__ = ["TransactionHandlers"]


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
        offset = 0
        cursor = request.arg("cursor")
        if cursor:
            match = re.fullmatch(r"t(\d+)", cursor)
            if match is None:
                raise detail("Invalid cursor", 404)
            offset = int(match.group(1))
        page = found[offset : offset + self.page_size]
        more = offset + self.page_size < len(found)
        host = request.headers.get("host", "sandbox.29next.store")
        base = f"https://{host}{API_ROOT}transactions/"
        return 200, {
            "next": f"{base}?cursor=t{offset + self.page_size}" if more else None,
            "previous": None,
            "results": [
                {**render_transaction(self.backend, order, txn), "order": order["number"]}
                for _, _, order, txn in page
            ],
        }
