"""Settings of the ``nextcommerce`` adapter: the store's subdomain, an Admin API token, the version.

``uo.connect("nextcommerce", store="acme", access_token=...)`` talks to ``acme.29next.store``;
``sandbox=True`` needs neither and runs against the in-memory emulator.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import SecretStr, field_validator, model_validator

from unified_orders.adapter import AdapterSettings

__all__ = ["API_VERSION", "NextCommerceSettings"]

#: The Admin API version the adapter speaks (and the sandbox insists on).
API_VERSION: Literal["2024-04-01"] = "2024-04-01"

_SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class NextCommerceSettings(AdapterSettings):
    """Settings of a Next Commerce store.

    ``store`` is the store's subdomain (``acme`` for ``acme.29next.store``; the full host is
    accepted too), ``access_token`` an Admin API token (OAuth app under Settings > API Access).
    ``api_version`` is fixed: the adapter speaks 2024-04-01. ``sandbox=True`` needs neither.
    ``sandbox_currency_orders`` adds a BGN and a KWD order to the sandbox's demo orders, and
    ``sandbox_unreadable_order`` an order whose retrieve cannot be read (for trying how listings
    and ``sync`` deal with them); both are ignored for real stores. ``scan_updates`` makes an
    incremental sync also page through every order's list item and read again each one updated
    since the last run, so changes to orders placed before the window are found too, at one
    request per page of the whole store on every run (off by default).
    """

    store: str | None = None
    access_token: SecretStr | None = None
    api_version: Literal["2024-04-01"] = API_VERSION
    sandbox_currency_orders: bool = False
    sandbox_unreadable_order: bool = False
    scan_updates: bool = False

    @field_validator("store")
    @classmethod
    def _subdomain(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host = value.strip().lower()
        host = re.sub(r"^https?://", "", host).split("/", 1)[0]
        host = host.removesuffix(".29next.store")
        if not _SUBDOMAIN.match(host):
            raise ValueError(
                f"{value!r} is not a store subdomain; give e.g. 'acme' for acme.29next.store"
            )
        return host

    @model_validator(mode="after")
    def _credentials(self) -> NextCommerceSettings:
        if not self.sandbox:
            missing = [name for name in ("store", "access_token") if getattr(self, name) is None]
            if missing:
                raise ValueError(
                    f"{' and '.join(missing)} required (or sandbox=True for the in-memory store)"
                )
        return self
