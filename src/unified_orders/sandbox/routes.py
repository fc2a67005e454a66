"""Routing tables: which endpoints an emulator serves, readable on one screen.

A route pattern is a path relative to the emulator's API root with ``{name}`` placeholders
(``[^/]+``) or ``{name:int}`` ones (digits only)::

    ROUTES = Router([
        Route("GET", "orders/", "list_orders"),
        Route("POST", "orders/{number}/refund/", "create_refund"),
        Route("POST", "search/order", "search", writes=False),
    ])

``Router.resolve`` returns the route and its path parameters (as strings), or raises
:class:`NoRoute` saying which methods the path does allow (empty: unknown path, a 404; else a 405).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

__all__ = ["NoRoute", "Route", "Router"]

_PLACEHOLDER = re.compile(r"\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<kind>int))?\}")


@dataclass(frozen=True)
class Route:
    """One endpoint: HTTP method, path pattern and the name of the handler method serving it.

    ``writes`` says whether the request may change state (default: any method but GET); the
    emulator shell forgets derived indexes around writes and counts them (so state is saved only
    when something changed).
    """

    method: str
    pattern: str
    handler: str
    writes: bool | None = None
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", self.method.upper())
        object.__setattr__(self, "regex", re.compile(_compile(self.pattern)))

    @property
    def is_write(self) -> bool:
        """Whether this route may change the emulator's state."""
        return self.method != "GET" if self.writes is None else self.writes


def _compile(pattern: str) -> str:
    out: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(pattern):
        out.append(re.escape(pattern[position : match.start()]))
        body = r"\d+" if match.group("kind") == "int" else r"[^/]+"
        out.append(f"(?P<{match.group('name')}>{body})")
        position = match.end()
    out.append(re.escape(pattern[position:]))
    return "^" + "".join(out) + r"\Z"


class NoRoute(LookupError):
    """No route serves this method and path; ``allowed`` lists the methods the path does take."""

    def __init__(self, method: str, path: str, allowed: tuple[str, ...]) -> None:
        super().__init__(f"no route for {method} {path}")
        self.method = method
        self.path = path
        self.allowed = allowed


class Router:
    """An ordered routing table; the first route whose pattern and method match wins."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes: tuple[Route, ...] = tuple(routes)

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route serving ``method path`` and its path parameters; :class:`NoRoute` if none."""
        method = method.upper()
        allowed: list[str] = []
        for route in self.routes:
            found = route.regex.match(path)
            if found is None:
                continue
            if route.method == method:
                return route, found.groupdict()
            allowed.append(route.method)
        raise NoRoute(method, path, tuple(dict.fromkeys(allowed)))

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes)

    def __len__(self) -> int:
        return len(self.routes)
