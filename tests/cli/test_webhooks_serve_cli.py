"""``unified-orders webhooks serve`` as a user runs it: a process listening on a free loopback
port, announcing its endpoints, receiving a signed delivery into the inbox and re-reading the
order it names, stopping cleanly on SIGTERM; refusing to start without any store's secret."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
from webhook_receiver import shopify_delivery

SECRET = "cli-test-secret"
ORDER_ID = 820982911946154511  # order #1001 of the Shopify sandbox's demo data


def serve(tmp_path: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "unified_orders", "webhooks", "serve", "sandbox-shopify",
         "--db", str(tmp_path / "w.duckdb"), "--port", "0", "--log-requests"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
        cwd=tmp_path,
    )  # fmt: skip


def test_serve_receives_a_delivery_and_stops_on_sigterm(tmp_path: Path) -> None:
    process = serve(tmp_path, {"UNIFIED_ORDERS_WEBHOOK_SECRET_SANDBOX_SHOPIFY": SECRET})
    try:
        assert process.stdout is not None
        announced = json.loads(process.stdout.readline())
        assert announced["stores"] == ["sandbox-shopify"]
        url = f"{announced['url']}/webhooks/sandbox-shopify"
        payload = {"id": ORDER_ID, "email": "jane.customer@example.com"}
        body, headers = shopify_delivery("orders/updated", payload, "evt-cli", secret=SECRET)
        answer = httpx.post(url, content=body, headers=headers, timeout=10)
        assert answer.json() == {"accepted": True, "duplicate": False}
        assert httpx.post(url, content=body, headers=headers, timeout=10).json()["duplicate"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "delivery evt-cli of sandbox-shopify (orders/updated) accepted" in stderr
    assert '"POST /webhooks/sandbox-shopify HTTP/1.1" 200' in stderr
    assert SECRET not in stderr
    assert "jane.customer" not in stderr
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        inbox = con.execute("SELECT delivery_id, order_ids, error FROM webhook_inbox").fetchall()
        orders = con.execute("SELECT id FROM orders").fetchall()
    # processed before the server stopped (a stopping server drains what it accepted)
    assert inbox == [("evt-cli", str(ORDER_ID), None)]
    assert orders == [(str(ORDER_ID),)]


def test_serve_without_a_secret_exits_3(tmp_path: Path) -> None:
    process = serve(tmp_path, {})
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 3
    assert "UNIFIED_ORDERS_WEBHOOK_SECRET_SANDBOX_SHOPIFY" in stderr


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unified_orders", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def background(
    *args: str, env: dict[str, str], log: Path | None = None
) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "unified_orders", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if log is None else log.open("w"),
        text=True,
        env={**os.environ, **env},
    )
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())["url"]


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)


def test_a_refund_made_with_the_cli_reaches_the_report_through_the_receiver(
    tmp_path: Path,
) -> None:
    """sandbox serve (the shared Shopify sandbox, emitting deliveries), webhooks serve,
    webhooks subscribe, refunds create, report refunds: each its own process."""
    db = str(tmp_path / "r.duckdb")
    log = tmp_path / "receiver.log"
    sandbox, sandbox_url = background("sandbox", "serve", "sandbox-shopify", "--port", "0", env={})
    receiver = None
    try:
        env = {
            "UNIFIED_ORDERS_SANDBOX_SERVER": sandbox_url,
            "UNIFIED_ORDERS_WEBHOOK_SECRET_SANDBOX_SHOPIFY": "sandbox-app-secret",
        }
        assert cli("sync", "sandbox-shopify", "--db", db, env=env).returncode == 0
        before = json.loads(cli("report", "refunds", "--db", db, "--json", env=env).stdout)
        receiver, url = background(
            "webhooks", "serve", "sandbox-shopify", "--db", db, "--port", "0", "--log-requests",
            env=env, log=log,
        )  # fmt: skip
        subscribed = cli(
            "webhooks", "subscribe", "sandbox-shopify", "--url",
            f"{url}/webhooks/sandbox-shopify", "--topic", "refund.created", env=env,
        )  # fmt: skip
        assert subscribed.returncode == 0, subscribed.stderr
        refunded = cli(
            "refunds", "create", "sandbox-shopify", str(ORDER_ID),
            "--line", f"{ORDER_ID + 1}:1", "--yes", env=env,
        )  # fmt: skip
        assert refunded.returncode == 0, refunded.stderr
        refunded_at = time.monotonic()
        deadline = refunded_at + 30
        while "(refunds/create) processed: 1 orders" not in log.read_text():
            assert time.monotonic() < deadline, "no delivery processed"
            time.sleep(0.1)
        took = time.monotonic() - refunded_at
    finally:
        if receiver is not None:
            stop(receiver)
        stop(sandbox)
    assert took < 10  # seconds from the refund to its order re-read
    assert "sandbox-app-secret" not in log.read_text()
    after = json.loads(cli("report", "refunds", "--db", db, "--json", env={}).stdout)
    assert after["refunds"] == before["refunds"] + 1
    assert after["units"] == before["units"] + 1
