"""Test support for adapters: sandbox stores with request recording and fault injection, the
cassette configuration, and the conformance suite every adapter's tests subclass."""

from ..http import Exchange, Fault, FaultInjectingTransport, RecordingTransport
from .recording import SECRET_PATTERNS, find_secrets, scrub_request, scrub_response, vcr_config
from .sandbox import instrumented_sandbox, unwrapped

__all__ = [
    "SECRET_PATTERNS",
    "Exchange",
    "Fault",
    "FaultInjectingTransport",
    "RecordingTransport",
    "find_secrets",
    "instrumented_sandbox",
    "scrub_request",
    "scrub_response",
    "unwrapped",
    "vcr_config",
]
