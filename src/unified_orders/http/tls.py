"""One TLS context for every HTTPS connection of the process.

httpx builds a new ``ssl.SSLContext`` for every client and transport, loading the CA bundle
each time: about 25 ms of CPU, so a sync of 50 stores spent over a second before its first
request. One context, built the way httpx builds its default (``SSL_CERT_FILE`` /
``SSL_CERT_DIR`` honoured, else certifi's bundle), is shared instead: ``SSLContext`` is safe to
share between connections and threads.
"""

from __future__ import annotations

import functools
import ssl

import httpx

__all__ = ["shared_context"]


@functools.cache
def shared_context() -> ssl.SSLContext:
    """The process's TLS context, built on first use (the environment read then)."""
    return httpx.create_ssl_context()
