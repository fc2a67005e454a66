"""The sandbox's Bulk Operations: ``bulkOperationRunQuery``, ``bulkOperation(id:)``,
``currentBulkOperation``, ``bulkOperationCancel``, ``ordersCount``, and the result file.

A job is CREATED when submitted, RUNNING while ``faults.polls`` status reads last, then runs its
query against the store as it is at that moment (:mod:`.bulk_output`) and is COMPLETED, with its
JSONL file at a signed URL on a foreign host (:data:`DOWNLOAD_HOST`; INFERRED: Shopify's result
URLs point at Google Cloud Storage). The file is served by :meth:`BulkSandbox.serve` (a fault hook
of the emulator, so it sees requests for the foreign host before the Admin API's gate), and only
to a request without the store's access token (a signed URL needs none; refusing one proves none
is sent). Jobs live in the store's state (``bulk_operations``), so they survive dump and load.

A job whose query the app's access scopes do not cover (``denied_scopes`` in the store's state,
as the GraphQL API answers) is FAILED with ``errorCode`` ``ACCESS_DENIED``, as Shopify documents.

Fault hooks (:class:`BulkFaults`): the next job FAILED with an ``errorCode`` or CANCELED by
Shopify, a file truncated (its last line missing, or cut mid-line), nested connections cut at
``child_cap`` children, submissions answered ``OPERATION_IN_PROGRESS``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from unified_orders.sandbox import SandboxRequest

from .bulk_output import BulkQueryError, checked, run_bulk_query
from .graphql.search import search_terms
from .graphql.values import Fail, Obj, gid, gid_number

if TYPE_CHECKING:
    from . import ShopifyEmulator

__all__ = ["DOWNLOAD_HOST", "BulkFaults", "BulkSandbox"]

DOWNLOAD_HOST = "storage.googleapis.com"
_BUCKET = "/shopify-bulk-sandbox/"
#: Bulk queries an app may run at once per shop: five from API 2026-01, one before.
_CONCURRENT = {True: 5, False: 1}
_RUNNING = ("CREATED", "RUNNING", "CANCELING")


@dataclass
class BulkFaults:
    """What the next bulk jobs do wrong (tests set these)."""

    #: Status reads a job answers RUNNING before it completes (a slow job).
    polls: int = 0
    #: The next job fails with this ``errorCode`` (e.g. ``"INTERNAL_SERVER_ERROR"``).
    fail: str | None = None
    #: The next job is canceled by Shopify.
    cancel: bool = False
    #: The files served from now on: ``"line"`` lacks its last line, ``"cut"`` ends mid-line.
    truncate: str | None = None
    #: Nested connections are cut at this many children, without a word.
    child_cap: int | None = None
    #: The next submissions answered ``OPERATION_IN_PROGRESS``.
    busy: int = 0


class BulkSandbox:
    """The bulk side of one Shopify emulator (installed by :meth:`install`)."""

    def __init__(self, emulator: ShopifyEmulator) -> None:
        self.emulator = emulator
        self.faults = BulkFaults()
        #: Headers of every download request (tests check no credentials reach the host).
        self.downloads: list[dict[str, str]] = []

    @classmethod
    def install(cls, emulator: ShopifyEmulator) -> BulkSandbox:
        """Add the bulk root fields, mutations and file downloads to ``emulator``."""
        bulk = cls(emulator)
        graphql = emulator.graphql
        graphql.roots.update(
            bulkOperation=bulk.bulk_operation,
            currentBulkOperation=bulk.current,
            ordersCount=bulk.orders_count,
        )
        graphql.mutations.update(
            bulkOperationRunQuery=bulk.run_query, bulkOperationCancel=bulk.cancel
        )
        emulator.faults.insert(0, bulk.serve)
        return bulk

    # --- state ------------------------------------------------------------------------------
    @property
    def jobs(self) -> dict[str, Obj]:
        """The store's bulk jobs by id."""
        jobs: dict[str, Obj] = self.emulator.state.data.setdefault("bulk_operations", {})
        return jobs

    def _advance(self, job: Obj) -> Obj:
        """A job one status read later: running while its polls last, then finished."""
        if job["status"] == "CANCELING":
            job["status"] = "CANCELED"
        if job["status"] not in ("CREATED", "RUNNING"):
            return job
        if job["polls_left"] > 0:
            job["polls_left"] -= 1
            job["status"] = "RUNNING"
            return job
        if job["fail"]:
            job.update(status="FAILED", error_code=job["fail"])
        elif job["cancel"]:
            job["status"] = "CANCELED"
        else:
            try:
                lines = run_bulk_query(job["query"], self.emulator.graphql.roots, job["child_cap"])
            except Fail as error:
                if error.code != "ACCESS_DENIED":
                    raise
                # documented (BulkOperationErrorCode.ACCESS_DENIED): a query the app's access
                # scopes do not cover fails the job; no file
                job.update(status="FAILED", error_code="ACCESS_DENIED")
                return job
            job.update(
                status="COMPLETED",
                lines=lines,
                objects=len(lines),
                roots=sum(1 for line in lines if '"__parentId"' not in line),
            )
        return job

    def _view(self, job: Obj) -> Obj:
        completed = job["status"] == "COMPLETED"
        signature = hashlib.sha256(f"{job['id']}:{self.emulator.shop}".encode()).hexdigest()
        url = (
            f"https://{DOWNLOAD_HOST}{_BUCKET}{self.emulator.shop}/bulk-{job['id']}.jsonl"
            f"?X-Goog-Signature={signature}"
        )
        return {
            "id": gid("BulkOperation", job["id"]),
            "status": job["status"],
            "type": "QUERY",
            "query": job["query"],
            "errorCode": job.get("error_code"),
            "objectCount": str(job.get("objects") or 0),
            "rootObjectCount": str(job.get("roots") or 0),
            "fileSize": None,
            "url": url if completed else None,
            "partialDataUrl": None,
            "createdAt": None,
            "completedAt": None,
        }

    # --- the API ----------------------------------------------------------------------------
    def run_query(self, args: Mapping[str, Any]) -> Obj:
        """``bulkOperationRunQuery(query:, groupObjects:)``."""
        faults = self.faults
        if faults.busy > 0:
            faults.busy -= 1
            return _refused("A bulk query operation for this app and shop is already in progress.")
        running = [j for j in self.jobs.values() if j["status"] in _RUNNING]
        if len(running) >= _CONCURRENT[self.emulator.graphql.version >= "2026-01"]:
            return _refused(
                "Bulk operations limit reached. Please try again later.", "LIMIT_REACHED"
            )
        query = str(args.get("query") or "")
        try:
            checked(query)
        except BulkQueryError as error:
            return _refused(str(error), "INVALID", ["query"])
        number = len(self.jobs) + 1
        job: Obj = {
            "id": number,
            "query": query,
            "status": "CREATED",
            "polls_left": faults.polls,
            "fail": faults.fail,
            "cancel": faults.cancel,
            "child_cap": faults.child_cap,
        }
        faults.fail, faults.cancel = None, False
        self.jobs[str(number)] = job
        return {"bulkOperation": self._view(job), "userErrors": []}

    def bulk_operation(self, args: Mapping[str, Any]) -> Obj | None:
        """``bulkOperation(id:)``: the job, one status read later."""
        number = gid_number(args.get("id"), "BulkOperation")
        job = self.jobs.get(str(number)) if number is not None else None
        return self._view(self._advance(job)) if job is not None else None

    def current(self, args: Mapping[str, Any]) -> Obj | None:
        """``currentBulkOperation``: the newest job, one status read later."""
        if not self.jobs:
            return None
        newest = self.jobs[max(self.jobs, key=int)]
        return self._view(self._advance(newest))

    def cancel(self, args: Mapping[str, Any]) -> Obj:
        """``bulkOperationCancel(id:)``: a running job is CANCELING, then CANCELED."""
        number = gid_number(args.get("id"), "BulkOperation")
        job = self.jobs.get(str(number)) if number is not None else None
        if job is None:
            return _refused("Bulk operation does not exist", None, ["id"])
        if job["status"] not in ("CREATED", "RUNNING"):
            # INFERRED wording: Shopify refuses to cancel a finished operation.
            return {
                "bulkOperation": self._view(job),
                "userErrors": [
                    {
                        "field": None,
                        "message": f"A bulk operation cannot be canceled when it is "
                        f"{job['status'].lower()}",
                    }
                ],
            }
        job["status"] = "CANCELING"
        return {"bulkOperation": self._view(job), "userErrors": []}

    def orders_count(self, args: Mapping[str, Any]) -> Obj:
        """``ordersCount(query:, limit:)``: exact up to ``limit`` (10,000 unless null)."""
        terms = search_terms(str(args.get("query") or ""))
        state = self.emulator.state
        found = sum(1 for o in state.orders() if all(t(o) for t in terms) and state.shown(o))
        limit = args.get("limit", 10_000)
        if limit is not None and found > int(limit):
            return {"count": int(limit), "precision": "AT_LEAST"}
        return {"count": found, "precision": "EXACT"}

    # --- the file ---------------------------------------------------------------------------
    def serve(self, request: SandboxRequest) -> tuple[int, Any, Mapping[str, str]] | None:
        """Answer a download of a result file (a request for :data:`DOWNLOAD_HOST`)."""
        if request.headers.get("host") != DOWNLOAD_HOST:
            return None
        self.downloads.append(dict(request.headers))
        xml = {"content-type": "application/xml"}
        if request.headers.get("x-shopify-access-token") or request.headers.get("authorization"):
            return 400, b"<Error><Code>InvalidArgument</Code></Error>", xml
        name = request.path.rsplit("/", 1)[-1]
        number = name.removeprefix("bulk-").removesuffix(".jsonl")
        job = self.jobs.get(number)
        if request.method != "GET" or job is None or job["status"] != "COMPLETED":
            return 404, b"<Error><Code>NoSuchKey</Code></Error>", xml
        lines: list[str] = list(job["lines"])
        if self.faults.truncate == "line" and lines:
            lines.pop()
        body = "".join(f"{line}\n" for line in lines).encode()
        if self.faults.truncate == "cut" and lines:
            body = body[: len(body) - len(lines[-1]) // 2 - 1]
        return 200, body, {"content-type": "application/jsonl"}


def _refused(message: str, code: str | None = "OPERATION_IN_PROGRESS", field: Any = None) -> Obj:
    return {
        "bulkOperation": None,
        "userErrors": [{"field": field, "message": message, "code": code}],
    }
