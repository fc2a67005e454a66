"""What an app's access scopes leave out of its reads, which Shopify's answers do not say.

- **Orders.** "Only the last 60 days' worth of orders from a store are accessible from the
  ``Order`` object by default", older ones need the ``read_all_orders`` scope (the 2026-04
  schema, ``Order``). Without it an older order is neither listed nor read, so one a sync cannot
  find may well exist: the sync then marks deleted only the orders Shopify says were deleted.
- **Fulfillment orders.** Shopify lists an order's fulfillment orders filtered by the app's
  fulfillment-order scopes: "An API client will only receive a subset of the fulfillment orders
  which belong to an order if they don't have the necessary access scopes" (``FulfillmentOrder``).
  Two scope families cover those an order-reading app needs: merchant-managed locations, and
  locations of other fulfillment services.

A sync asks the app's scopes once a run (``currentAppInstallation.accessScopes``, one query; the
REST dialect sends it to ``graphql.json``). **INFERRED**: a ``write_`` scope grants its ``read_``
twin (Shopify's scope list says write access includes read access); the
``*_assigned_fulfillment_orders`` family covers only the locations of fulfillment services the
app itself registers, which an app that registers none does not have, so its absence is not a
gap; an order older than the 60 days answers as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from unified_orders.adapter import Op, ReadLimits, Request
from unified_orders.errors import PlatformError

from .answers import graphql_data
from .vocabulary import PLATFORM

__all__ = [
    "DOCUMENT",
    "OLD_ORDERS",
    "SHOWN_DAYS",
    "TEXT",
    "UNKNOWN",
    "fulfillment_order_gaps",
    "granted",
    "limits",
    "read_limits",
]

#: The document's operation name.
DOCUMENT = "AppAccessScopes"
#: Its text (the GraphQL dialect's registry holds it too, where the schema test validates it).
TEXT = "query AppAccessScopes {\n  currentAppInstallation { accessScopes { handle } }\n}\n"

#: The scope families whose fulfillment orders a read lists only when granted, and where those are.
_FAMILIES = {
    "merchant_managed_fulfillment_orders": "at the merchant's own locations",
    "third_party_fulfillment_orders": "at other fulfillment services' locations",
}


def granted(data: Mapping[str, Any]) -> frozenset[str]:
    """The scope handles an ``AppAccessScopes`` answer names; an answer of another shape is a
    read error (never "no scopes")."""
    installation = data.get("currentAppInstallation")
    scopes = installation.get("accessScopes") if isinstance(installation, Mapping) else None
    if not isinstance(scopes, list):
        raise PlatformError(
            f"{DOCUMENT}: the answer names no access scopes", platform=PLATFORM, details=data
        )
    return frozenset(
        str(scope["handle"])
        for scope in scopes
        if isinstance(scope, Mapping) and scope.get("handle")
    )


def fulfillment_order_gaps(scopes: Collection[str]) -> dict[str, str]:
    """The fulfillment orders an app with these scopes is not shown, each with what to grant."""
    return {
        f"fulfillment orders {where}": (
            f"Shopify lists only the fulfillment orders this app's access scopes cover: grant it "
            f"the read_{family} access scope to read them"
        )
        for family, where in _FAMILIES.items()
        if f"read_{family}" not in scopes and f"write_{family}" not in scopes
    }


#: What an app without ``read_all_orders`` is not shown, and why.
OLD_ORDERS = "orders placed more than 60 days ago"
_OLD_ORDERS_WHY = (
    "Shopify shows an app without the read_all_orders access scope only the last 60 days of "
    "orders: grant it read_all_orders to read the older ones"
)


#: How far back an app without ``read_all_orders`` is shown orders.
SHOWN_DAYS = 60


def limits(scopes: Collection[str], now: datetime | None = None) -> ReadLimits:
    """What an app with these scopes is not shown (``now``: the moment asked, UTC)."""
    details = fulfillment_order_gaps(scopes)
    if "read_all_orders" in scopes:
        return ReadLimits(details=details)
    moment = now if now is not None else datetime.now(UTC)
    return ReadLimits(
        orders={OLD_ORDERS: _OLD_ORDERS_WHY},
        details=details,
        hidden_before=moment - timedelta(days=SHOWN_DAYS),
    )


#: Said where the scopes could not be read: older orders may be hidden, so none is marked deleted
#: for not being found (the safe side), and the fulfillment orders' gaps are unknown.
UNKNOWN = "orders and fulfillment orders this app's access scopes may hide"


def read_limits() -> Op[ReadLimits]:
    """Ask the app's scopes (one query); what its reads leave out (see the module's docs). Where
    Shopify refuses the query or its answer cannot be read, orders count as hidden (nothing is
    marked deleted for not being found) and the run says why."""
    try:
        response = yield Request(
            "POST",
            "graphql.json",
            json={"query": TEXT, "operationName": DOCUMENT},
            retry_safe=True,
            write=False,  # a query: an unreadable answer is a read error, sent again
        )
        scopes = granted(graphql_data(DOCUMENT, response, write=False))
    except PlatformError as error:
        return ReadLimits(orders={UNKNOWN: f"the app's access scopes could not be read ({error})"})
    return limits(scopes)
