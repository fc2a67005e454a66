"""``BaseEmulator``: the request shell every sandbox emulator shares.

One lock around each request; fault hooks first; then ``admit`` (authentication, API version,
pacing), routing through the class's :class:`~unified_orders.sandbox.Router`, the handler, and
the error answer when a handler raises :class:`~unified_orders.sandbox.EmulatorError`. Writes are
counted (``writes``) and bracketed by ``changed()`` so derived indexes are rebuilt. State is one
JSON-serialisable value, ``state``, that ``dump_state``/``load_state`` copy. Writes are dated by
``write_clock`` (:mod:`.clock`): logical unless ``wall_clock`` is set.

A subclass declares ``router`` and ``api_root``, implements the handlers the router names (as
methods taking ``(request, **path_params)`` and returning ``(status, body)`` or ``(status, body,
headers)``), and overrides ``admit``/``no_route`` where its platform answers differently.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..adapter import Emulator
from .clock import WallClock, WriteClock
from .errors import EmulatorError
from .routes import NoRoute, Route, Router

__all__ = ["BaseEmulator", "FaultHook", "Reply", "SandboxRequest"]

Reply = tuple[int, Any, Mapping[str, str]]


@dataclass
class SandboxRequest:
    """One request as an emulator sees it; handlers may add answer headers to ``reply_headers``."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: Any
    route: Route | None = None
    reply_headers: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else default


#: A fault hook sees each request before routing; returning a reply answers it instead.
FaultHook = Callable[[SandboxRequest], Reply | None]


class BaseEmulator(Emulator):
    """A locked, routed, JSON-state emulator. See the module docstring for the contract."""

    router: ClassVar[Router]
    #: The path prefix of the platform's API; routes are matched on the rest of the path.
    api_root: ClassVar[str] = "/"

    def __init__(self, *, write_clock: WriteClock | None = None) -> None:
        #: Dates the writes (set before ``state``: a subclass's state may hold on to it).
        self.write_clock = write_clock or WriteClock()
        self.lock = threading.RLock()
        self.state: Any = {}
        #: Requests that reached a writing route (saved state is stale only when this moved).
        self.writes = 0
        self.faults: list[FaultHook] = []

    @property
    def wall_clock(self) -> WallClock | None:
        """What dates writes from now on: None for the deterministic logical clock, else a
        callable giving the current time (e.g. :func:`~unified_orders.sandbox.utc_now`)."""
        return self.write_clock.wall

    @wall_clock.setter
    def wall_clock(self, clock: WallClock | None) -> None:
        with self.lock:
            self.write_clock.wall = clock

    # --- the request shell ----------------------------------------------------------------------
    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Any,
    ) -> Reply:
        """Answer one request."""
        request = SandboxRequest(method.upper(), path, query, headers, body)
        with self.lock:
            for fault in list(self.faults):
                canned = fault(request)
                if canned is not None:
                    return canned
            try:
                self.admit(request)
                relative = self.route_path(request)
                if relative is None:
                    raise NoRoute(request.method, path, ())
                route, params = self.router.resolve(request.method, relative)
            except NoRoute as missing:
                return self._answer(request, self.no_route(request, missing))
            except EmulatorError as error:
                return self._answer(request, error)
            request.route = route
            if route.is_write:
                self.changed()
            try:
                result = getattr(self, route.handler)(request, **params)
            except EmulatorError as error:
                return self._answer(request, error)
            finally:
                if route.is_write:
                    self.writes += 1
                    self.changed()
            status, payload, *more = result
            headers_out = {**request.reply_headers, **(more[0] if more else {})}
            return status, payload, headers_out

    @staticmethod
    def _answer(request: SandboxRequest, error: EmulatorError) -> Reply:
        return error.status, error.body, {**request.reply_headers, **error.headers}

    # --- hooks ------------------------------------------------------------------------------------
    def admit(self, request: SandboxRequest) -> None:
        """Check authentication, API version and pacing; raise ``EmulatorError`` to refuse."""

    def route_path(self, request: SandboxRequest) -> str | None:
        """The path the router matches: the request path below ``api_root`` (None: not ours)."""
        if not request.path.startswith(self.api_root):
            return None
        return request.path[len(self.api_root) :]

    def no_route(self, request: SandboxRequest, missing: NoRoute) -> EmulatorError:
        """The answer to an unknown path (404) or a method the path does not take (405)."""
        if missing.allowed:
            return EmulatorError(405, {"detail": f'Method "{request.method}" not allowed.'})
        return EmulatorError(404, {"detail": "Not found."})

    def changed(self) -> None:
        """Forget derived indexes: the state may have changed (called around every write)."""

    # --- state ------------------------------------------------------------------------------------
    def dump_state(self) -> dict[str, Any]:
        """The whole store as JSON-serialisable data."""
        with self.lock:
            return copy.deepcopy(self.state)

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace the store with data from :meth:`dump_state`."""
        with self.lock:
            self.state = copy.deepcopy(state)
            self.changed()
