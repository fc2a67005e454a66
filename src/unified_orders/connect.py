"""``connect`` and ``connect_async``: from a platform name and settings to a store."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .adapter import Adapter, AdapterSpec, Emulator
from .errors import ConfigurationError
from .http import AsyncDriver, SyncDriver, Transport, emulator_transport
from .plugins import AdapterInfo, adapter_info, registry
from .store import AsyncStore, Store

__all__ = ["adapters", "connect", "connect_async"]


def adapters() -> dict[str, AdapterInfo]:
    """Registered adapters by platform, with plugins that failed to load listed with their error."""
    return adapter_info()


def _spec(platform: str) -> AdapterSpec:
    specs = registry()
    if platform not in specs:
        known = ", ".join(specs) or "none (are the adapters installed?)"
        raise ConfigurationError(f"unknown platform {platform!r}; registered platforms: {known}")
    return specs[platform]


def _format(error: ValidationError, platform: str) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "settings"
        lines.append(f"{where}: {item['msg']}")
    return f"invalid settings for {platform}: " + "; ".join(lines)


def _adapter(platform: str, settings: dict[str, Any]) -> Adapter:
    spec = _spec(platform)
    try:
        validated = spec.settings.model_validate(settings)
    except ValidationError as error:
        raise ConfigurationError(_format(error, platform)) from None
    return spec.factory(validated)


def _transport(
    adapter: Adapter, transport: Transport | None, sandbox_server: str | None = None
) -> tuple[Transport | None, Emulator | None]:
    if sandbox_server is not None:  # the emulator lives in the server's process, not here
        from .http.served import ServedStoreTransport

        if not adapter.settings.sandbox or transport is not None:
            raise ConfigurationError(
                "sandbox_server needs sandbox=True and no transport (it is the transport)"
            )
        served = ServedStoreTransport(sandbox_server, adapter.platform)
        adapter.sandbox_served_by = f"{served.root} {served.store}"
        return served, None
    if not adapter.settings.sandbox:
        return transport, None
    emulator = adapter.emulator()
    if emulator is None:
        raise ConfigurationError(f"{adapter.platform} has no sandbox")
    return (transport or emulator_transport(emulator)), emulator


def connect(
    platform: str,
    *,
    transport: Transport | None = None,
    sandbox_server: str | None = None,
    **settings: Any,
) -> Store:
    """Connect to a store: ``connect("shopify", shop=..., access_token=...)``.

    ``sandbox=True`` gives an in-memory emulator with demo data; ``transport`` replaces the HTTP
    transport (any httpx transport, for tests and proxies). With ``sandbox=True`` and
    ``sandbox_server="http://127.0.0.1:8765/stores/NAME"`` the requests go to store ``NAME`` of a
    running ``unified-orders sandbox serve`` instead (``store.sandbox`` is then None: the
    emulator lives in the server).
    """
    adapter = _adapter(platform, settings)
    chosen, emulator = _transport(adapter, transport, sandbox_server)
    return Store(adapter, SyncDriver(adapter, chosen), emulator)


def connect_async(
    platform: str,
    *,
    transport: Transport | None = None,
    sandbox_server: str | None = None,
    **settings: Any,
) -> AsyncStore:
    """Like :func:`connect`, for asyncio: the same namespaces, awaitable."""
    adapter = _adapter(platform, settings)
    chosen, emulator = _transport(adapter, transport, sandbox_server)
    return AsyncStore(adapter, AsyncDriver(adapter, chosen), emulator)
