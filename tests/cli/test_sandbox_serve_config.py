"""``sandbox serve`` and ``sandbox_server``: what is refused, and how it is said (in-process), and
the wire format: a store's requests reach its emulator unchanged, rate limits included."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import Run

import unified_orders as uo
from unified_orders.config import load_config
from unified_orders.errors import ConfigurationError
from unified_orders.http.served import ServedStoreTransport
from unified_orders.sandbox.protocol import is_loopback, server_root, split_store_path, store_url
from unified_orders.sandbox.server import SandboxServer, ServedStore


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stores.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1", "example.com"])
def test_serve_refuses_a_host_other_machines_can_reach(run: Run, host: str) -> None:
    result = run("sandbox", "serve", "--host", host, "--port", "0")
    assert result.exit_code == 2
    assert f"refusing to listen on {host}: the sandbox server has no authentication" in (
        result.stderr
    )
    assert "--allow-non-loopback" in result.stderr


def test_allow_non_loopback_lifts_the_refusal(run: Run) -> None:
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: the bind fails, nothing listens
    result = run("sandbox", "serve", "--host", "192.0.2.1", "--allow-non-loopback", "--port", "0")
    assert result.exit_code == 3, result.stderr
    assert "cannot listen on 192.0.2.1 port 0" in result.stderr
    assert "refusing" not in result.stderr


def test_a_port_another_process_holds_is_busy(run: Run) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("sandbox", "serve", "--port", str(port))
    assert result.exit_code == 11, result.stderr
    assert "another server has it: give another --port (0: any free port)" in result.stderr


def test_serve_refuses_a_store_that_is_not_a_sandbox(run: Run, tmp_path: Path) -> None:
    config = write(
        tmp_path,
        '[stores.live]\nplatform = "shopify"\nshop = "acme"\naccess_token_env = "T"\n',
    )
    result = run("sandbox", "serve", "live", "--port", "0", config=config)
    assert result.exit_code == 3
    assert "store 'live'" in result.stderr
    assert "is not a sandbox store; only sandbox stores are served" in result.stderr
    result = run("sandbox", "serve", "--port", "0", config=config)
    assert result.exit_code == 3
    assert "no sandbox stores to serve in" in result.stderr


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ('"https://127.0.0.1:8765"', "the sandbox server speaks plain http://"),
        ('"http://127.0.0.1"', "no port (`unified-orders sandbox serve` listens on 8765)"),
        ('"http://127.0.0.1:8765/stores/x"', "give only http://HOST:PORT"),
        ('"http://me:pw@127.0.0.1:8765"', "no user or password"),
        ('"http://127.0.0.1:99999"', "the port is not a number from 0 to 65535"),
        ("8765", "expected a URL such as 'http://127.0.0.1:8765'"),
    ],
)
def test_a_bad_sandbox_server_is_a_configuration_error_naming_the_key(
    run: Run, tmp_path: Path, value: str, why: str
) -> None:
    config = write(
        tmp_path, f'[stores.play]\nplatform = "shopify"\nsandbox = true\nsandbox_server = {value}\n'
    )
    result = run("orders", "list", "play", config=config)
    assert result.exit_code == 3
    assert "store 'play'" in result.stderr
    assert f"key 'sandbox_server': {why}" in result.stderr


def test_sandbox_server_is_only_for_sandbox_stores(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[stores.live]\nplatform = "shopify"\nshop = "acme"\naccess_token = "t"\n'
            'sandbox_server = "http://127.0.0.1:8765"\n',
        )
    )
    with pytest.raises(ConfigurationError, match="only for sandbox stores; add sandbox = true"):
        config.store("live").resolve()


def test_the_variable_points_every_sandbox_store_and_the_key_wins(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            'include_sandbox_stores = true\n[stores.mine]\nplatform = "shopware"\n'
            'sandbox = true\nsandbox_server = "http://localhost:9000"\n',
        )
    )
    env = {"UNIFIED_ORDERS_SANDBOX_SERVER": "http://127.0.0.1:8765/"}
    resolved = config.store("sandbox-shopify").resolve(env)
    assert resolved["sandbox_server"] == "http://127.0.0.1:8765/stores/sandbox-shopify"
    assert config.store("mine").resolve(env)["sandbox_server"] == (
        "http://localhost:9000/stores/mine"
    )
    assert "sandbox_server" not in config.store("sandbox-shopify").resolve({})
    with pytest.raises(ConfigurationError, match="environment variable UNIFIED_ORDERS_SANDBOX_"):
        config.store("sandbox-shopify").resolve({"UNIFIED_ORDERS_SANDBOX_SERVER": "8765"})


def test_connect_takes_sandbox_server_only_with_sandbox_and_no_transport() -> None:
    url = "http://127.0.0.1:8765/stores/x"
    with pytest.raises(ConfigurationError, match="sandbox_server needs sandbox=True"):
        uo.connect("shopify", shop="acme", access_token="t", sandbox_server=url)
    other = httpx.MockTransport(lambda request: httpx.Response(200))
    with pytest.raises(ConfigurationError, match="sandbox_server needs sandbox=True"):
        uo.connect("shopify", sandbox=True, sandbox_server=url, transport=other)
    with pytest.raises(ConfigurationError, match="expected a store's URL on a sandbox server"):
        uo.connect("shopify", sandbox=True, sandbox_server="http://127.0.0.1:8765")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("name", ["sandbox-shopify", "a b/c?d#e%f", "ünïcode", "x.y"])
def test_a_store_name_survives_the_trip_through_its_url(name: str) -> None:
    url = store_url(server_root("http://127.0.0.1:8765"), name)
    raw = url[len("http://127.0.0.1:8765") :] + "/admin/api/x%20y/orders.json"
    assert split_store_path(raw) == (name, "/admin/api/x y/orders.json")


@pytest.fixture
def paced() -> Iterator[tuple[SandboxServer, str]]:
    """A served Shopify REST store that enforces its leaky bucket, in this process."""

    def fresh() -> uo.Emulator:
        store = uo.connect("shopify", sandbox=True, api="rest", sandbox_rate_limit=True)
        assert store.sandbox is not None
        return store.sandbox

    server = SandboxServer({"paced": ServedStore("paced", "shopify", fresh(), fresh)})
    server.start()
    try:
        yield server, store_url(server.url, "paced")
    finally:
        server.stop()


def test_the_rate_limit_is_one_bucket_for_every_client_of_the_server(
    paced: tuple[SandboxServer, str],
) -> None:
    _, url = paced
    path = "https://sandbox.myshopify.com/admin/api/2026-07/orders.json?limit=1"
    headers = {"x-shopify-access-token": "any"}
    levels: list[str] = []
    statuses: list[int] = []
    with (
        httpx.Client(transport=ServedStoreTransport(url, "shopify")) as first,
        httpx.Client(transport=ServedStoreTransport(url, "shopify")) as second,
    ):
        for turn in range(60):
            client = first if turn % 2 == 0 else second
            response = client.get(path, headers=headers)
            statuses.append(response.status_code)
            levels.append(response.headers.get("x-shopify-shop-api-call-limit", ""))
            if response.status_code == 429:
                assert float(response.headers["retry-after"]) > 0
                break
    assert statuses[0] == 200
    assert levels[1].startswith("2/"), levels[:3]  # the second client fills the same bucket
    assert statuses[-1] == 429, statuses


def test_a_client_expecting_another_platform_is_refused(
    paced: tuple[SandboxServer, str],
) -> None:
    _, url = paced
    with (
        httpx.Client(transport=ServedStoreTransport(url, "shopware")) as client,
        pytest.raises(ConfigurationError, match="is a shopify store on this server, not shopware"),
    ):
        client.get("https://sandbox.shopware.example/api/order")


def test_a_client_gone_before_its_answer_leaves_no_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A client interrupted mid-request (Ctrl-C on a refund) closes its connection before the
    answer: the server drops that answer without printing the standard library's traceback,
    and goes on answering."""

    def fresh() -> uo.Emulator:
        store = uo.connect("shopify", sandbox=True, api="rest")
        assert store.sandbox is not None
        return store.sandbox

    server = SandboxServer({"s": ServedStore("s", "shopify", fresh(), fresh)}, latency=0.3)
    server.start()
    try:
        url = store_url(server.url, "s")
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port)) as gone:
            path = f"{parts.path}/admin/api/2026-07/orders.json"
            gone.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            # close with a reset, as a killed process's socket does
            gone.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        time.sleep(0.8)
        with httpx.Client(transport=ServedStoreTransport(url, "shopify")) as client:
            answer = client.get(
                "https://sandbox.myshopify.com/admin/api/2026-07/orders.json?limit=1",
                headers={"x-shopify-access-token": "any"},
            )
        assert answer.status_code == 200
    finally:
        server.stop()
    assert "Traceback" not in capfd.readouterr().err
