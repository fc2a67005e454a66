"""Finding the orders a migration created, by the marker they carry (``sourceIdentifier``).

A migrated order carries the migration's marker as its ``sourceIdentifier`` (REST
``source_identifier``) and the ``uo-migrated`` tag, so a migration re-run or resumed after a crash
finds the order it already created instead of creating it twice.

- GraphQL: one ``OrdersPage`` search, ``query: "source_identifier:'<marker>'"`` (a filter the
  2026-04 schema documents for ``orders(query:)``); INFERRED: the filter matches the whole value
  (markers are ``uo-src-`` and hex digits, so no other order's identifier contains one).
- REST: ``orders.json`` has no ``source_identifier`` filter, so the orders are scanned with
  ``fields=id,source_identifier`` (250 a page: one request per 250 orders of the target for each
  lookup) and the field compared exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import Op, Request
from unified_orders.errors import PlatformError
from unified_orders.models import Order
from unified_orders.options import SourceMarker
from unified_orders.pagination import link_header_urls, query_value

from .base import ShopifyAdapterBase
from .graphql import translate as tg
from .graphql.paging import Paging

__all__ = ["GraphQLMigration", "RestMigration"]

_SCAN_PAGE = 250


def _quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class GraphQLMigration(Paging):
    """``find_orders_by_marker`` for the GraphQL dialect."""

    def find_orders_by_marker(self, marker: SourceMarker) -> Op[list[Order]]:
        """The orders whose ``sourceIdentifier`` is the marker (one search; each found order
        read in full)."""
        terms = f"source_identifier:{_quoted(marker.value)}"
        data = yield from self._gql("OrdersPage", {"query": terms, "after": None})
        connection = data.get("orders") or {}
        ids = [
            tg.legacy(node.get("id"))
            for node in connection.get("nodes") or []
            if isinstance(node, Mapping)
        ]
        found: list[Order] = []
        for order_id in ids:
            if order_id:
                found.append((yield from self.get_order(order_id)))
        return found


class RestMigration(ShopifyAdapterBase):
    """``find_orders_by_marker`` for the REST dialect."""

    def find_orders_by_marker(self, marker: SourceMarker) -> Op[list[Order]]:
        """The orders whose ``source_identifier`` is the marker: every order's id and
        identifier read (``fields=id,source_identifier``), the matches read in full."""
        params: dict[str, Any] = {
            "limit": _SCAN_PAGE,
            "status": "any",
            "fields": "id,source_identifier",
        }
        ids: list[str] = []
        while True:
            response = yield Request("GET", "orders.json", params=params)
            body = response.body
            if not isinstance(body, Mapping) or not isinstance(body.get("orders"), list):
                raise PlatformError(
                    "orders.json answered without 'orders'",
                    status=response.status,
                    platform=self.platform,
                    details=body,
                )
            for row in body["orders"]:
                if isinstance(row, Mapping) and row.get("source_identifier") == marker.value:
                    ids.append(str(row["id"]))
            links = link_header_urls(response.header("link"))
            cursor = query_value(links["next"], "page_info") if "next" in links else None
            if not cursor:
                break
            params = {"limit": _SCAN_PAGE, "page_info": cursor, "fields": "id,source_identifier"}
        found: list[Order] = []
        for order_id in ids:
            found.append((yield from self.get_order(order_id)))
        return found
