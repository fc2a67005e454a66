"""Settings of the ``shopify`` adapter, and the choice of API dialect.

``uo.connect("shopify", shop="acme.myshopify.com", access_token=...)`` uses the GraphQL Admin API
(``api="graphql"``, :mod:`.graphql`, version 2026-04 by default); ``api="rest"`` picks the legacy
REST Admin API (:mod:`.rest`, version 2026-07 by default). :func:`make_adapter` builds the class.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import SecretStr, field_validator, model_validator

from unified_orders.adapter import AdapterSettings

__all__ = ["DEFAULT_VERSIONS", "SANDBOX_SHOP", "ShopifySettings"]

SANDBOX_SHOP = "sandbox.myshopify.com"
#: The API version each dialect defaults to: GraphQL the version of the shipped schema (its
#: documents are validated against it), REST the version of the REST fixtures.
DEFAULT_VERSIONS = {"graphql": "2026-04", "rest": "2026-07"}
_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
#: A host name: labels of letters, digits and inner hyphens (no port, no user, no path).
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
#: A shop's own Shopify domain: one handle below myshopify.com.
_MYSHOPIFY = re.compile(rf"{_LABEL}\.myshopify\.com")


class ShopifySettings(AdapterSettings):
    """Connection settings for a Shopify store.

    ``shop`` is the ``*.myshopify.com`` domain (a bare handle such as ``"acme"`` is completed);
    any other host is refused, so a typo never sends the token elsewhere, unless
    ``custom_domain=True`` says explicitly that ``shop`` is the store's own domain.
    ``access_token`` is an Admin API access token (sent as ``X-Shopify-Access-Token``).
    ``api`` is the dialect (``"graphql"`` by default, or ``"rest"``); ``api_version`` defaults
    per dialect (:data:`DEFAULT_VERSIONS`).
    GraphQL: ``cost_bucket_size``/``cost_restore_rate`` are the starting guesses of the
    cost-based limit (synced from ``extensions.cost.throttleStatus``); a cancel's job is polled
    every ``job_poll_interval`` seconds for at most ``job_wait_seconds``.
    ``leak_rate`` is the REST bucket's leak rate in requests per second (2 on Standard plans,
    4 Advanced, 20 Plus); the bucket size is read from ``X-Shopify-Shop-Api-Call-Limit`` at
    runtime, ``bucket_size`` is only the starting guess. ``discrepancy_reason`` is sent when a
    refund pays back less than Shopify calculated. ``sandbox_rate_limit`` makes the sandbox
    enforce the leaky bucket (off by default).
    """

    shop: str | None = None
    custom_domain: bool = False
    access_token: SecretStr | None = None
    api: Literal["rest", "graphql"] = "graphql"
    api_version: str = DEFAULT_VERSIONS["graphql"]
    leak_rate: float = 2.0
    bucket_size: int = 40
    discrepancy_reason: Literal["restock", "damage", "customer", "other"] = "other"
    notify_merchant_on_hold: bool = False
    sandbox_rate_limit: bool = False
    cost_bucket_size: float = 1000.0
    cost_restore_rate: float = 100.0
    job_poll_interval: float = 1.0
    job_wait_seconds: float = 60.0

    @model_validator(mode="before")
    @classmethod
    def _default_version(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("api_version") is None:
            api = data.get("api") or "graphql"
            if api in DEFAULT_VERSIONS:
                data = {**data, "api_version": DEFAULT_VERSIONS[api]}
        return data

    @field_validator("shop")
    @classmethod
    def _shop_domain(cls, value: str | None) -> str | None:
        if value is None:
            return None
        shop = re.sub(r"^https?://", "", value.strip()).split("/", 1)[0].lower()
        if not shop:
            raise ValueError("give the shop's myshopify.com domain, e.g. 'acme.myshopify.com'")
        if "." not in shop:
            shop = f"{shop}.myshopify.com"
        if not _HOST.fullmatch(shop):
            raise ValueError(f"{value!r} is not a shop domain such as 'acme.myshopify.com'")
        return shop

    @model_validator(mode="after")
    def _own_domain(self) -> ShopifySettings:
        # The access token goes to this host: only Shopify's own shop domains, unless the caller
        # said explicitly that this is the store's custom domain.
        if self.shop is not None and not self.custom_domain and not _MYSHOPIFY.fullmatch(self.shop):
            raise ValueError(
                f"shop {self.shop!r} is not a *.myshopify.com domain; the access token is only "
                "sent to one. Give the shop's myshopify.com domain (e.g. 'acme.myshopify.com', "
                "or the handle 'acme'), or pass custom_domain=True if this is the store's own "
                "Admin API domain"
            )
        return self

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not _VERSION.match(value):
            raise ValueError(f"{value!r} is not a Shopify API version such as '2026-07'")
        return value

    @field_validator("leak_rate")
    @classmethod
    def _positive_rate(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("leak_rate must be positive (requests per second)")
        return value

    @field_validator("cost_bucket_size", "cost_restore_rate")
    @classmethod
    def _positive_cost(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be positive (cost points, points per second)")
        return value

    @field_validator("job_poll_interval", "job_wait_seconds")
    @classmethod
    def _not_negative(cls, value: float) -> float:
        if value < 0:
            raise ValueError("must not be negative (seconds)")
        return value

    @field_validator("bucket_size")
    @classmethod
    def _positive_size(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("bucket_size must be positive")
        return value

    @model_validator(mode="after")
    def _credentials(self) -> ShopifySettings:
        if self.sandbox:
            return self
        missing = [name for name in ("shop", "access_token") if getattr(self, name) is None]
        if missing:
            raise ValueError(
                f"{' and '.join(missing)} required (or pass sandbox=True for the in-memory store)"
            )
        return self

    @property
    def shop_domain(self) -> str:
        """The shop's domain; the sandbox's when none is given."""
        return self.shop or SANDBOX_SHOP
