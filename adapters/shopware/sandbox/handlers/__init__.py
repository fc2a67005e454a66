"""The sandbox's handlers, by area: each a layer of the emulator over :class:`..state.ShopwareState`.

- :mod:`.oauth`        the token endpoint and the bearer check;
- :mod:`.search`       DAL searches and the version route;
- :mod:`.transitions`  the state-machine routes;
- :mod:`.writes`       creating and patching rows, processing capture refunds;
- :mod:`.returns`      Commercial ReturnManagement.
"""

from __future__ import annotations

from .oauth import OAuthHandlers
from .returns import ReturnHandlers
from .search import SearchHandlers
from .transitions import TransitionHandlers
from .writes import WriteHandlers

__all__ = [
    "OAuthHandlers",
    "ReturnHandlers",
    "SearchHandlers",
    "TransitionHandlers",
    "WriteHandlers",
]
