"""The Shopify sandbox's GraphQL Admin API: a small resolver layer over the store's state.

``POST /admin/api/{version}/graphql.json`` lands here (see :class:`..ShopifyEmulator`). The
document is parsed with graphql-core and its root fields dispatched (:mod:`.execute`) to
resolvers; each builds a GraphQL-shaped view of :class:`~..state.ShopifyState` (the same state
the REST routes use, so one store answers both dialects consistently; :mod:`.views`), and the
view is projected onto the document's selection. Only the root fields and object fields the
adapter's documents use are answered; asking for anything else is a GraphQL error.

Writes translate their GraphQL input to the REST-shaped input of the state's methods; a
:class:`~..errors.ShopifyError` becomes ``userErrors`` with field paths. What GraphQL adds lives
here, on the same state: returns (:mod:`.returns`), fulfillment line item ids, ``orderCancel``
jobs (done after ``cancel_job_polls`` polls; :mod:`.orders`), the ``@idempotent`` key ledger (a
repeated key returns the first result; 2026-04+ refuses ``refundCreate`` without one), hold
release by hold ids (:mod:`.fulfillment`), and the cost-based limit (:mod:`.cost`:
``extensions.cost`` on every answer; ``THROTTLED`` when enforced).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLError, parse

from ...graphql.documents import estimate_cost
from ..state import ShopifyState
from .cost import COST_BUCKET, COST_RESTORE, CostLimit, actual_cost
from .execute import Resolver, execute
from .fulfillment import FulfillmentOrderResolvers
from .orders import OrderResolvers
from .queries import QueryResolvers
from .returns import ReturnResolvers
from .values import Fail, Obj
from .views import Views

__all__ = ["COST_BUCKET", "COST_RESTORE", "GraphQLSandbox"]


class GraphQLSandbox:
    """Answers GraphQL Admin API requests from a :class:`ShopifyState`.

    ``clock`` drives the cost bucket; ``rate_limit`` says whether the limit is enforced
    (``THROTTLED``) or only measured.
    """

    def __init__(
        self, state: ShopifyState, clock: Callable[[], float], rate_limit: bool = False
    ) -> None:
        self.state = state
        self.cost = CostLimit(clock, enforce=rate_limit)
        self.views = Views(state)
        returns = ReturnResolvers(self.views)
        self._orders = OrderResolvers(self.views)
        self.roots: dict[str, Resolver] = {
            **QueryResolvers(self.views).roots(),
            **returns.roots(),
        }
        self.mutations: dict[str, Resolver] = {
            **self._orders.mutations(),
            **returns.mutations(),
            **FulfillmentOrderResolvers(self.views).mutations(),
        }
        self.version = "2026-04"

    @property
    def cancel_job_polls(self) -> int:
        """Polls of an ``orderCancel`` job before it reports done."""
        return self._orders.cancel_job_polls

    @cancel_job_polls.setter
    def cancel_job_polls(self, value: int) -> None:
        self._orders.cancel_job_polls = value

    @property
    def throttled(self) -> int:
        """Requests refused with ``THROTTLED`` so far."""
        return self.cost.throttled

    def handle(self, body: Any, version: str) -> tuple[int, Obj]:
        """Answer one ``graphql.json`` POST: ``(status, body)``."""
        self.version = version
        if not isinstance(body, Mapping) or not isinstance(body.get("query"), str):
            return 400, {"errors": [{"message": "Parameter Missing or Invalid: query"}]}
        text = str(body["query"])
        variables = body.get("variables") or {}
        try:
            document = parse(text)
        except GraphQLError as error:
            return 200, {"errors": [{"message": error.message, "extensions": {"code": "PARSE"}}]}
        cost = estimate_cost(text)
        if self.cost.refuses(cost):
            return 200, {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {
                            "code": "THROTTLED",
                            "documentation": "https://shopify.dev/api/usage/rate-limits",
                        },
                    }
                ],
                "extensions": {"cost": self.cost.report(cost, None)},
            }
        try:
            data = execute(
                document,
                body.get("operationName"),
                variables,
                roots=self.roots,
                mutations=self.mutations,
                ledger=lambda: self.state.data.setdefault("idempotency", {}),
                version=version,
            )
        except Fail as error:
            failure: Obj = {"message": error.message, "extensions": {"code": error.code}}
            if error.path:
                failure["path"] = error.path
            return 200, {"errors": [failure], "extensions": {"cost": self.cost.report(cost, 1)}}
        actual = actual_cost(data, document)
        return 200, {"data": data, "extensions": {"cost": self.cost.report(cost, actual)}}
