"""The GraphQL dialect's plumbing: the cost bucket, sending documents, reading results.

Every request is ``POST graphql.json`` with a document from :mod:`.documents`. Queries are sent
as reads (``write=False``) and marked ``retry_safe`` (a lost response is simply asked again);
mutations are writes, not retry-safe unless the mutation is idempotent. ``userErrors`` and
top-level ``errors`` are refusals, typed errors (:mod:`.translate`); a mutation's answer that
cannot be read is a lost response (:class:`~unified_orders.errors.ResponseLost`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, NoReturn

from unified_orders.adapter import Capability, Op, Request, Response, error_for_status
from unified_orders.errors import NotFound, PlatformError, RateLimited, ResponseLost
from unified_orders.ratelimit import TokenBucket

from ..answers import throttled_wait
from ..base import GRAPHQL_CAPABILITIES, ShopifyAdapterBase
from ..settings import ShopifySettings
from ..vocabulary import PLATFORM
from . import translate as tg
from .documents import DOCUMENTS, requested_cost

__all__ = ["GraphQLPlumbing"]


def _internal_error(errors: Any) -> bool:
    rows = errors if isinstance(errors, list) else []
    return any(
        isinstance(e, Mapping)
        and (e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"
        for e in rows
    )


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
        wait = throttled_wait(body, restore)
        if wait is not None:
            return wait
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
    def _gql(
        self,
        name: str,
        variables: Mapping[str, Any],
        *,
        retry_safe: bool = True,
        write: bool = False,
    ) -> Op[Any]:
        """Send a registered document; return ``data`` (top-level ``errors`` raise)."""
        data, _ = yield from self._exchange(name, variables, retry_safe=retry_safe, write=write)
        return data

    def _exchange(
        self, name: str, variables: Mapping[str, Any], *, retry_safe: bool, write: bool
    ) -> Op[tuple[Mapping[str, Any], int]]:
        """Send a document; return its ``data`` and the HTTP status.

        Queries are POSTs too, so each request says whether it is a ``write``: an answer that makes
        no sense is a read error for a query, and a lost response for a mutation (Shopify may have
        applied it; the exactly-once logic re-reads and decides). Top-level ``errors`` are typed
        errors, except ``INTERNAL_SERVER_ERROR`` on a mutation, which is a lost response too
        (INFERRED: Shopify does not say whether a mutation it failed on internally took effect).
        """
        response = yield Request(
            "POST",
            "graphql.json",
            json={"query": DOCUMENTS[name], "variables": dict(variables), "operationName": name},
            cost=requested_cost(name),
            retry_safe=retry_safe,
            write=write,
        )
        body = response.body
        if type(body) is not dict and not isinstance(body, Mapping):
            self._unreadable(name, response, "the response is not a GraphQL result", write=write)
        errors = body.get("errors")
        if errors:
            if write and _internal_error(errors):
                raise ResponseLost(
                    f"{name}: Shopify answered with an internal error; the mutation may have "
                    "taken effect",
                    response=response,
                )
            raise tg.graphql_errors_error(body, response.status)
        data = body.get("data")
        if type(data) is not dict and not isinstance(data, Mapping):
            self._unreadable(name, response, "no data in the response", write=write)
        return data, response.status

    def _unreadable(self, name: str, response: Response, what: str, *, write: bool) -> NoReturn:
        """An answer without a readable result: lost for a mutation, an error for a query."""
        if write:
            raise ResponseLost(
                f"{name}: {what}; the mutation may have taken effect", response=response
            )
        raise PlatformError(
            f"{name}: {what}",
            status=response.status,
            platform=self.platform,
            details=response.text,
        )

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
        """Run a mutation; its ``userErrors`` (or ``errors_key``) raise typed errors.

        ``userErrors`` are Shopify's refusal: the mutation did not take effect, so they are a
        typed error carrying the answer's HTTP status, never a lost response. A payload that is
        missing altogether is an answer that cannot be read: a lost response.
        """
        data, status = yield from self._exchange(name, variables, retry_safe=retry_safe, write=True)
        payload = data.get(field)
        if not isinstance(payload, Mapping):
            raise ResponseLost(
                f"{field}: no payload in the answer; the mutation may have taken effect"
            )
        errors = payload.get(errors_key) or []
        if errors:
            raise tg.user_errors_error(errors, field, state=state, status=status)
        return payload

    @staticmethod
    def _found(data: Mapping[str, Any], key: str, what: str, ident: str) -> Mapping[str, Any]:
        node = data.get(key)
        if type(node) is not dict and not isinstance(node, Mapping):
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
