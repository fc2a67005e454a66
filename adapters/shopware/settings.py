"""Settings of the ``shopware`` adapter.

``uo.connect("shopware", base_url="https://shop.example", client_id="SWIA...",
client_secret="...")`` connects to a shop through an integration's access key;
``uo.connect("shopware", sandbox=True)`` needs no credentials (the sandbox's are used).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from unified_orders.adapter import AdapterSettings

__all__ = ["SANDBOX_CLIENT_ID", "SANDBOX_CLIENT_SECRET", "SANDBOX_URL", "ShopwareSettings"]

SANDBOX_URL = "https://sandbox.shopware.example"
SANDBOX_CLIENT_ID = "SWIASANDBOXEXAMPLE0000000000"
SANDBOX_CLIENT_SECRET = "sandbox-secret-not-a-real-one"


class ShopwareSettings(AdapterSettings):
    """Settings of a Shopware 6 store.

    ``base_url`` is the shop root (``https://shop.example``); ``client_id`` / ``client_secret``
    are an integration's access key and secret. ``commercial_returns`` says whether the
    Commercial ReturnManagement routes exist (None: probe on first use). ``sales_channel_id``
    picks the channel orders.create writes to (default: the first one). ``page_size`` is the
    search page size (Shopware caps it at 500). ``sandbox_version`` (``6.6``/``6.7``) and
    ``sandbox_commercial`` shape the sandbox emulator.
    """

    base_url: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    commercial_returns: bool | None = None
    sales_channel_id: str | None = None
    page_size: int = Field(default=100, ge=1, le=500)
    sandbox_version: Literal["6.6", "6.7"] = "6.7"
    sandbox_commercial: bool = True

    @model_validator(mode="after")
    def _credentials(self) -> ShopwareSettings:
        if self.base_url is not None and not self.base_url.startswith(("https://", "http://")):
            raise ValueError("base_url must start with https:// (the shop root, without /api)")
        if not self.sandbox:
            missing = [
                name
                for name in ("base_url", "client_id", "client_secret")
                if getattr(self, name) in (None, "")
            ]
            if missing:
                raise ValueError(
                    f"{', '.join(missing)} required (an integration's access key and secret, "
                    "from Settings > System > Integrations), or pass sandbox=True"
                )
        return self
