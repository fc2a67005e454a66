"""Webhook emission for the emulators: what changed, and a delivery thread that posts it.

An emulator's ``webhooks.py`` describes its store as *facts*: ``{(kind, id): status}`` (an order
and its status, a refund, a return and its status, a fulfillment order and its status).
:class:`ChangeWatcher` compares the facts after each write with the last ones and yields the
:class:`Change` list; the platform turns each into its own topic, body and signature and hands
the signed delivery to :class:`Outbox`, whose thread POSTs it over real HTTP (httpx) so the
request that changed the state never waits.

Fault hooks on the outbox: ``duplicate`` (every delivery is sent twice, same event id),
``out_of_order`` (deliveries go out pairwise swapped), ``bad_signature`` (read by the platform
signer: sign with a wrong key).
"""

from __future__ import annotations

import atexit
import queue
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field

import httpx

__all__ = ["Change", "ChangeWatcher", "Delivery", "Outbox"]

Facts = dict[tuple[str, str], Hashable]


@dataclass(frozen=True)
class Change:
    """One fact that appeared (``before`` None), vanished (``after`` None) or changed."""

    kind: str
    id: str
    before: Hashable | None
    after: Hashable | None


class ChangeWatcher:
    """Remembers the last facts; :meth:`changes` answers what moved since."""

    def __init__(self, facts: Callable[[], Facts]) -> None:
        self.facts = facts
        self.last: Facts | None = None
        self.watching = False

    def changes_while(self, subscribed: bool) -> list[Change]:
        """What changed, watched only while someone is ``subscribed``: nothing is compared
        without a subscriber, and the first call with one starts from the state it sees."""
        if not subscribed:
            self.watching = False
            return []
        if not self.watching:
            self.reset()
            self.watching = True
            return []
        return self.changes()

    def reset(self) -> None:
        """Take the current facts as the baseline (nothing is reported for them)."""
        self.last = self.facts()

    def changes(self) -> list[Change]:
        """The facts that appeared, vanished or changed since the last call."""
        now = self.facts()
        before = self.last if self.last is not None else now
        self.last = now
        out = [
            Change(kind, key, before.get((kind, key)), value)
            for (kind, key), value in now.items()
            if before.get((kind, key)) != value
        ]
        out += [
            Change(kind, key, value, None)
            for (kind, key), value in before.items()
            if (kind, key) not in now
        ]
        return out


@dataclass
class Delivery:
    """One signed POST: where, the exact body bytes and the headers; ``status`` once sent."""

    url: str
    body: bytes
    headers: Mapping[str, str]
    status: int | None = None
    error: str | None = None


@dataclass
class Outbox:
    """Posts deliveries from a daemon thread, in order, with the fault hooks of the module."""

    timeout: float = 5.0
    duplicate: bool = False
    out_of_order: bool = False
    bad_signature: bool = False
    #: Every delivery attempted, in the order it went out (tests read ``status``/``error``).
    sent: list[Delivery] = field(default_factory=list)
    _queue: queue.Queue[Delivery | None] = field(default_factory=queue.Queue, repr=False)
    _held: Delivery | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def post(self, delivery: Delivery) -> None:
        """Queue one delivery (never blocks on the network)."""
        with self._lock:
            batch = [delivery]
            if self.out_of_order:
                if self._held is None:
                    self._held = delivery
                    return
                batch, self._held = [delivery, self._held], None
            if self.duplicate:
                batch = [copy for item in batch for copy in (item, _again(item))]
            for item in batch:
                self._queue.put(item)
            self._start()

    def flush(self, timeout: float = 10.0) -> None:
        """Send anything held back, then wait until every queued delivery went out."""
        with self._lock:
            if self._held is not None:
                self._queue.put(self._held)
                self._held = None
            self._start()
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        done.wait(timeout)

    def _start(self) -> None:
        if self._thread is None:
            # A short-lived process (a CLI command on a sandbox store) still sends what it queued.
            atexit.register(self.flush, 5.0)
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout) as client:
            while True:
                item = self._queue.get()
                try:
                    if item is not None:
                        self._send(client, item)
                finally:
                    self._queue.task_done()

    def _send(self, client: httpx.Client, delivery: Delivery) -> None:
        try:
            answer = client.post(
                delivery.url, content=delivery.body, headers=dict(delivery.headers)
            )
            delivery.status = answer.status_code
        except httpx.HTTPError as error:
            delivery.error = type(error).__name__
        self.sent.append(delivery)


def _again(delivery: Delivery) -> Delivery:
    return Delivery(delivery.url, delivery.body, dict(delivery.headers))
