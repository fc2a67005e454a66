"""Exactly-once refunds through both Shopify dialects (issue 14): the key marker in the refund
note, read back by key from either dialect; refusals (GraphQL ``userErrors``, REST 4xx) that stay
refusals, also for concurrent identical callers in threads and tasks; GraphQL answers that are
read errors or lost responses; and declined or pending refunds raising ``RefundFailed``."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal
from typing import Any

import httpx
import pytest
from shopify_helpers import API, TOKEN, connect, drive, find, one_unit
from unified_orders_adapters.shopify.graphql.adapter import ShopifyGraphQLAdapter
from unified_orders_adapters.shopify.graphql.translate import refund_from_graphql
from unified_orders_adapters.shopify.sandbox import ShopifyEmulator
from unified_orders_adapters.shopify.settings import ShopifySettings

import unified_orders as uo
from unified_orders.adapter import RefundOptions, Request
from unified_orders.errors import ResponseLost
from unified_orders.http import RecordingTransport, emulator_transport


# --- the key marker in the note -------------------------------------------------------------------
@pytest.mark.parametrize("api", API)
def test_the_key_travels_in_the_note_and_is_read_back(emulator: ShopifyEmulator, api: str) -> None:
    store = connect(emulator, api)
    order = find(store, "#1001")
    refund = store.refunds.create(order.id, one_unit(order), note="damaged", idempotency_key="k-1")
    assert (refund.note, refund.idempotency_key) == ("damaged", "k-1")
    # Shopify keeps the note as sent: the marker at its end
    assert emulator.state.refund(order.id, refund.id)["note"] == "damaged [uo:k-1]"
    [read] = store.orders.get(order.id).refunds
    assert (read.id, read.note, read.idempotency_key) == (refund.id, "damaged", "k-1")
    assert [(r.note, r.idempotency_key) for r in store.refunds.list(order.id)] == [
        ("damaged", "k-1")
    ]
    # the same key again, through the other dialect (another process): that refund, no second
    other = connect(emulator, "rest" if api == "graphql" else "graphql")
    again = other.refunds.create(order.id, one_unit(order), idempotency_key="k-1")
    assert again.id == refund.id
    assert len(store.orders.get(order.id).refunds) == 1


def test_graphql_sends_the_marker_and_keeps_its_idempotent_key(
    stores: tuple[uo.Store, uo.Store, RecordingTransport],
) -> None:
    graphql, _, recorder = stores
    order = find(graphql, "#1001")
    graphql.refunds.create(order.id, one_unit(order), idempotency_key="k-2")
    [sent] = [e for e in recorder.exchanges if e.body.get("operationName") == "RefundCreate"]
    assert sent.body["variables"]["idempotencyKey"] == "k-2"
    assert sent.body["variables"]["input"]["note"] == "[uo:k-2]"


@pytest.mark.parametrize("api", API)
def test_only_a_marker_at_the_end_of_the_note_is_a_key(emulator: ShopifyEmulator, api: str) -> None:
    store = connect(emulator, api)
    order = find(store, "#1005")
    made = store.refunds.create(order.id, one_unit(order), note="see [uo:ticket-42] below")
    assert made.note == "see [uo:ticket-42] below"
    assert made.idempotency_key is not None
    assert made.idempotency_key != "ticket-42"
    # a refund made in the Shopify admin (no marker) reads with its note and no key
    emulator.state.refund(order.id, made.id)["note"] = "made by hand"
    [read] = store.orders.get(order.id).refunds
    assert (read.note, read.idempotency_key) == ("made by hand", None)


# --- refusals are refusals, under concurrency too ---------------------------------------------------
def _is_refund_write(request: httpx.Request) -> bool:
    if request.method != "POST":
        return False
    if request.url.path.endswith("/refunds.json"):
        return True
    return request.url.path.endswith("/graphql.json") and b'"RefundCreate"' in request.read()


class Racing(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Holds every refund write until ``parties`` of them are waiting, then lets them all go: the
    writes reach the platform together, after every caller read and planned on the same order."""

    def __init__(self, inner: httpx.MockTransport, parties: int) -> None:
        self.inner = inner
        self.threads = threading.Barrier(parties, timeout=30)
        self.parties = parties
        self.tasks: asyncio.Barrier | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if _is_refund_write(request):
            self.threads.wait()
        return self.inner.handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if _is_refund_write(request):
            if self.tasks is None:
                self.tasks = asyncio.Barrier(self.parties)
            await asyncio.wait_for(self.tasks.wait(), 30)
        return self.inner.handle_request(request)


CALLERS = 6


def _racing_store(emulator: ShopifyEmulator, api: str, transport: Racing) -> uo.Store:
    # sandbox=True: each store locks on its own (as on separate machines), so only the platform
    # stands between the racing writes
    return uo.connect("shopify", sandbox=True, api=api, transport=transport)


def _check_outcomes(
    emulator: ShopifyEmulator, api: str, order: uo.Order, outcomes: dict[str, object]
) -> None:
    """At most the line's 2 units refunded; each winner told about its own refund; every loser
    refused with a typed refusal, none told the write may have been lost."""
    line = order.lines[0]
    assert line.refundable_quantity == 2
    won = {key: r for key, r in outcomes.items() if isinstance(r, uo.Refund)}
    lost = {key: e for key, e in outcomes.items() if not isinstance(e, uo.Refund)}
    for error in lost.values():
        assert isinstance(error, uo.InvalidRequest | uo.PlatformError), repr(error)
        assert not isinstance(error, uo.AmbiguousWrite), repr(error)
    assert len(won) == 2, outcomes
    after = connect(emulator, api).orders.get(order.id)
    refunded = after.line(line.id)
    assert refunded is not None
    assert refunded.refunded_quantity == 2
    by_key = {r.idempotency_key: r.id for r in after.refunds}
    assert len(by_key) == len(after.refunds) == 2
    for key, refund in won.items():
        assert refund.idempotency_key == key
        assert by_key[key] == refund.id  # the refund the caller was told about is its own
    paid = sum((r.total.amount for r in after.refunds), Decimal(0))
    assert paid == 2 * won[next(iter(won))].total.amount


@pytest.mark.parametrize("racing", [False, True], ids=["locked", "racing"])
@pytest.mark.parametrize("api", API)
def test_concurrent_identical_callers_in_threads(
    emulator: ShopifyEmulator, api: str, racing: bool
) -> None:
    order = find(connect(emulator, api), "#1001")
    transport = Racing(emulator_transport(emulator), CALLERS)
    outcomes: dict[str, object] = {}

    def caller(key: str) -> None:
        store = _racing_store(emulator, api, transport) if racing else connect(emulator, api)
        try:
            outcomes[key] = store.refunds.create(order.id, one_unit(order), idempotency_key=key)
        except uo.UnifiedOrdersError as error:
            outcomes[key] = error

    threads = [threading.Thread(target=caller, args=(f"t-{i}",)) for i in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    _check_outcomes(emulator, api, order, outcomes)


@pytest.mark.parametrize("racing", [False, True], ids=["locked", "racing"])
@pytest.mark.parametrize("api", API)
def test_concurrent_identical_callers_in_tasks(
    emulator: ShopifyEmulator, api: str, racing: bool
) -> None:
    order = find(connect(emulator, api), "#1001")
    transport = Racing(emulator_transport(emulator), CALLERS)

    async def caller(key: str) -> object:
        if racing:
            store = uo.connect_async("shopify", sandbox=True, api=api, transport=transport)
        else:
            store = uo.connect_async(
                "shopify",
                shop="acme",
                access_token=TOKEN,
                api=api,
                rate_limit=False,
                transport=emulator_transport(emulator),
            )
        try:
            return await store.refunds.create(order.id, one_unit(order), idempotency_key=key)
        except uo.UnifiedOrdersError as error:
            return error

    async def everyone() -> list[object]:
        return await asyncio.gather(*(caller(f"a-{i}") for i in range(CALLERS)))

    results = asyncio.run(everyone())
    _check_outcomes(emulator, api, order, {f"a-{i}": r for i, r in enumerate(results)})


@pytest.mark.parametrize("api", API)
def test_a_refusal_by_the_platform_is_a_typed_error_not_a_lost_write(
    emulator: ShopifyEmulator, api: str
) -> None:
    """Two callers race for the last unit: the loser's refusal (GraphQL ``userErrors``, REST 422)
    comes back as the platform's refusal, and nothing is re-read or resent for it."""
    order = find(connect(emulator, api), "#1001")
    request = uo.RefundRequest(lines=[uo.RefundLineRequest(line_id=order.lines[0].id, quantity=2)])
    transport = Racing(emulator_transport(emulator), 2)
    outcomes: list[object] = []

    def caller(key: str) -> None:
        recorder = RecordingTransport(transport)  # type: ignore[arg-type]
        store = uo.connect("shopify", sandbox=True, api=api, transport=recorder)
        try:
            outcomes.append(store.refunds.create(order.id, request, idempotency_key=key))
        except uo.UnifiedOrdersError as error:
            outcomes.append((error, recorder))

    threads = [threading.Thread(target=caller, args=(f"r-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    [refund] = [o for o in outcomes if isinstance(o, uo.Refund)]
    [(error, recorder)] = [o for o in outcomes if isinstance(o, tuple)]
    assert type(error) is uo.PlatformError
    assert error.status == (200 if api == "graphql" else 422)
    assert "exceeds the refundable quantity" in str(error)
    # the refusal ended the call: nothing was read or sent after the refused write
    last = recorder.exchanges[-1]
    assert last.method == "POST"
    assert last.path.endswith("/refunds.json") or last.body["operationName"] == "RefundCreate"
    assert len(connect(emulator, api).orders.get(order.id).refunds) == 1
    assert refund.idempotency_key is not None


# --- GraphQL answers: refusals, reads and lost responses ----------------------------------------------
def _graphql_adapter() -> ShopifyGraphQLAdapter:
    return ShopifyGraphQLAdapter(ShopifySettings(shop="acme", access_token=TOKEN))


def _calculated(emulator: ShopifyEmulator) -> tuple[uo.Order, uo.RefundCalculation]:
    store = connect(emulator, "graphql")
    order = find(store, "#1001")
    return order, store.refunds.calculate(order.id, one_unit(order))


def _create(order: uo.Order, calc: uo.RefundCalculation, answer: Any) -> Any:
    options = RefundOptions(idempotency_key="k-9")
    return drive(_graphql_adapter().create_refund(order, calc, options), lambda _: answer)


def test_graphql_queries_are_sent_as_reads_and_mutations_as_writes(
    emulator: ShopifyEmulator,
) -> None:
    order, calc = _calculated(emulator)
    answer = {"data": {"order": {"suggestedRefund": calc.raw}}}
    [query], _ = drive(_graphql_adapter().calculate_refund(order, calc.request), lambda _: answer)
    assert (query.method, query.is_write, query.safe_to_retry) == ("POST", False, True)
    refused = {"data": {"refundCreate": {"refund": None, "userErrors": [{"message": "no"}]}}}
    sent: list[Request] = []

    def answer_refused(request: Request) -> Any:
        sent.append(request)
        return refused

    with pytest.raises(uo.PlatformError):
        drive(
            _graphql_adapter().create_refund(order, calc, RefundOptions(idempotency_key="k")),
            answer_refused,
        )
    [mutation] = sent
    assert (mutation.is_write, mutation.safe_to_retry) == (True, True)  # @idempotent


def test_graphql_user_errors_are_a_refusal_never_a_lost_response(
    emulator: ShopifyEmulator,
) -> None:
    order, calc = _calculated(emulator)
    refused = {
        "data": {
            "refundCreate": {
                "refund": None,
                "userErrors": [
                    {
                        "field": ["input", "refundLineItems", "0", "quantity"],
                        "message": "Quantity cannot refund more items than were purchased",
                    }
                ],
            }
        }
    }
    with pytest.raises(uo.PlatformError) as caught:
        _create(order, calc, refused)
    assert not isinstance(caught.value, uo.AmbiguousWrite)
    assert type(caught.value) is uo.PlatformError
    assert caught.value.status == 200
    assert caught.value.problems[0].path == "input.refundLineItems[0].quantity"


@pytest.mark.parametrize(
    "answer",
    [
        {"data": {"refundCreate": None}},
        {"data": None},
        {"data": {}},
        [],
        {
            "errors": [
                {"message": "Internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
            ]
        },
    ],
    ids=["no-payload", "null-data", "no-field", "not-an-object", "internal-error"],
)
def test_a_mutation_answer_that_cannot_be_read_is_a_lost_response(
    emulator: ShopifyEmulator, answer: Any
) -> None:
    order, calc = _calculated(emulator)
    with pytest.raises(ResponseLost):
        _create(order, calc, answer)


@pytest.mark.parametrize(
    "answer",
    [
        {"data": None},
        [],
        {
            "errors": [
                {"message": "Internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
            ]
        },
    ],
    ids=["null-data", "not-an-object", "internal-error"],
)
def test_a_query_answer_that_cannot_be_read_is_a_read_error(
    emulator: ShopifyEmulator, answer: Any
) -> None:
    order, calc = _calculated(emulator)
    with pytest.raises(uo.PlatformError):
        drive(_graphql_adapter().calculate_refund(order, calc.request), lambda _: answer)


def test_graphql_awaiting_response_is_a_pending_refund() -> None:
    node = {
        "id": "gid://shopify/Refund/7",
        "note": "late [uo:k-7]",
        "transactions": {
            "nodes": [
                {
                    "id": "gid://shopify/OrderTransaction/8",
                    "kind": "REFUND",
                    "status": "AWAITING_RESPONSE",
                    "amountSet": {"presentmentMoney": {"amount": "5.00", "currencyCode": "USD"}},
                }
            ]
        },
    }
    refund = refund_from_graphql(node, "1", "USD", taxes_included=False)
    assert refund.status is uo.RefundStatus.PENDING
    assert refund.transactions[0].status is uo.TransactionStatus.PENDING
    assert (refund.note, refund.idempotency_key) == ("late", "k-7")
    assert refund.total == uo.Money.zero("USD")


# --- a declined refund ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("failure", uo.RefundStatus.FAILURE),
        ("error", uo.RefundStatus.FAILURE),
        ("pending", uo.RefundStatus.PENDING),
    ],
)
@pytest.mark.parametrize("api", API)
def test_a_declined_or_pending_refund_raises_refund_failed(
    emulator: ShopifyEmulator, api: str, outcome: str, status: uo.RefundStatus
) -> None:
    store = connect(emulator, api)
    order = find(store, "#1001")
    emulator.state.set_refund_outcome(order.id, outcome)
    with pytest.raises(uo.RefundFailed) as caught:
        store.refunds.create(order.id, one_unit(order), idempotency_key="declined-1")
    refund = caught.value.refund
    assert refund.status is status
    assert refund.total == uo.Money.zero("USD")  # no money moved
    assert refund.idempotency_key == "declined-1"
    assert [t.platform_status for t in refund.transactions] == [outcome]
    # the same key names the same record: a rerun never refunds twice
    with pytest.raises(uo.RefundFailed) as again:
        store.refunds.create(order.id, one_unit(order), idempotency_key="declined-1")
    assert again.value.refund.id == refund.id
    assert len(store.orders.get(order.id).refunds) == 1
    # the money the declined refund did not move is still refundable
    emulator.state.set_refund_outcome(order.id, "success")
    paid = store.refunds.create(order.id, one_unit(order), idempotency_key="declined-2")
    assert paid.total.amount > 0
