"""The GraphQL dialect's plumbing: the cost bucket, sending documents, reading results.

Every request is ``POST graphql.json`` with a document from :mod:`.documents`. Reads are marked
``retry_safe`` (a lost response is simply asked again); writes are not, unless the mutation is
idempotent. ``userErrors`` and top-level ``errors`` become typed errors (:mod:`.translate`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from unified_orders.adapter import Capability, Op, Request, Response, error_for_status
from unified_orders.errors import NotFound, PlatformError, RateLimited
from unified_orders.ratelimit import TokenBucket

from ..base import GRAPHQL_CAPABILITIES, ShopifyAdapterBase
from ..settings import ShopifySettings
from ..vocabulary import PLATFORM
from . import translate as tg
from .documents import DOCUMENTS, requested_cost

__all__ = ["GraphQLPlumbing"]


def _job_pending(body: Any) -> bool:
    data = body.get("data") if isinstance(body, Mapping) else None
    job = data.get("job") if isinstance(data, Mapping) else None
    return isinstance(data, Mapping) and isinstance(job, Mapping) and job.get("done") is False


class GraphQLPlumbing(ShopifyAdapterBase):
    """Shopify through the GraphQL Admin API: connection and request plumbing shared by the
    operation groups (orders and refunds, returns, fulfillment orders)."""

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

    # --- documents ----------------------------------------------------------------------------
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
            raise NotFound(f"{what} {ident} was not found", status=404, platform=PLATFORM)
        return node

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
