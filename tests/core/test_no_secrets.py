"""Cassettes and logs carry no tokens and no real customer data."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest
from toy import ORDER, TOY_TOKEN

import unified_orders as uo
from unified_orders.testing import find_secrets

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
FAKE_DOMAINS = re.compile(r"(^|\.)(example\.(com|org|net)|test|invalid|localhost)$")


def cassette_files() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml")) + sorted(CASSETTES.rglob("*.json"))


def test_the_scan_catches_token_shapes(tmp_path: Path) -> None:
    leaky = tmp_path / "leak.yaml"
    leaky.write_text(
        "headers: {X-Shopify-Access-Token: [shpat_0123456789abcdef0123]}\n"
        'body: \'{"access_token": "abcdefgh12345678"}\'\nauthorization: Bearer abcdefghijklmnop1234\n'
    )
    assert len(find_secrets([leaky])) >= 3


def test_cassettes_carry_no_tokens() -> None:
    assert find_secrets(cassette_files()) == []


def test_cassettes_carry_only_fake_email_addresses() -> None:
    real = [
        f"{path.relative_to(CASSETTES)}: {match.group(0)}"
        for path in cassette_files()
        for match in EMAIL.finditer(path.read_text())
        if not FAKE_DOMAINS.search(match.group(1).lower())
    ]
    assert real == []


def test_logs_carry_no_tokens(toy: None, caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/7"):
            return httpx.Response(200, json=ORDER)
        raise httpx.ReadTimeout(f"timed out; headers were {dict(request.headers)}")

    caplog.set_level(logging.DEBUG)
    store = uo.connect(
        "toy", transport=httpx.MockTransport(handler), max_attempts=2, retry_backoff=0
    )
    store.orders.get("7")
    with pytest.raises(uo.PlatformError) as caught:
        store.orders.get("8")
    assert caplog.records, "the HTTP layer logs its exchanges"
    assert TOY_TOKEN not in caplog.text
    assert TOY_TOKEN not in str(caught.value)
