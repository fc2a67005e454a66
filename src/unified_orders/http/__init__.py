"""The HTTP layer: the only package that imports httpx (``driver`` runs operations, ``transports``
holds the emulator transport and the recording and fault-injecting wrappers tests use).

It drives an adapter's sans-I/O operations over a sync or async httpx client and applies the
rules every platform shares:

- pacing through the adapter's token buckets (when pacing is on);
- authentication headers from the adapter, renewed once after a 401;
- retries (tenacity): 429 and platform throttles always, after ``Retry-After``; connection
  failures before sending always; timeouts, dropped connections and 5xx only for requests that are
  safe to repeat (reads, or writes the platform makes idempotent). A write whose response was lost
  raises :class:`~unified_orders.errors.ResponseLost` at once, for the exactly-once logic to decide;
- error responses become typed errors through ``adapter.error_for``;
- secrets are redacted from log lines and error messages.
"""

from .driver import AsyncDriver, SyncDriver, Transport, redact, redact_error, retry_after_seconds
from .transports import (
    Exchange,
    Fault,
    FaultInjectingTransport,
    RecordingTransport,
    emulator_transport,
)

__all__ = [
    "AsyncDriver",
    "Exchange",
    "Fault",
    "FaultInjectingTransport",
    "RecordingTransport",
    "SyncDriver",
    "Transport",
    "emulator_transport",
    "redact",
    "redact_error",
    "retry_after_seconds",
]
