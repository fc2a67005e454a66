"""Serve the receiver with uvicorn: in the foreground (``webhooks serve``), or on a thread of
its own (tests and the benchmark), on a socket bound first so port 0 gives a free port."""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time

import uvicorn

from .app import Receiver, build_app

__all__ = ["ReceiverServer", "bind"]


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class ReceiverServer:
    """A uvicorn server of one :class:`Receiver` on one socket."""

    def __init__(self, receiver: Receiver, sock: socket.socket, *, log_requests: bool = False):
        self.receiver = receiver
        self.socket = sock
        config = uvicorn.Config(
            build_app(receiver),
            log_config=None,  # the CLI's logging, not uvicorn's own
            access_log=log_requests,  # method, path and status: no headers, no bodies
            lifespan="on",
            server_header=False,
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://host:port`` of the socket."""
        host, port = self.socket.getsockname()[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"

    def endpoint(self, store: str) -> str:
        """The URL a store's deliveries go to."""
        return f"{self.url}/webhooks/{store}"

    def run(self) -> None:
        """Serve until SIGINT (then KeyboardInterrupt) or SIGTERM (then return), after uvicorn's
        graceful stop: requests in flight answered, the worker's current delivery finished."""
        # uvicorn raises the signal again once stopped: SIGTERM's default would kill the process
        previous = signal.signal(signal.SIGTERM, lambda *_: None)
        try:
            asyncio.run(self.server.serve(sockets=[self.socket]))
        finally:
            signal.signal(signal.SIGTERM, previous)

    def start(self, timeout: float = 10.0) -> None:
        """Serve on a thread (uvicorn leaves signals alone off the main thread); return once
        the server accepts connections."""
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve(sockets=[self.socket])),
            name="webhooks-receiver",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the webhooks receiver did not start")
            time.sleep(0.01)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop a server started with :meth:`start` (the worker finishes its delivery)."""
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self.socket.close()
