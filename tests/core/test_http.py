"""The HTTP layer's rules: retries, Retry-After, lost writes, re-authentication, redaction, pacing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import httpx
import pytest
from toy import ToyAdapter, ToySettings

import unified_orders as uo
from unified_orders.adapter import Op, Request, Response
from unified_orders.errors import ResponseLost
from unified_orders.http import SyncDriver, emulator_transport, retry_after_seconds
from unified_orders.ratelimit import TokenBucket

Handler = Callable[[httpx.Request], httpx.Response]


class Probe(ToyAdapter):
    """The toy adapter with a renewable token, to watch authentication."""

    tokens: Iterator[str]
    current: str | None = None
    forgotten = 0

    def authenticate(self) -> Op[Mapping[str, str]]:
        if self.current is None:
            self.current = next(self.tokens)
        return {"authorization": f"Bearer {self.current}"}
        yield  # pragma: no cover

    def forget_credentials(self) -> None:
        self.forgotten += 1
        self.current = None

    def secrets(self) -> list[str]:
        return [self.current] if self.current else []


def driver(handler: Handler, **settings: Any) -> tuple[SyncDriver, Probe, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def recording(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return handler(request)

    adapter = Probe(ToySettings(max_attempts=4, retry_backoff=0, **settings))
    adapter.tokens = iter(["first-secret-token", "second-secret-token"])
    return SyncDriver(adapter, httpx.MockTransport(recording)), adapter, sent


def run(drv: SyncDriver, request: Request) -> Response:
    def op() -> Op[Response]:
        return (yield request)

    return drv.run(op())


def replies(*responses: httpx.Response | Exception) -> Handler:
    queue = list(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handle


def test_429_is_retried_after_retry_after() -> None:
    drv, _, sent = driver(
        replies(httpx.Response(429, headers={"retry-after": "0"}), httpx.Response(200, json={}))
    )
    assert run(drv, Request("POST", "refunds", json={})).status == 200
    assert len(sent) == 2  # a 429 was not processed, so even a write is retried


def test_429_that_persists_becomes_rate_limited() -> None:
    drv, _, sent = driver(lambda r: httpx.Response(429, headers={"retry-after": "0"}))
    with pytest.raises(uo.RateLimited):
        run(drv, Request("GET", "orders"))
    assert len(sent) == 4


def test_5xx_on_a_read_is_retried() -> None:
    drv, _, sent = driver(replies(httpx.Response(503), httpx.Response(200, json={"ok": True})))
    assert run(drv, Request("GET", "orders/1")).body == {"ok": True}
    assert len(sent) == 2


def test_5xx_after_sending_a_write_is_not_repeated() -> None:
    drv, _, sent = driver(lambda r: httpx.Response(502))
    with pytest.raises(ResponseLost) as caught:
        run(drv, Request("POST", "orders/1/refund"))
    assert isinstance(caught.value, uo.AmbiguousWrite)
    assert len(sent) == 1


def test_timeout_on_a_write_is_a_lost_response() -> None:
    drv, _, sent = driver(replies(httpx.ReadTimeout("slow")))
    with pytest.raises(ResponseLost):
        run(drv, Request("POST", "orders/1/cancel"))
    assert len(sent) == 1


def test_connection_refused_is_retried_even_for_writes() -> None:
    drv, _, sent = driver(replies(httpx.ConnectError("refused"), httpx.Response(201, json={})))
    assert run(drv, Request("POST", "orders/1/refund")).status == 201
    assert len(sent) == 2


def test_idempotent_writes_may_be_retried() -> None:
    drv, _, sent = driver(replies(httpx.ReadTimeout("slow"), httpx.Response(200, json={})))
    assert run(drv, Request("POST", "graphql", retry_safe=True)).status == 200
    assert len(sent) == 2


def test_401_renews_credentials_once() -> None:
    drv, adapter, sent = driver(replies(httpx.Response(401), httpx.Response(200, json={})))
    assert run(drv, Request("GET", "orders")).status == 200
    assert adapter.forgotten == 1
    assert [r.headers["authorization"] for r in sent] == [
        "Bearer first-secret-token",
        "Bearer second-secret-token",
    ]


def test_second_401_is_an_authentication_error() -> None:
    drv, _, sent = driver(lambda r: httpx.Response(401, json={"detail": "bad token"}))
    with pytest.raises(uo.AuthenticationError):
        run(drv, Request("GET", "orders"))
    assert len(sent) == 2


def test_secrets_are_redacted_from_errors() -> None:
    drv, _, _ = driver(
        lambda r: httpx.Response(400, json={"detail": "token first-secret-token is wrong"})
    )
    with pytest.raises(uo.PlatformError) as caught:
        run(drv, Request("GET", "orders"))
    assert "first-secret-token" not in str(caught.value)
    assert "***" in str(caught.value)


def test_accepted_statuses_reach_the_operation() -> None:
    drv, _, _ = driver(lambda r: httpx.Response(404, json={"errors": "nope"}))
    assert run(drv, Request("GET", "probe", accept=frozenset({404}))).status == 404


def test_errors_thrown_into_an_operation_can_be_handled() -> None:
    drv, _, _ = driver(lambda r: httpx.Response(404, json={}))

    def op() -> Op[str]:
        try:
            yield Request("GET", "missing")
        except uo.NotFound:
            return "handled"
        return "not reached"

    assert drv.run(op()) == "handled"


def test_bodies_carry_exact_decimals_both_ways() -> None:
    seen: list[bytes] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.read())
        return httpx.Response(200, content=b'{"amount": 0.1, "id": 9007199254740993}')

    drv, _, _ = driver(handle)
    response = run(drv, Request("POST", "x", json={"amount": Decimal("10.50")}))
    assert seen == [b'{"amount":10.50}']  # compact, the Decimal's digits as they are
    assert response.body == {"amount": Decimal("0.1"), "id": 9007199254740993}


def test_retry_after_accepts_http_dates() -> None:
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds(None) is None


def test_token_bucket_paces_and_syncs() -> None:
    now = [0.0]
    bucket = TokenBucket(capacity=2, refill_per_second=4, clock=lambda: now[0])
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == pytest.approx(0.25)  # queued behind the two
    now[0] = 1.0
    bucket.sync(available=0.5)
    assert bucket.level == pytest.approx(0.5)


class Echo(uo.Emulator):
    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> tuple[int, Any, Mapping[str, str]]:
        return 200, {"method": method, "path": path, "query": dict(query), "body": body}, {}


def test_emulator_transport_passes_parsed_bodies() -> None:
    client = httpx.Client(transport=emulator_transport(Echo()), base_url="https://x.example")
    answer = client.post("/a/b?x=1&x=2", content=b'{"amount": 1.10}').json()
    assert answer == {
        "method": "POST",
        "path": "/a/b",
        "query": {"x": ["1", "2"]},
        "body": {"amount": 1.1},
    }


@pytest.mark.parametrize(
    "content", [b"<html>502 Bad Gateway</html>", b'{"order": {"id"', b"", b"null", b"[" * 50_000]
)
def test_an_unreadable_answer_to_a_read_is_an_error_never_an_empty_page(content: bytes) -> None:
    drv, _, sent = driver(lambda r: httpx.Response(200, content=content))
    with pytest.raises(uo.PlatformError, match="answered 200 with"):
        run(drv, Request("GET", "orders"))
    assert len(sent) == 4  # a read is retried first


@pytest.mark.parametrize("content", [b"<html>oops</html>", b"", b"null", b"[" * 50_000])
def test_an_unreadable_answer_to_a_write_is_a_lost_response(content: bytes) -> None:
    drv, _, sent = driver(lambda r: httpx.Response(201, content=content or b"x"[:0]))
    with pytest.raises(ResponseLost, match="may have taken effect"):
        run(drv, Request("POST", "orders/1/refunds", json={"a": 1}))
    assert len(sent) == 1


def test_a_graphql_style_read_posted_is_still_a_read() -> None:
    drv, _, _ = driver(lambda r: httpx.Response(200, content=b"<html></html>"))
    with pytest.raises(uo.PlatformError) as caught:
        run(drv, Request("POST", "graphql.json", json={"query": "{}"}, write=False))
    assert not isinstance(caught.value, ResponseLost)


def test_credentials_only_go_to_the_store_origin() -> None:
    drv, _, sent = driver(lambda r: httpx.Response(200, json={}))
    with pytest.raises(uo.PlatformError, match="refusing to send credentials"):
        run(drv, Request("GET", "https://attacker.example/api/orders/?cursor=x"))
    assert sent == []


def test_a_retry_after_beyond_the_budget_is_not_waited_out() -> None:
    drv, _, sent = driver(
        lambda r: httpx.Response(429, headers={"retry-after": "3600"}), max_retry_seconds=5
    )
    with pytest.raises(uo.RateLimited):
        run(drv, Request("GET", "orders"))
    assert len(sent) == 1


def test_secrets_are_redacted_from_details_problems_and_causes() -> None:
    body = {"detail": "bad token first-secret-token", "token": "first-secret-token"}
    drv, _, _ = driver(lambda r: httpx.Response(400, json=body))
    with pytest.raises(uo.PlatformError) as caught:
        run(drv, Request("GET", "orders"))
    error = caught.value
    seen = [str(error), repr(error.details), *(str(p) for p in error.problems)]
    cause = error.__cause__ or error.__context__
    while cause is not None:
        seen.append(str(cause))
        cause = cause.__cause__ or cause.__context__
    assert not any("first-secret-token" in text for text in seen)
