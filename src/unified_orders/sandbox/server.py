"""The sandbox server: emulators answering over HTTP, so several processes share one store.

Built on the standard library's ``ThreadingHTTPServer`` (the one module that imports
``http.server``): one thread per connection, keep-alive (HTTP/1.1), each request handed to the
named store's emulator exactly as :func:`~unified_orders.http.emulator_transport` hands it
in-process (see :mod:`.protocol` for the paths and headers), so pacing, rate limits and every
rule the emulators enforce hold across processes. The emulator's lock serialises requests on
one store (an emulator not built on the toolkit gets one request at a time); ``latency`` delays
every answer (outside that lock, as a network would). ``GET /_sandbox`` says what is served,
``POST /_sandbox/reset?store=NAME`` gives a store fresh demo data.

Persistence, locking and signals are the CLI's (:mod:`unified_orders.cli.sandbox_serve`).
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .. import __version__, jsonutil
from ..adapter import Emulator
from .base import BaseEmulator
from .protocol import CONTROL_PREFIX, ERROR_HEADER, PLATFORM_HEADER, split_store_path

__all__ = ["SandboxServer", "ServedStore"]

#: Connections the server's socket holds before it accepts them.
CONNECTION_BACKLOG = 128


@dataclass
class ServedStore:
    """One store the server answers for: its name, platform and emulator (``fresh`` builds a
    new emulator with fresh demo data, for a reset)."""

    name: str
    platform: str
    emulator: Emulator
    fresh: Callable[[], Emulator]
    serial: threading.Lock = field(default_factory=threading.Lock, repr=False)


class SandboxServer:
    """Serves ``stores`` on ``host:port`` (port 0: any free port; :attr:`url` says which)."""

    def __init__(
        self,
        stores: Mapping[str, ServedStore],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        log_requests: bool = False,
        on_reset: Callable[[ServedStore], None] | None = None,
    ) -> None:
        self.stores = dict(stores)
        self.latency = latency
        self.log_requests = log_requests
        self.on_reset = on_reset
        self._guard = threading.Condition()
        self._in_flight = 0
        self._closing = False
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # socketserver's default backlog (5) resets connections when many clients (a sync of
        # 50 stores) connect at once; a real platform does not
        server_class = type(
            "_Server",
            (ThreadingHTTPServer,),
            {"address_family": family, "request_queue_size": CONNECTION_BACKLOG},
        )
        self._http: ThreadingHTTPServer = server_class((host, port), _handler_for(self))
        self._http.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The address clients use: ``http://HOST:PORT``."""
        host, port = self._http.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}"

    def start(self) -> None:
        """Answer requests on a background thread."""
        self._thread = threading.Thread(
            target=self._http.serve_forever, name="sandbox-server", daemon=True
        )
        self._thread.start()

    def stop(self, wait: float = 10.0) -> None:
        """Stop accepting requests, let the ones under way finish (up to ``wait`` seconds), close."""
        with self._guard:
            self._closing = True
        if self._thread is not None:  # shutdown() waits for a loop that must have started
            self._http.shutdown()
        with self._guard:
            self._guard.wait_for(lambda: self._in_flight == 0, timeout=wait)
        self._http.server_close()

    def status(self) -> dict[str, Any]:
        """What ``GET /_sandbox`` answers: the server, and the stores it serves."""
        return {
            "server": "unified-orders sandbox",
            "version": __version__,
            "stores": {name: store.platform for name, store in sorted(self.stores.items())},
        }

    # --- one request ------------------------------------------------------------------------------
    def answer(
        self, method: str, raw_path: str, headers: Mapping[str, str], content: bytes
    ) -> tuple[int, bytes, dict[str, str]]:
        """Status, body and headers for one request (runs on the connection's thread)."""
        with self._guard:
            if self._closing:
                return _refusal(503, "the sandbox server is stopping")
            self._in_flight += 1
        try:
            if self.latency > 0:
                time.sleep(self.latency)
            parts = urlsplit(raw_path)
            if parts.path == CONTROL_PREFIX or parts.path.startswith(CONTROL_PREFIX + "/"):
                return self._control(method, parts.path, parts.query)
            return self._dispatch(method, parts.path, parts.query, headers, content)
        finally:
            with self._guard:
                self._in_flight -= 1
                self._guard.notify_all()

    def _dispatch(
        self, method: str, path: str, query_text: str, headers: Mapping[str, str], content: bytes
    ) -> tuple[int, bytes, dict[str, str]]:
        split = split_store_path(path)
        if split is None:
            return _refusal(404, "not a store path; stores are served under /stores/<name>/")
        name, platform_path = split
        store = self.stores.get(name)
        if store is None:
            return _refusal(404, self._unknown(name))
        expected = headers.get(PLATFORM_HEADER)
        if expected is not None and expected != store.platform:
            return _refusal(
                409,
                f"store {name!r} is a {store.platform} store on this server, not {expected}; "
                "start the server with the same stores config as its clients",
            )
        try:
            body = jsonutil.loads(content) if content else None
        except ValueError as error:
            return _refusal(400, f"the request body is not JSON: {error}")
        query: dict[str, list[str]] = {}
        for key, value in parse_qsl(query_text, keep_blank_values=True):
            query.setdefault(key, []).append(value)
        passed = {k: v for k, v in headers.items() if k != PLATFORM_HEADER}
        emulator = store.emulator
        # a toolkit emulator locks each request itself; any other gets one request at a time
        serial = contextlib.nullcontext() if isinstance(emulator, BaseEmulator) else store.serial
        try:
            with serial:
                status, payload, extra = emulator.handle(method, platform_path, query, passed, body)
        except Exception:  # an emulator bug: say so on the server's stderr, answer 500
            traceback.print_exc(file=sys.stderr)
            return _refusal(500, f"the {store.platform} emulator failed; see the server's log")
        out = {"content-type": "application/json", **dict(extra)}
        if isinstance(payload, bytes):  # a file the emulator serves as is (a bulk export's)
            return status, payload, out
        return status, (b"" if payload is None else jsonutil.encode(payload)), out

    def _unknown(self, name: str) -> str:
        served = ", ".join(sorted(self.stores)) or "none"
        return (
            f"this sandbox server serves no store named {name!r}; it serves: {served}. Start it "
            "with the stores config its clients use"
        )

    def _control(
        self, method: str, path: str, query_text: str
    ) -> tuple[int, bytes, dict[str, str]]:
        if path == CONTROL_PREFIX and method == "GET":
            return 200, jsonutil.dumps(self.status()).encode(), {"content-type": "application/json"}
        if path == f"{CONTROL_PREFIX}/reset" and method == "POST":
            names = [v for k, v in parse_qsl(query_text) if k == "store"]
            unknown = [n for n in names if n not in self.stores]
            if unknown:
                return _refusal(404, self._unknown(unknown[0]))
            for name in names:
                self.reset(name)
            body = {"reset": names}
            return 200, jsonutil.dumps(body).encode(), {"content-type": "application/json"}
        return _refusal(404, f"no such sandbox server path: {method} {path}")

    def reset(self, name: str) -> None:
        """Swap the store's emulator for one holding fresh demo data."""
        store = self.stores[name]
        fresh = store.fresh()
        with self._guard:
            store.emulator = fresh
        if self.on_reset is not None:
            self.on_reset(store)


def _refusal(status: int, message: str) -> tuple[int, bytes, dict[str, str]]:
    """The server's own error answer (never an emulator's): JSON, marked by ERROR_HEADER."""
    body = jsonutil.dumps({"error": message}).encode()
    return status, body, {"content-type": "application/json", ERROR_HEADER: "1"}


def _handler_for(server: SandboxServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "unified-orders-sandbox"
        disable_nagle_algorithm = True  # else small answers wait ~40 ms for a delayed ACK

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            content = self.rfile.read(length) if length > 0 else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, body, out = server.answer(self.command, self.path, headers, content)
            try:
                self.send_response(status)
                for key, value in out.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(body)))
                if status == 503:
                    self.send_header("connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                # the client went away before its answer (an interrupted command): the request
                # was applied, and there is no one left to tell
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            if server.log_requests:
                super().log_message(format, *args)

    return Handler
