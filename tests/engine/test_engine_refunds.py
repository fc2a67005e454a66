"""Bulk refunds on the engine: a refund that failed, or is pending, is sent again by the next run
under the same key (its workflow id); what Temporal keeps in a workflow's history (store names, ids, keys) holds
no secret and no customer data. (A CSV submitted twice at once while a worker dies:
test_engine_scaleout.py.)"""

from __future__ import annotations

import base64
import binascii
import contextlib
import csv
import json
from pathlib import Path
from typing import Any

from conftest import Engine

from unified_orders.engine.client import blocking, connect, sync_workflow_id

#: One refund each (store, order as written, line): the three sandbox platforms, four orders.
GROUPS = [
    ("sandbox-shopware", "10001", "b9c6b8a79d95534dbab57de116a4d3fe"),
    ("sandbox-shopware", "10002", "765da6925aec575fb0dd1ef5b31c1ba6"),
    ("sandbox-shopify", "#1001", "820982911946154512"),
    ("sandbox-nextcommerce", "10001", "1001"),
]
HEADER = "store,order,line,quantity,restock,location,shipping,note\n"


def write_csv(path: Path, groups: list[tuple[str, str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = "".join(f"{store},{order},{line},1,,,,engine test\n" for store, order, line in groups)
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def results_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def refunds_with_key(engine: Engine, store: str, order: str, key: str) -> list[dict[str, Any]]:
    done = engine.run("--json", "refunds", "list", store, order)
    assert done.code == 0, done.stderr
    refunds = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return [r for r in refunds if r.get("idempotency_key") == key]


def test_a_refund_that_failed_is_sent_again_by_the_next_run_under_the_same_key(
    engine: Engine, workers: Any
) -> None:
    workers(engine.worker(engine.home / "worker.duckdb", env={"UO_TEST_FIRST_REFUND_FAILS": "1"}))
    source = write_csv(engine.home / "refunds.csv", GROUPS[:1])
    submit = engine.on_engine("refunds", "create", "--from-csv", str(source), "--yes")
    first = engine.run("--json", *submit)
    assert first.code == 9, first.stderr  # some refunds did not go through
    second = engine.run("--json", *submit)  # the same key: its workflow failed, so it runs again
    assert second.code == 0, second.stderr
    rows = results_of(engine.home / "refunds.results.csv")
    assert [row["outcome"] for row in rows] == ["failed", "refunded"]
    assert rows[0]["key"] == rows[1]["key"]
    store, _, _ = GROUPS[0]
    on_platform = refunds_with_key(engine, store, rows[1]["order"], rows[1]["key"])
    assert [r["id"] for r in on_platform] == [rows[1]["refund_id"]]


def test_a_pending_refund_is_reported_pending_and_sent_again_under_its_own_key(
    engine: Engine, workers: Any
) -> None:
    workers(engine.worker(engine.home / "worker.duckdb", env={"UO_TEST_FIRST_REFUND_PENDING": "1"}))
    source = write_csv(engine.home / "refunds.csv", GROUPS[1:2])
    submit = engine.on_engine("refunds", "create", "--from-csv", str(source), "--yes")
    first = engine.run("--json", *submit)
    assert first.code == 9, first.stderr  # a pending refund is a problem to look at, not a success
    (row,) = results_of(engine.home / "refunds.results.csv")
    assert row["outcome"] == "pending"
    ledger = engine.home / "refunds.results.ledger.jsonl"
    events = [json.loads(line) for line in ledger.read_text(encoding="utf-8").splitlines()]
    assert [e["event"] for e in events if e.get("key") == row["key"]][-1] == "refund-pending"
    second = engine.run("--json", *submit)  # the same key: never a new one, which could pay twice
    assert second.code == 0, second.stderr
    rows = results_of(engine.home / "refunds.results.csv")  # one row per run
    assert [r["outcome"] for r in rows] == ["pending", "refunded"]
    again = rows[1]
    assert again["key"] == row["key"]
    store, _, _ = GROUPS[1]
    on_platform = refunds_with_key(engine, store, again["order"], again["key"])
    assert [r["id"] for r in on_platform] == [again["refund_id"]]


def _texts(value: Any) -> list[str]:
    """Every string in a history's JSON, and what each base64 string decodes to (payloads)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    if not isinstance(value, str):
        return []
    found = [value]
    with contextlib.suppress(binascii.Error, UnicodeDecodeError, ValueError):
        found.append(base64.b64decode(value, validate=True).decode("utf-8"))
    return found


def history_text(engine: Engine, workflow_id: str) -> str:
    async def fetch() -> dict[str, Any]:
        client = await connect(engine.address)
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        return history.to_json_dict()

    return "\n".join(_texts(blocking(fetch())))


def test_workflow_histories_carry_names_ids_and_keys_never_secrets_or_customer_data(
    engine: Engine, workers: Any
) -> None:
    token = "shpat_topsecret_4711"
    engine.config.write_text(
        '[stores.shop]\nplatform = "shopify"\nsandbox = true\naccess_token_env = "SHOP_TOKEN"\n'
    )
    engine.env["SHOP_TOKEN"] = token
    listed = engine.run("--json", "orders", "list", "shop")
    assert listed.code == 0, listed.stderr
    orders = [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]
    customer = {
        text
        for order in orders
        for text in (
            order.get("email"),
            *(
                (order.get(kind) or {}).get(part)
                for kind in ("shipping_address", "billing_address")
                for part in ("last_name", "line1", "phone")
            ),
        )
        if text
    }
    assert customer  # the sandbox orders do carry customer data

    workers(engine.worker(engine.home / "worker.duckdb"))
    synced = engine.run("--json", *engine.on_engine("sync", "shop"))
    assert synced.code == 0, synced.stderr
    source = write_csv(engine.home / "refunds.csv", [("shop", "#1001", "820982911946154512")])
    refunded = engine.run(
        "--json", *engine.on_engine("refunds", "create", "--from-csv", str(source), "--yes")
    )
    assert refunded.code == 0, refunded.stderr
    (row,) = results_of(engine.home / "refunds.results.csv")

    for workflow_id, expected in (
        (sync_workflow_id("shop"), ["shop"]),
        (row["key"], ["shop", row["key"], row["refund_id"], orders[0]["id"]]),
    ):
        text = history_text(engine, workflow_id)
        for wanted in expected:  # the history is read, payloads decoded
            assert wanted in text
        assert token not in text
        leaked = sorted(value for value in customer if value in text)
        assert not leaked, f"{workflow_id}: customer data in the history: {leaked}"
