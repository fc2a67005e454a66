"""Cassette recording rules (vcrpy / pytest-recording) and the secret scan cassettes must pass.

Cassettes replay with record mode ``none``. Before anything is written, auth headers are dropped
and customer names, e-mails, phones and street lines in JSON bodies are replaced by fixed fakes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["SECRET_PATTERNS", "find_secrets", "scrub_request", "scrub_response", "vcr_config"]

AUTH_HEADERS = [
    "authorization",
    "x-shopify-access-token",
    "sw-access-key",
    "cookie",
    "set-cookie",
]

# Personal fields scrubbed in any JSON body, with the fake each becomes.
PERSONAL_FIELDS: dict[str, str] = {
    "email": "customer@example.com",
    "contact_email": "customer@example.com",
    "first_name": "Jane",
    "last_name": "Doe",
    "firstName": "Jane",
    "lastName": "Doe",
    "phone": "+10000000000",
    "phone_number": "+10000000000",
    "phoneNumber": "+10000000000",
    "address1": "1 Example Street",
    "address2": "",
    "line1": "1 Example Street",
    "line2": "",
    "street": "1 Example Street",
    "additionalAddressLine1": "",
    "additionalAddressLine2": "",
}

SECRET_PATTERNS: list[re.Pattern[str]] = [
    re.compile(r"shp(at|ca|pa|ss)_[0-9a-fA-F]{8,}"),
    re.compile(r"Bearer\s+[A-Za-z0-9._~+/=-]{16,}"),
    re.compile(r'"(access_token|client_secret|refresh_token)"\s*:\s*"[^"*]{8,}"'),
    re.compile(r"(?i)(x-shopify-access-token|authorization)\s*:\s*\S{8,}"),
    re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),  # JWT
]


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: (PERSONAL_FIELDS[key] if key in PERSONAL_FIELDS and item else _scrub(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def _scrub_body(body: bytes | str | None) -> bytes | str | None:
    if not body:
        return body
    text = body.decode() if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except ValueError:
        return body
    # Secrets a token endpoint returns never reach a cassette.
    if isinstance(data, dict) and "access_token" in data:
        data["access_token"] = "***"
    scrubbed = json.dumps(_scrub(data))
    return scrubbed.encode() if isinstance(body, bytes) else scrubbed


def scrub_request(request: Any) -> Any:
    """vcrpy ``before_record_request``: drop personal data from the request body."""
    request.body = _scrub_body(request.body)
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy ``before_record_response``: drop personal data and tokens from the response body."""
    body = response.get("body", {})
    if isinstance(body, dict) and "string" in body:
        body["string"] = _scrub_body(body["string"])
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in AUTH_HEADERS:
            del headers[name]
    return response


def vcr_config() -> dict[str, Any]:
    """The settings every cassette test uses (return it from a ``vcr_config`` fixture)."""
    return {
        "record_mode": "none",
        "filter_headers": [(name, None) for name in AUTH_HEADERS],
        "filter_post_data_parameters": ["client_secret", "client_id"],
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
    }


def find_secrets(paths: Iterable[Path]) -> list[str]:
    """Every ``file: match`` where something token-shaped appears."""
    found: list[str] = []
    for path in paths:
        text = path.read_text(errors="replace")
        for pattern in SECRET_PATTERNS:
            found.extend(f"{path}: {m.group(0)[:40]}" for m in pattern.finditer(text))
    return found
