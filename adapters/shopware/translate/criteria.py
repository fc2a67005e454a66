"""Search criteria: the associations the adapter loads and the body of an order listing (time
windows, ``orderNumber``, ``orderCustomer.email``, the order state)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from unified_orders.adapter import OrderQuery
from unified_orders.models import OrderStatus

from .values import storage_time

__all__ = [
    "ORDER_ASSOCIATIONS",
    "RETURN_ASSOCIATIONS",
    "changes_criteria",
    "ids_criteria",
    "order_criteria",
]

ORDER_ASSOCIATIONS: dict[str, Any] = {
    "lineItems": {},
    "deliveries": {
        "associations": {
            "stateMachineState": {},
            "shippingOrderAddress": {"associations": {"country": {}, "countryState": {}}},
            "positions": {},
        }
    },
    "transactions": {
        "associations": {
            "stateMachineState": {},
            "paymentMethod": {},
            "captures": {
                "associations": {
                    "stateMachineState": {},
                    "refunds": {"associations": {"stateMachineState": {}, "positions": {}}},
                }
            },
        }
    },
    "stateMachineState": {},
    "currency": {},
    "orderCustomer": {},
    "billingAddress": {"associations": {"country": {}, "countryState": {}}},
}
RETURN_ASSOCIATIONS: dict[str, Any] = {
    "state": {},
    "lineItems": {"associations": {"state": {}, "reason": {}}},
}


#: The order states (``stateMachineState.technicalName``) of each canonical status.
STATES_OF: dict[OrderStatus, list[str]] = {
    OrderStatus.OPEN: ["open", "in_progress"],
    OrderStatus.CLOSED: ["completed"],
    OrderStatus.CANCELED: ["cancelled"],
}


def _range(field: str, op: str, moment: datetime) -> dict[str, Any]:
    return {"type": "range", "field": field, "parameters": {op: storage_time(moment)}}


def _updated(op: str, moment: datetime) -> dict[str, Any]:
    # updatedAt stays NULL until an order is first changed: such orders count by createdAt.
    return {
        "type": "multi",
        "operator": "or",
        "queries": [
            _range("updatedAt", op, moment),
            {
                "type": "multi",
                "operator": "and",
                "queries": [
                    {"type": "equals", "field": "updatedAt", "value": None},
                    _range("createdAt", op, moment),
                ],
            },
        ],
    }


def order_criteria(query: OrderQuery, page: int, limit: int) -> dict[str, Any]:
    """The ``search/order`` body for one page of a listing."""
    filters: list[dict[str, Any]] = []
    if query.created_since is not None:
        filters.append(_range("createdAt", "gte", query.created_since))
    if query.created_until is not None:
        filters.append(_range("createdAt", "lte", query.created_until))
    if query.updated_since is not None:
        filters.append(_updated("gte", query.updated_since))
    if query.updated_until is not None:
        filters.append(_updated("lte", query.updated_until))
    if query.number is not None:
        number = query.number.strip().removeprefix("#").strip()
        filters.append({"type": "equals", "field": "orderNumber", "value": number})
    if query.email is not None:
        # INFERRED: equals on a text column compares as MySQL's collation does (any case)
        filters.append({"type": "equals", "field": "orderCustomer.email", "value": query.email})
    if query.status is not None:
        filters.append(
            {
                "type": "equalsAny",
                "field": "stateMachineState.technicalName",
                "value": STATES_OF[query.status],
            }
        )
    body: dict[str, Any] = {
        "page": page,
        "limit": limit,
        "sort": [{"field": "createdAt", "order": "ASC"}, {"field": "id", "order": "ASC"}],
        "associations": ORDER_ASSOCIATIONS,
        "total-count-mode": "none",
    }
    if filters:
        body["filter"] = filters
    return body


#: Associations whose writes leave ``order.updatedAt`` as it was: payment state transitions,
#: captures and capture refunds, deliveries (Shopware does not bump the order on them).
CHANGE_PATHS = (
    "transactions",
    "transactions.captures",
    "transactions.captures.refunds",
    "deliveries",
)


def _touched(path: str, moment: datetime) -> dict[str, Any]:
    """Rows of ``path`` created or updated at or after ``moment``."""
    return {
        "type": "multi",
        "operator": "or",
        "queries": [
            _range(f"{path}.createdAt", "gte", moment),
            _range(f"{path}.updatedAt", "gte", moment),
        ],
    }


def changes_criteria(since: datetime, page: int, limit: int, *, returns: bool) -> dict[str, Any]:
    """The ``search/order`` body of one page of order ids whose associations changed since
    ``since`` (``returns``: the shop has Commercial returns, whose rows count too)."""
    paths = [*CHANGE_PATHS, *(["returns"] if returns else [])]
    return {
        "page": page,
        "limit": limit,
        "filter": [
            {"type": "multi", "operator": "or", "queries": [_touched(p, since) for p in paths]}
        ],
        "sort": [{"field": "id", "order": "ASC"}],
        "includes": {"order": ["id"]},
        "total-count-mode": "none",
    }


def ids_criteria(page: int, limit: int) -> dict[str, Any]:
    """The ``search/order`` body of one page of an id-only listing of every order."""
    return {
        "page": page,
        "limit": limit,
        "sort": [{"field": "createdAt", "order": "ASC"}, {"field": "id", "order": "ASC"}],
        "includes": {"order": ["id"]},
        "total-count-mode": "none",
    }
