"""Answers a real store (or something between us and it) may send, through the Next Commerce
store (issue 14): a ``next`` link or a resumed cursor pointing at another host is refused, never
followed with the bearer token; an order listing answered with HTML, ``null`` or anything but a page
is an error, never an empty page (a full sync would then mark every order deleted); and a write
whose 2xx answer cannot be read is a lost response, not a crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import httpx
import pytest
from unified_orders_adapters.nextcommerce.sandbox import NextCommerceEmulator

import unified_orders as uo
from unified_orders import jsonutil
from unified_orders.http import emulator_transport
from unified_orders.sync import run_sync

TOKEN = "tok-not-for-other-hosts-123"
HOST = "acme.29next.store"
LISTING = "/api/admin/orders/"

SETTINGS = {"store": "acme", "access_token": TOKEN, "rate_limit": False, "retry_backoff": 0}

Rewrite = Callable[[httpx.Request, httpx.Response], httpx.Response]


class Store:
    """A real-store connection (``acme``) answered by the emulator, each answer passed through
    ``rewrite``; ``hosts`` are the hosts every request went to."""

    def __init__(self, rewrite: Rewrite) -> None:
        self.emulator = NextCommerceEmulator()
        self.inner = emulator_transport(self.emulator)
        self.rewrite = rewrite
        self.hosts: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.hosts.append(request.url.host)
        return self.rewrite(request, self.inner.handle_request(request))

    def connect(self) -> uo.Store:
        return uo.connect("nextcommerce", transport=httpx.MockTransport(self.handle), **SETTINGS)

    def connect_async(self) -> uo.AsyncStore:
        transport = httpx.MockTransport(self.handle)
        return uo.connect_async("nextcommerce", transport=transport, **SETTINGS)


def _next_link_to(link: str) -> Rewrite:
    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path != LISTING:
            return response
        body = jsonutil.loads(response.read())
        if body.get("next"):
            body["next"] = link
        return httpx.Response(200, json=body)

    return rewrite


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/api/admin/orders/?cursor=o4",  # another host
        "https://evil.example/api/admin/orders/",  # no cursor: the link itself would be fetched
        f"http://{HOST}/api/admin/orders/?cursor=o4",  # the same host without TLS
        f"https://{HOST}:8443/api/admin/orders/?cursor=o4",  # the same host, another port
    ],
)
def test_a_next_link_off_the_store_is_refused_not_followed(link: str) -> None:
    server = Store(_next_link_to(link))
    store = server.connect()
    with pytest.raises(uo.PlatformError, match="not followed with the store's credentials"):
        list(store.orders.list())
    assert set(server.hosts) == {HOST}, "the token went to another host"


def test_a_resumed_cursor_off_the_store_is_refused_before_any_request() -> None:
    server = Store(lambda request, response: response)
    store = server.connect()
    for cursor in ("https://evil.example/api/admin/orders/?cursor=o4", f"http://{HOST}/x/"):
        with pytest.raises(uo.InvalidRequest) as caught:
            store.orders.page(uo.OrderQuery(), cursor)
        assert [p.path for p in caught.value.problems] == ["cursor"]
    assert server.hosts == []
    # the store's own links resume as before
    first = store.orders.page(uo.OrderQuery())
    assert first.next_cursor == "o4"
    for own in (
        f"https://{HOST}/api/admin/orders/?cursor=o4",
        f"https://{HOST}:443/api/admin/orders/?cursor=o4",
    ):
        again = store.orders.page(uo.OrderQuery(), own)
        assert [o.id for o in again.items] == ["10005"]
    assert set(server.hosts) == {HOST}


def _listing_answers(status: int, content: bytes, content_type: str) -> Rewrite:
    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path == LISTING:
            return httpx.Response(status, content=content, headers={"content-type": content_type})
        return response

    return rewrite


NOT_A_PAGE = [
    (b"<html><body><h1>Maintenance</h1></body></html>", "text/html"),
    (b"null", "application/json"),
    (b"", "application/json"),
    (b'{"detail": "ok"}', "application/json"),  # JSON, but no results at all
    (b"[]", "application/json"),
    (b'{"next": null, "results": "none"}', "application/json"),
]


@pytest.mark.parametrize(("content", "content_type"), NOT_A_PAGE)
def test_a_listing_that_is_not_a_page_is_an_error_never_an_empty_page(
    content: bytes, content_type: str
) -> None:
    server = Store(_listing_answers(200, content, content_type))
    store = server.connect()
    with pytest.raises(uo.PlatformError):
        store.orders.page(uo.OrderQuery())
    with pytest.raises(uo.PlatformError):
        list(store.orders.list())


def test_a_full_sync_over_an_html_listing_fails_and_deletes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "nc.duckdb"
    good = Store(lambda request, response: response)
    first = run_sync({"nc": good.connect_async()}, db).results[0]
    assert first.ok, first.error
    html = Store(_listing_answers(200, b"<html>502 Bad Gateway</html>", "text/html"))
    second = run_sync({"nc": html.connect_async()}, db, full=True).results[0]
    assert not second.ok
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "SELECT count(*), count(deleted_at) FROM orders WHERE store = 'nc'"
        ).fetchone()
    assert row == (5, 0), "an unreadable listing must never read as 'every order is gone'"


# --- writes answered with something unreadable ----------------------------------------------------------
def _answer_of(path_end: str, content: bytes) -> Rewrite:
    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith(path_end):
            return httpx.Response(
                200, content=content, headers={"content-type": "application/json"}
            )
        return response

    return rewrite


def test_a_fulfillment_write_answered_unreadably_is_a_lost_response_not_a_crash() -> None:
    server = Store(_answer_of("/301/hold/", b'{"unexpected": true}'))
    store = server.connect()
    with pytest.raises(uo.AmbiguousWrite, match="may have taken effect"):
        store.fulfillments.hold("301", reason=uo.HoldReason.OTHER)
    # it was applied: the platform holds it
    assert store.fulfillments.list("10001")[0].status is uo.FulfillmentOrderStatus.ON_HOLD


def test_a_refund_answered_unreadably_is_found_by_its_key() -> None:
    server = Store(_answer_of("/10001/refund/", b'{"id": null}'))
    store = server.connect()
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id="1002", quantity=1)])
    refund = store.refunds.create("10001", request, idempotency_key="unreadable-reply")
    assert refund.idempotency_key == "unreadable-reply"
    assert [r.id for r in store.refunds.list("10001")] == [refund.id]


def test_a_read_answered_unreadably_is_a_platform_error() -> None:
    def rewrite(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path.endswith("/fulfillment-orders/"):
            return httpx.Response(200, json=[{"no": "id"}])
        return response

    store = Store(rewrite).connect()
    with pytest.raises(uo.PlatformError, match="fulfillment orders of order 10001") as caught:
        store.fulfillments.list("10001")
    assert caught.value.code == "unreadable_response"
