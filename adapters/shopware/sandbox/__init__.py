"""An in-memory Shopware 6 Admin API: the routes the adapter uses, with Shopware's rules.

Stateful and deterministic: seeded demo orders (obviously fake customers), ids derived from
names, a logical clock for timestamps (or the wall clock: ``wall_clock``). What it enforces, from ``shopware.md``:

- OAuth client credentials; tokens live 600 s (clock injectable) and a stale token gets 401;
  every other request needs ``Accept: application/json`` (406 otherwise);
- ``search/{entity}`` criteria on dotted association paths, paging (more than 500 is refused as
  on 6.6+), associations loaded only when asked (:mod:`.handlers.search`);
- state machines from the migrations, 6.6 or 6.7 action sets (``version``), the idempotent
  no-op, the 6.6 cancel-from-anywhere shortcut, ``SYSTEM__ILLEGAL_STATE_TRANSITION`` reporting
  the state *id* and the possible actions (:mod:`...states`, :mod:`.handlers.transitions`);
- capture refunds: created ``open``, processed by the action route only from ``open``; the demo
  card handler completes them, the invoice method has no refund handler (400);
- Commercial ReturnManagement routes (``commercial``), which answer 404 "No route found" when off.

Responses follow the published spec (``adminapi.json``), including ``calculatedTaxes`` as an
object keyed by tax rate, and leave out null fields and unloaded associations. The layout:
:mod:`.routes` (what it answers), :mod:`.state` (tables and lookups), :mod:`.handlers` (request
in, answer out), :mod:`.seed` (demo data), :mod:`.errors` (JSON:API error bodies).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Unpack

from unified_orders import jsonutil
from unified_orders.sandbox import EmulatorError, NoRoute, Router, SandboxRequest, WallClock

from ..settings import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from . import seed
from .errors import refusal
from .handlers import OAuthHandlers, ReturnHandlers, SearchHandlers, WriteHandlers
from .routes import ROUTES
from .webhooks import ShopwareWebhooks

__all__ = ["ShopwareEmulator"]


class ShopwareEmulator(OAuthHandlers, SearchHandlers, WriteHandlers, ReturnHandlers):
    """A stateful Shopware 6 Admin API (``version`` ``6.6`` or ``6.7``; Commercial on or off).

    ``clock`` is the monotonic clock token lifetimes read; ``wall_clock`` (e.g.
    ``unified_orders.sandbox.utc_now``) dates the writes after seeding, which otherwise follow
    the logical clock (one second per write from :data:`~.state.WRITE_TIME`).
    """

    router: ClassVar[Router] = ROUTES

    def __init__(
        self,
        *,
        version: str = "6.7",
        commercial: bool = True,
        client_id: str = SANDBOX_CLIENT_ID,
        client_secret: str = SANDBOX_CLIENT_SECRET,
        clock: Callable[[], float] | None = None,
        seed: bool = True,
        wall_clock: WallClock | None = None,
    ) -> None:
        #: App webhooks (configured directly: ``webhooks.install``), signed deliveries.
        self.webhooks = ShopwareWebhooks(lambda: self.state)
        super().__init__(version=version, commercial=commercial, clock=clock)
        self.client_id = client_id
        self.client_secret = client_secret
        if seed:
            self._seed()
        self.wall_clock = wall_clock  # after seeding: demo data keeps its dates

    def changed(self) -> None:
        """Forget derived indexes; emit the app webhooks for what changed."""
        super().changed()
        self.webhooks.changed()

    def _seed(self) -> None:
        seed.seed_reference(self)
        seed.seed_demo(self)

    # --- the gate -------------------------------------------------------------------------------
    def admit(self, request: SandboxRequest) -> None:
        """Count the request; then, but for the token endpoint and paths outside the API, the
        ``Accept: application/json`` header and a live bearer token."""
        self.state["requests"] += 1
        relative = self.route_path(request)
        if relative is None or (request.method == "POST" and relative == "oauth/token"):
            return
        if "application/json" not in request.headers.get("accept", ""):
            raise refusal(406, "0", "This adapter sandbox answers Accept: application/json")
        self.check_token(request)

    def no_route(self, request: SandboxRequest, missing: NoRoute) -> EmulatorError:
        """Symfony's 404 "No route found", whatever methods the path does take."""
        return self.missing_route(request)

    # --- state ------------------------------------------------------------------------------------
    def dump_state(self) -> dict[str, Any]:
        """The state as JSON-serialisable data (amounts kept exact inside a JSON string)."""
        with self.lock:
            return {"format": 1, "state": jsonutil.dumps(self.state)}

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace the state with data from :meth:`dump_state`."""
        with self.lock:
            self.state = jsonutil.loads(state["state"])
            self.changed()

    # --- demo data --------------------------------------------------------------------------------
    def seed_orders(self, n: int) -> list[str]:
        """Add ``n`` generated orders (deterministic: the same calls give the same orders)."""
        with self.lock:
            return [
                self.add_order(**seed.generated_order(int(self.state["orders"]) + 1))
                for _ in range(n)
            ]

    def add_order(self, **order: Unpack[seed.OrderSpec]) -> str:
        """Add one order (the keywords of :func:`.seed.add_order`); returns its id."""
        with self.lock:
            return seed.add_order(self, **order)
