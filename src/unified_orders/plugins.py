"""Loading adapters: built-in and third-party ones alike come through the ``unified_orders``
entry-point group. A plugin that fails to import is reported and skipped; two plugins claiming
one platform is an error naming both. ``UNIFIED_ORDERS_LOAD_PLUGINS=a,b`` loads only those
entry points (an empty value loads none)."""

from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass
from importlib.metadata import entry_points

import pluggy

from . import hookspecs
from .adapter import AdapterSpec, Capability
from .errors import ConfigurationError

__all__ = ["AdapterInfo", "PluginLoadWarning", "adapter_info", "pm", "registry"]

GROUP = "unified_orders"
pm = pluggy.PluginManager(GROUP)
pm.add_hookspecs(hookspecs)

_loaded = False
_broken: dict[str, str] = {}
_lock = threading.Lock()


class PluginLoadWarning(UserWarning):
    """A plugin could not be loaded and was skipped."""


@dataclass(frozen=True)
class AdapterInfo:
    """What ``uo.adapters()`` reports for each platform (or broken plugin, with ``error``)."""

    platform: str
    plugin: str
    version: str | None
    capabilities: frozenset[Capability]
    description: str = ""
    error: str | None = None


def load() -> None:
    """Load entry-point plugins once (respecting ``UNIFIED_ORDERS_LOAD_PLUGINS``)."""
    global _loaded
    with _lock:
        if _loaded:
            return
        _loaded = True
        allowed = os.environ.get("UNIFIED_ORDERS_LOAD_PLUGINS")
        names = None if allowed is None else {n.strip() for n in allowed.split(",") if n.strip()}
        for entry_point in entry_points(group=GROUP):
            if names is not None and entry_point.name not in names:
                continue
            if pm.has_plugin(entry_point.name):
                continue
            try:
                pm.register(entry_point.load(), name=entry_point.name)
            except Exception as error:  # a broken plugin must never break the others
                _broken[entry_point.name] = f"{type(error).__name__}: {error}"
                warnings.warn(
                    f"unified-orders plugin {entry_point.name!r} ({entry_point.value}) failed to "
                    f"load and was skipped: {error}",
                    PluginLoadWarning,
                    stacklevel=2,
                )


def _collect() -> dict[str, tuple[str, AdapterSpec]]:
    load()
    found: dict[str, tuple[str, AdapterSpec]] = {}
    for impl in pm.hook.unified_orders_adapters.get_hookimpls():
        plugin = pm.get_name(impl.plugin) or repr(impl.plugin)
        try:
            specs: list[AdapterSpec] = list(impl.function())  # type: ignore[call-overload]
        except Exception as error:
            _broken[plugin] = f"{type(error).__name__}: {error}"
            warnings.warn(
                f"unified-orders plugin {plugin!r} failed to list its adapters and was skipped: "
                f"{error}",
                PluginLoadWarning,
                stacklevel=3,
            )
            continue
        for spec in specs:
            if spec.platform in found:
                other = found[spec.platform][0]
                raise ConfigurationError(
                    f"two plugins claim platform {spec.platform!r}: {other!r} and {plugin!r}; "
                    "uninstall one, or restrict loading with UNIFIED_ORDERS_LOAD_PLUGINS"
                )
            found[spec.platform] = (plugin, spec)
    return dict(sorted(found.items()))


def registry() -> dict[str, AdapterSpec]:
    """Every registered adapter by platform name; raises if two plugins claim one platform."""
    return {name: spec for name, (_, spec) in _collect().items()}


def adapter_info() -> dict[str, AdapterInfo]:
    """Registered adapters plus plugins that failed to load (with their error)."""
    info = {
        name: AdapterInfo(
            platform=name,
            plugin=plugin,
            version=spec.version,
            capabilities=spec.capabilities,
            description=spec.description,
        )
        for name, (plugin, spec) in _collect().items()
    }
    for plugin, error in _broken.items():
        info.setdefault(plugin, AdapterInfo(plugin, plugin, None, frozenset(), error=error))
    return info
