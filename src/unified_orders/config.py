"""The stores config: a TOML file naming stores and their adapter settings.

::

    [stores.acme-us]
    platform = "shopify"
    shop = "acme-us.myshopify.com"
    access_token_env = "ACME_US_TOKEN"     # <setting>_env: read the setting from this variable

    [stores.play]
    platform = "shopware"
    sandbox = true                          # an in-memory sandbox store
    sandbox_server = "http://127.0.0.1:8765"  # ...served by `unified-orders sandbox serve`

The file is found by ``--config``, else ``UNIFIED_ORDERS_CONFIG``, else ``config.toml`` in the user
config dir (platformdirs). With no file at all, the built-in sandbox stores exist
(``sandbox-<platform>`` for each of the three built-in platforms whose adapter is registered); a
file may keep them with ``include_sandbox_stores = true``. Errors name the store, the key and what
was expected; a secret written in plain text is accepted with a warning, and so is a file holding
secrets that other users can read (:meth:`Config.warnings`). A sandbox store with
``sandbox_server`` (every sandbox store while ``UNIFIED_ORDERS_SANDBOX_SERVER`` is set) is
answered by that server's emulator of the store with the same name (:meth:`StoreConfig.resolve`
gives ``connect`` the store's URL there).
"""

from __future__ import annotations

import os
import stat
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import SecretStr, ValidationError

from .errors import ConfigurationError
from .plugins import GROUP, registry

__all__ = [
    "APP_NAME",
    "BUILTIN_SANDBOX_PLATFORMS",
    "CONFIG_ENV",
    "SANDBOX_SERVER_ENV",
    "SANDBOX_SERVER_KEY",
    "Config",
    "StoreConfig",
    "default_config_path",
    "load_config",
]

APP_NAME = "unified-orders"
CONFIG_ENV = "UNIFIED_ORDERS_CONFIG"
#: A store key (and a variable for every sandbox store): a running ``unified-orders sandbox
#: serve`` answers for the store, so processes share its state.
SANDBOX_SERVER_KEY = "sandbox_server"
SANDBOX_SERVER_ENV = "UNIFIED_ORDERS_SANDBOX_SERVER"
_ENV_SUFFIX = "_env"
_TOP_LEVEL = {"stores", "include_sandbox_stores", "database"}


def _shipped_platforms() -> tuple[str, ...]:
    """The adapters this distribution registers: its own ``unified_orders`` entry points.

    Read from the package metadata, so no adapter is imported (and no plugin loaded) here.
    """
    try:
        shipped = distribution("unified-orders").entry_points.select(group=GROUP)
    except PackageNotFoundError:  # a source tree run uninstalled registers no adapters either
        return ()
    return tuple(sorted(entry_point.name for entry_point in shipped))


#: The platforms that get a ``sandbox-<platform>`` store when no config file exists: the
#: built-in adapters (each ships an emulator).
BUILTIN_SANDBOX_PLATFORMS = _shipped_platforms()


def default_config_path() -> Path:
    """``config.toml`` in the user config dir (e.g. ``~/.config/unified-orders/config.toml``)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def _is_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_secret(arg) for arg in typing.get_args(annotation))
    return False


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return "a secret string" if annotation is SecretStr else annotation.__name__
    return str(annotation).replace("typing.", "").replace("pydantic.types.", "")


@dataclass(frozen=True)
class StoreConfig:
    """One store: its name, platform, settings as written, and where it was defined.

    ``settings`` keeps ``<setting>_env`` keys unresolved; :meth:`resolve` reads the variables.
    """

    name: str
    platform: str
    settings: Mapping[str, Any]
    source: str
    builtin: bool = False

    @property
    def sandbox(self) -> bool:
        """Whether this is an in-memory sandbox store."""
        return bool(self.settings.get("sandbox", False))

    def _where(self) -> str:
        return f"store {self.name!r} ({self.source})"

    def secret_fields(self) -> set[str]:
        """Settings of this store's adapter that hold secrets (typed ``SecretStr``)."""
        spec = registry().get(self.platform)
        if spec is None:
            return set()
        return {
            name for name, info in spec.settings.model_fields.items() if _is_secret(info.annotation)
        }

    def plaintext_secrets(self) -> list[str]:
        """Secret settings written in plain text in the file (accepted, with a warning)."""
        secret = self.secret_fields()
        return sorted(key for key in self.settings if key in secret)

    def warnings(self) -> list[str]:
        """Things worth saying about this store's config that do not stop it working."""
        return [
            f"{self._where()}: key {key!r} holds a secret in plain text; put it in an "
            f'environment variable and write {key}{_ENV_SUFFIX} = "VARIABLE_NAME" instead'
            for key in self.plaintext_secrets()
        ]

    def describe(self) -> dict[str, Any]:
        """The settings safe to show: secrets masked, variable names shown, never their values."""
        secret = self.secret_fields()
        shown: dict[str, Any] = {}
        for key, value in self.settings.items():
            if key.endswith(_ENV_SUFFIX):
                shown[key[: -len(_ENV_SUFFIX)]] = f"${value}"
            elif key in secret:
                shown[key] = "***"
            else:
                shown[key] = value
        return shown

    def resolve(self, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Settings ready for ``uo.connect``: ``<setting>_env`` keys replaced by the variables' values.

        Validated through the adapter's settings model, so errors name the key and what was
        expected; raises :class:`ConfigurationError`.
        """
        env = os.environ if environ is None else environ
        spec = registry().get(self.platform)
        if spec is None:
            known = ", ".join(registry()) or "none (are the adapters installed?)"
            raise ConfigurationError(
                f"{self._where()}: key 'platform': {self.platform!r} is not a registered "
                f"platform; expected one of: {known}"
            )
        fields = spec.settings.model_fields
        served = self._sandbox_server(env)
        resolved: dict[str, Any] = {}
        for key, value in self.settings.items():
            if key == SANDBOX_SERVER_KEY:
                continue  # not an adapter setting: connect() takes it
            if key.endswith(_ENV_SUFFIX) and key not in fields:
                target = key[: -len(_ENV_SUFFIX)]
                if target not in fields:
                    raise ConfigurationError(
                        f"{self._where()}: key {key!r}: {self.platform} has no setting "
                        f"{target!r}; expected one of: {', '.join(fields)}"
                    )
                if target in self.settings:
                    raise ConfigurationError(
                        f"{self._where()}: keys {target!r} and {key!r} both set {target}; "
                        "expected only one of them"
                    )
                if not isinstance(value, str) or not value:
                    raise ConfigurationError(
                        f"{self._where()}: key {key!r}: expected the name of an environment "
                        f"variable, got {value!r}"
                    )
                if value not in env:
                    raise ConfigurationError(
                        f"{self._where()}: key {key!r} names the environment variable {value}, "
                        "which is not set; expected it to hold the "
                        f"{target} setting"
                    )
                resolved[target] = env[value]
            else:
                resolved[key] = value
        try:
            spec.settings.model_validate(resolved)
        except ValidationError as error:
            raise ConfigurationError(self._explain(error, fields)) from None
        if served is not None:
            resolved[SANDBOX_SERVER_KEY] = served
        return resolved

    def _sandbox_server(self, env: Mapping[str, str]) -> str | None:
        """This store's URL on a sandbox server: from its ``sandbox_server`` key, else (for a
        sandbox store) from ``$UNIFIED_ORDERS_SANDBOX_SERVER``; None: an in-process emulator."""
        from .sandbox.protocol import server_root, store_url

        if SANDBOX_SERVER_KEY in self.settings:
            where, value = f"key {SANDBOX_SERVER_KEY!r}", self.settings[SANDBOX_SERVER_KEY]
            if not self.sandbox:
                raise ConfigurationError(
                    f"{self._where()}: {where} is only for sandbox stores; add sandbox = true "
                    "(the emulator then runs in the server)"
                )
        elif self.sandbox and env.get(SANDBOX_SERVER_ENV):
            where, value = f"environment variable {SANDBOX_SERVER_ENV}", env[SANDBOX_SERVER_ENV]
        else:
            return None
        try:
            root = server_root(value)
        except ValueError as error:
            raise ConfigurationError(
                f"{self._where()}: {where}: {error}, got {value!r}; expected the address "
                "`unified-orders sandbox serve` prints, such as 'http://127.0.0.1:8765'"
            ) from None
        return store_url(root, self.name)

    def _explain(self, error: ValidationError, fields: Mapping[str, Any]) -> str:
        problems = []
        for item in error.errors():
            key = ".".join(str(part) for part in item["loc"]) or "settings"
            top = str(item["loc"][0]) if item["loc"] else ""
            if item["type"] == "extra_forbidden":
                what = f"unknown setting for {self.platform}; expected one of: {', '.join(fields)}"
            elif item["type"] == "missing" and top in fields:
                what = f"missing; expected {_type_name(fields[top].annotation)}"
                if top in self.secret_fields():
                    what += f' (write {top}{_ENV_SUFFIX} = "VARIABLE_NAME")'
            else:
                what = item["msg"]
                if top in self.secret_fields():
                    what += " (value hidden)"
                elif "input" in item and not isinstance(item["input"], dict):
                    what += f", got {item['input']!r}"
            problems.append(f"key {key!r}: {what}")
        return f"{self._where()}: " + "; ".join(problems)


@dataclass(frozen=True)
class Config:
    """The stores known to this run, by name, and the file they came from (None: built-in)."""

    stores: dict[str, StoreConfig] = field(default_factory=dict)
    path: Path | None = None
    #: ``database = "..."``: where ``sync``/``report``/``export`` go without ``--db`` (a DuckDB
    #: file or a ``postgresql://`` URL; keep its password in PGPASSWORD or ~/.pgpass).
    database: str | None = None

    def warnings(self) -> list[str]:
        """Things worth saying about the file as a whole: secrets in a file others can read."""
        if self.path is None or os.name == "nt":
            return []
        holders = [
            f"store {store.name!r} key {key!r}"
            for store in self.stores.values()
            if not store.builtin
            for key in store.plaintext_secrets()
        ]
        if not holders:
            return []
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
        except OSError:
            return []
        if not mode & (stat.S_IRGRP | stat.S_IROTH):
            return []
        return [
            f"config file {self.path} holds secrets ({', '.join(holders)}) and can be read by "
            f"other users (mode {mode:04o}); run `chmod 600 {self.path}`"
        ]

    def store(self, name: str) -> StoreConfig:
        """The store called ``name``; the error lists the known ones."""
        if name not in self.stores:
            known = ", ".join(self.stores) or "none"
            where = f"in {self.path}" if self.path else "(no config file: built-in sandbox stores)"
            raise ConfigurationError(f"no store named {name!r} {where}; known stores: {known}")
        return self.stores[name]


def builtin_sandbox_stores() -> dict[str, StoreConfig]:
    """``sandbox-<platform>`` for each built-in platform whose adapter is registered."""
    registered = registry()
    return {
        f"sandbox-{platform}": StoreConfig(
            name=f"sandbox-{platform}",
            platform=platform,
            settings={"sandbox": True},
            source="built-in",
            builtin=True,
        )
        for platform in BUILTIN_SANDBOX_PLATFORMS
        if platform in registered
    }


def _store(name: str, table: Any, source: str) -> StoreConfig:
    where = f"store {name!r} ({source})"
    if not isinstance(table, dict):
        raise ConfigurationError(
            f"{where}: expected a table such as [stores.{name}] with a platform key, "
            f"got {type(table).__name__}"
        )
    settings = dict(table)
    platform = settings.pop("platform", None)
    if not isinstance(platform, str) or not platform:
        known = ", ".join(registry()) or "none registered"
        raise ConfigurationError(
            f"{where}: key 'platform' is "
            + ("missing" if platform is None else f"{platform!r}")
            + f"; expected a platform name, one of: {known}"
        )
    return StoreConfig(name=name, platform=platform, settings=settings, source=source)


def parse_config(text: str, path: Path) -> Config:
    """Parse config text; structural errors name the key and what was expected."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"{path}: not valid TOML: {error}") from None
    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown top-level key {unknown[0]!r}; expected [stores.<name>] tables "
            "and optionally include_sandbox_stores = true and database = '...'"
        )
    database = data.get("database")
    if database is not None and (not isinstance(database, str) or not database.strip()):
        raise ConfigurationError(
            f"{path}: key 'database': expected a DuckDB file path or a postgresql:// URL, "
            f"got {database!r}"
        )
    include = data.get("include_sandbox_stores", False)
    if not isinstance(include, bool):
        raise ConfigurationError(
            f"{path}: key 'include_sandbox_stores': expected true or false, got {include!r}"
        )
    tables = data.get("stores", {})
    if not isinstance(tables, dict):
        raise ConfigurationError(f"{path}: key 'stores': expected [stores.<name>] tables")
    stores = builtin_sandbox_stores() if include else {}
    for name, table in tables.items():
        stores[name] = _store(name, table, str(path))
    return Config(stores=stores, path=path, database=database)


def load_config(path: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Load the stores config: ``path``, else ``$UNIFIED_ORDERS_CONFIG``, else the user config dir.

    A file named explicitly (argument or variable) must exist; the default file may be absent,
    which gives the built-in sandbox stores.
    """
    env = os.environ if environ is None else environ
    explicit = path if path is not None else (env.get(CONFIG_ENV) or None)
    chosen = Path(explicit).expanduser() if explicit is not None else default_config_path()
    if not chosen.exists():
        if explicit is not None:
            how = "--config" if path is not None else CONFIG_ENV
            raise ConfigurationError(f"config file {chosen} (from {how}) does not exist")
        return Config(stores=builtin_sandbox_stores(), path=None)
    try:
        text = chosen.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigurationError(f"cannot read config file {chosen}: {error}") from None
    return parse_config(text, chosen)
