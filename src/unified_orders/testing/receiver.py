"""A tiny loopback HTTP receiver for webhook tests: it records every POST and answers 200.

>>> with LoopbackReceiver() as receiver:
...     store.webhooks.subscribe(receiver.url, ["refund.created"], secret="s")
...     ...
...     receiver.wait(1)
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["LoopbackReceiver", "ReceivedDelivery"]


@dataclass(frozen=True)
class ReceivedDelivery:
    """One POST as received: its path, headers (lower-cased names) and raw body."""

    path: str
    headers: dict[str, str]
    body: bytes


class LoopbackReceiver:
    """An HTTP server on 127.0.0.1 (a free port) recording POSTs in ``deliveries``."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.deliveries: list[ReceivedDelivery] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._lock:
                    receiver.deliveries.append(ReceivedDelivery(self.path, headers, body))
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def wait(self, count: int, timeout: float = 10.0) -> list[ReceivedDelivery]:
        """The deliveries once at least ``count`` arrived (or ``timeout`` passed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.deliveries) >= count:
                    return list(self.deliveries)
            time.sleep(0.01)
        with self._lock:
            return list(self.deliveries)

    def __enter__(self) -> LoopbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
