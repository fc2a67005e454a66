"""The plugin hooks. An adapter package implements ``unified_orders_adapters`` (see its example)."""

from __future__ import annotations

from collections.abc import Iterable

import pluggy

from .adapter import AdapterSpec

__all__ = ["hookimpl", "hookspec"]

hookspec = pluggy.HookspecMarker("unified_orders")
hookimpl = pluggy.HookimplMarker("unified_orders")


@hookspec
def unified_orders_adapters() -> Iterable[AdapterSpec]:  # type: ignore[empty-body]
    """Register the platforms this plugin provides, one ``AdapterSpec`` per platform.

    A plugin is a module (or object) with this function marked ``@hookimpl``, found through the
    ``unified_orders`` entry-point group. A complete plugin for an imaginary platform::

        # acme_orders/__init__.py
        from collections.abc import Mapping

        from pydantic import SecretStr

        import unified_orders as uo
        from unified_orders.adapter import Op, Request


        class AcmeSettings(uo.AdapterSettings):
            # What a store of this platform needs: its host and an API token.

            host: str = "shop.acme.example"
            token: SecretStr | None = None


        class AcmeAdapter(uo.Adapter):
            # Reads orders; every other operation is refused before any request.

            platform = "acme"
            restock_policy = uo.RestockPolicy(
                unfulfilled=frozenset({uo.Restock.CANCEL, uo.Restock.NO_RESTOCK}),
                fulfilled=frozenset({uo.Restock.NO_RESTOCK, uo.Restock.RETURN}),
                fulfilled_digital=frozenset({uo.Restock.NO_RESTOCK}),
            )

            @property
            def capabilities(self) -> frozenset[uo.Capability]:
                return frozenset({uo.Capability.ORDERS_GET})

            @property
            def base_url(self) -> str:
                assert isinstance(self.settings, AcmeSettings)
                return f"https://{self.settings.host}/api/"

            def static_headers(self) -> Mapping[str, str]:
                assert isinstance(self.settings, AcmeSettings)
                token = self.settings.token
                return {"authorization": f"Bearer {token.get_secret_value()}"} if token else {}

            def secrets(self) -> list[str]:
                assert isinstance(self.settings, AcmeSettings)
                return [self.settings.token.get_secret_value()] if self.settings.token else []

            def get_order(self, order_id: str) -> Op[uo.Order]:
                response = yield Request("GET", f"orders/{order_id}")
                body = response.body
                total = uo.Money.of(str(body["total"]), body["currency"])
                return uo.Order(
                    id=str(body["id"]),
                    platform=self.platform,
                    currency=body["currency"],
                    status=uo.OrderStatus.parse(body["status"]),
                    platform_status=body["status"],
                    subtotal=total,
                    shipping=uo.Money.zero(body["currency"]),
                    tax=uo.Money.zero(body["currency"]),
                    total=total,
                    raw=body,
                )


        @uo.hookimpl
        def unified_orders_adapters() -> list[uo.AdapterSpec]:
            return [
                uo.AdapterSpec(
                    platform="acme",
                    factory=AcmeAdapter,
                    settings=AcmeSettings,
                    capabilities=frozenset({uo.Capability.ORDERS_GET}),
                    version="1.0.0",
                    description="Acme Commerce REST API",
                )
            ]

    registered in the plugin's ``pyproject.toml``::

        [project.entry-points.unified_orders]
        acme = "acme_orders"

    after which ``uo.connect("acme", token=...)`` and the CLI's ``platform = "acme"`` stores use it.
    An adapter with an in-memory platform overrides ``emulator()`` (importing its ``sandbox``
    package there, never at module level) so ``sandbox=True`` stores work offline.

    Returns:
        The plugin's adapters: one ``AdapterSpec`` per platform name, each naming the adapter
        factory (called with the validated settings), the settings model, the capabilities a
        store of it may have, and the plugin's version.
    """
