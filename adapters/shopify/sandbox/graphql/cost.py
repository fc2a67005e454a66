"""The GraphQL Admin API's cost-based limit: requested cost charged up front, actual cost spent.

The bucket is the toolkit's :class:`~unified_orders.sandbox.CostBucket`; every answer reports it
in ``extensions.cost``. Enforced (``rate_limit``), a request costing more than is available is
refused with ``THROTTLED``; otherwise it is only measured.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import DocumentNode, OperationDefinitionNode, OperationType

from unified_orders.sandbox import CostBucket

from .values import Obj

__all__ = ["COST_BUCKET", "COST_RESTORE", "CostLimit", "actual_cost"]

COST_BUCKET = 2000
COST_RESTORE = 100.0


class CostLimit:
    """The cost bucket of one shop's GraphQL requests."""

    def __init__(self, clock: Callable[[], float], *, enforce: bool) -> None:
        self.bucket = CostBucket(COST_BUCKET, COST_RESTORE, clock, enforce=enforce)
        #: Requests refused so far.
        self.throttled = 0

    def refuses(self, requested: int) -> bool:
        """Restore the bucket; with the limit enforced, refuse a request costing more than is
        available (Shopify checks the requested cost up front)."""
        if self.bucket.charge(requested) is not None:
            self.throttled += 1
            return True
        return False

    def report(self, requested: int, actual: int | None) -> Obj:
        """``extensions.cost``; the actual cost (when the request ran) leaves the bucket."""
        if actual is not None:
            self.bucket.spend(actual)
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": float(self.bucket.size),
                "currentlyAvailable": int(self.bucket.available),
                "restoreRate": self.bucket.restore_rate,
            },
        }


def actual_cost(data: Any, document: DocumentNode) -> int:
    """What a request really cost: one point per object returned (Shopify charges for what
    a query returned, not the page sizes it asked for; INFERRED rule), plus 10 per mutation."""

    def objects(value: Any) -> int:
        if isinstance(value, Mapping):
            return 1 + sum(objects(v) for v in value.values())
        if isinstance(value, list):
            return sum(objects(v) for v in value)
        return 0

    mutations = sum(
        10 * len(d.selection_set.selections)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.operation is OperationType.MUTATION
    )
    return max(objects(data) - 1 + mutations, 1)
