"""What every platform's webhook rules share: headers read case-insensitively, constant-time
signature checks, the JSON body read into a typed error, and timestamps made timezone-aware."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ..errors import ConfigurationError, InvalidRequest, Problem, WebhookSignatureError

__all__ = [
    "Headers",
    "body_json",
    "header",
    "invalid",
    "parse_time",
    "require_secret",
    "require_signature",
    "signature_base64",
    "signature_hex",
    "signatures_match",
]

#: Request headers as any web framework hands them over: a mapping or (name, value) pairs.
Headers = Mapping[str, str] | Iterable[tuple[str, str]]


def header(headers: Headers, *names: str) -> str | None:
    """The first of ``names`` present in ``headers`` (names compared case-insensitively)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    found = {str(name).lower(): value for name, value in items}
    for name in names:
        value = found.get(name.lower())
        if value is not None:
            return str(value)
    return None


def signature_hex(secret: str | bytes, message: bytes) -> str:
    """The hex HMAC-SHA256 of ``message`` under ``secret``."""
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def signature_base64(secret: str | bytes, message: bytes) -> str:
    """The base64 HMAC-SHA256 of ``message`` under ``secret``."""
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signatures_match(expected: str, given: str) -> bool:
    """Whether two signatures are equal, compared in constant time."""
    return hmac.compare_digest(expected.strip().encode("ascii"), _ascii(given.strip()))


def require_secret(platform: str, secret: str | bytes, what: str) -> None:
    """Refuse to verify without a secret (``what`` says which one the platform signs with)."""
    if not secret:
        raise ConfigurationError(f"{platform}: no webhook secret to verify with; {what}")


def require_signature(platform: str, headers: Headers, *names: str) -> str:
    """The signature header's value; :class:`WebhookSignatureError` when it is missing or empty."""
    value = header(headers, *names)
    if value is None or not value.strip():
        raise WebhookSignatureError(platform, names[0], missing=True)
    return value


def invalid(platform: str, message: str, path: str = "body") -> InvalidRequest:
    """The typed error for a delivery that is not what the platform documents."""
    return InvalidRequest([Problem(path, message)], operation=f"{platform} webhook")


def body_json(platform: str, body: bytes) -> dict[str, Any]:
    """The delivery body as a JSON object, or the typed error saying it is not one."""
    try:
        value = json.loads(body)
    except (ValueError, TypeError, RecursionError):
        raise invalid(platform, "is not JSON") from None
    if not isinstance(value, dict):
        raise invalid(platform, "is not a JSON object")
    return value


def parse_time(platform: str, value: Any, path: str) -> datetime:
    """A timezone-aware time from an ISO 8601 string or Unix seconds (naive strings: UTC)."""
    if isinstance(value, bool):
        raise invalid(platform, "is not a time", path)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise invalid(platform, "is not a time", path) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise invalid(platform, "is not a time", path)


def _key(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def _ascii(text: str) -> bytes:
    # a non-ASCII signature can never match; encode it so compare_digest still runs on bytes
    return text.encode("utf-8", "replace")
