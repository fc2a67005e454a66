"""``POST /api/oauth/token``: the client-credentials grant, and the bearer check of every request.

Tokens live :data:`TOKEN_TTL` seconds on the emulator's clock; an unknown or stale token is a 401.
"""

from __future__ import annotations

from collections.abc import Mapping

from unified_orders.sandbox import Reply, SandboxRequest

from ..errors import refusal
from ..state import ShopwareState

__all__ = ["TOKEN_TTL", "OAuthHandlers"]

TOKEN_TTL = 600


class OAuthHandlers(ShopwareState):
    """Issues access tokens to the one integration the shop knows, and checks them."""

    client_id: str
    client_secret: str

    def issue_token(self, request: SandboxRequest) -> Reply:
        """``POST oauth/token`` (client credentials only)."""
        body = request.body if isinstance(request.body, Mapping) else {}
        if body.get("grant_type") != "client_credentials":
            raise refusal(400, "FRAMEWORK__OAUTH_UNSUPPORTED_GRANT", "Use client_credentials.")
        if (
            body.get("client_id") != self.client_id
            or body.get("client_secret") != self.client_secret
        ):
            raise refusal(
                401,
                "10",
                "Client authentication failed",
                title="The user credentials were incorrect.",
            )
        tokens: dict[str, float] = self.state["tokens"]
        token = f"sandbox-access-{len(tokens) + 1:04d}"
        tokens[token] = self.clock() + TOKEN_TTL
        return 200, {"token_type": "Bearer", "expires_in": TOKEN_TTL, "access_token": token}, {}

    def check_token(self, request: SandboxRequest) -> None:
        """Refuse a request without a live bearer token."""
        value = request.headers.get("authorization", "")
        token = value[len("Bearer ") :] if value.startswith("Bearer ") else ""
        expiry = self.state["tokens"].get(token)
        if expiry is None or self.clock() >= float(expiry):
            raise refusal(401, "9", "Access token could not be verified.")
