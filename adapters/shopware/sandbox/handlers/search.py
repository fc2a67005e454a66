"""Reads: ``POST /api/search/{entity}`` (DAL criteria) and ``GET /api/_info/version``.

Criteria: ``ids``, ``filter``/``post-filter`` (equals, equalsAny, range, multi, not, contains,
prefix, suffix) on dotted association paths, ``sort``, ``page``/``limit`` (more than
:data:`MAX_LIMIT` is refused, as on 6.6+), ``associations`` loaded only when asked (with their own
``sort``; a plugin's association only where the plugin is), and ``total-count-mode``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from unified_orders.sandbox import Reply, SandboxRequest

from ...platform import parse_time
from ..errors import refusal
from ..state import (
    COMMERCIAL_ENTITIES,
    EXTENSIONS,
    SEARCHABLE,
    VERSIONS,
    Row,
    ShopwareState,
    sandbox_id,
)

__all__ = ["MAX_LIMIT", "SearchHandlers"]

MAX_LIMIT = 500

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "gte": operator.ge,
    "gt": operator.gt,
    "lte": operator.le,
    "lt": operator.lt,
}


def _text(value: Any) -> str:
    return str(value).casefold()


def _comparable(value: Any) -> Any:
    if isinstance(value, str) and _TIMESTAMP.match(value):
        return parse_time(value)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return Decimal(value)
    return value


class SearchHandlers(ShopwareState):
    """The DAL search over the stored rows, and the shop's version."""

    def info_version(self, request: SandboxRequest) -> Reply:
        """``GET _info/version``."""
        return 200, {"version": VERSIONS[self.version]}, {}

    def search_entities(self, request: SandboxRequest, entity: str) -> Reply:
        """``POST search/{entity}`` (entity names with dashes, as in the URL)."""
        name = entity.replace("-", "_")
        if name not in SEARCHABLE or (name in COMMERCIAL_ENTITIES and not self.commercial):
            raise self.missing_route(request)
        criteria = request.body if request.body is not None else {}
        if not self.commercial:
            unknown = sorted(set(criteria.get("associations") or {}) & EXTENSIONS.get(name, set()))
            if unknown:
                # INFERRED: the DAL's answer to an association no installed plugin defines
                raise refusal(
                    400,
                    "FRAMEWORK__ASSOCIATION_NOT_FOUND",
                    f"Can not find association by name {unknown[0]}",
                )
        if name == "state_machine_transition":
            self._ensure_transitions()
        return 200, self.search(name, criteria), {}

    def _ensure_transitions(self) -> None:
        """The ``state_machine_transition`` rows of this shop's version, made on first use from
        the same tables the transition routes follow."""
        table = self.table("state_machine_transition")
        if table:
            return
        for machine, (_, _, transitions) in self.machines().items():
            machine_id = sandbox_id("machine", machine)
            stamp = self.table("state_machine")[machine_id].get("createdAt")
            for action, source, target in transitions:
                row_id = sandbox_id("transition", machine, action, source, target)
                table[row_id] = {
                    "id": row_id,
                    "actionName": action,
                    "stateMachineId": machine_id,
                    "fromStateId": self.state_id(machine, source),
                    "toStateId": self.state_id(machine, target),
                    "createdAt": stamp,
                }
        self.changed()

    def search(self, entity: str, criteria: Mapping[str, Any]) -> dict[str, Any]:
        """One page of ``entity`` rows matching ``criteria``: ``{"total": ..., "data": [...]}``."""
        limit = criteria.get("limit")
        if isinstance(limit, int) and limit > MAX_LIMIT:
            raise refusal(
                400,
                "FRAMEWORK__QUERY_LIMIT_EXCEEDED",
                f"The limit must be lower than or equal to {MAX_LIMIT} (was {limit}).",
            )
        rows = self._matching(entity, criteria)
        page = int(criteria.get("page") or 1)
        size = int(limit) if isinstance(limit, int) else MAX_LIMIT
        chosen = rows[(page - 1) * size : page * size]
        associations = criteria.get("associations") or {}
        data = [self.render(entity, r, associations) for r in chosen]
        mode = criteria.get("total-count-mode")
        return {"total": len(rows) if mode in ("exact", 1) else len(data), "data": data}

    def _matching(self, entity: str, criteria: Mapping[str, Any]) -> list[Row]:
        """Every row matching the criteria, sorted (before paging)."""
        self.check_fresh()
        ids = criteria.get("ids")
        # Paging through one search re-sends the same criteria: the matching rows are kept
        # (until the next write) so each page costs O(page), not a scan and sort of the table.
        cache_key = (
            None
            if ids is not None
            else repr(
                (
                    entity,
                    criteria.get("filter"),
                    criteria.get("post-filter"),
                    criteria.get("sort"),
                )
            )
        )
        cached = self.search_cache.get(cache_key) if cache_key is not None else None
        if cached is not None:
            return cached
        rows = self._candidates(entity, ids)
        try:
            for query in [*(criteria.get("filter") or []), *(criteria.get("post-filter") or [])]:
                rows = [r for r in rows if self._match(entity, r, query)]
        except ValueError as error:
            raise refusal(400, "FRAMEWORK__INVALID_FILTER_QUERY", str(error)) from None
        rows.sort(key=lambda r: r["id"])
        for sort in reversed(criteria.get("sort") or []):
            field = str(sort["field"])

            def key(row: Row, field: str = field) -> tuple[int, str]:
                return self._sort_key(entity, row, field)

            rows.sort(key=key, reverse=str(sort.get("order") or "ASC").upper() == "DESC")
        if cache_key is not None:
            self.search_cache[cache_key] = rows
        return rows

    def _candidates(self, entity: str, ids: Any) -> list[Row]:
        table = self.table(entity)
        if ids is None:
            return list(table.values())
        wanted = set(ids) if table else set()
        if all(isinstance(i, str) for i in wanted):
            # a str id is its row's key (``insert``): look the rows up directly
            return [table[i] for i in wanted if i in table and table[i]["id"] == i]
        return [r for r in table.values() if r["id"] in wanted]

    def _match(self, entity: str, row: Row, query: Mapping[str, Any]) -> bool:
        kind = query.get("type")
        if kind in ("multi", "not"):
            results = [self._match(entity, row, q) for q in query.get("queries") or []]
            mode = str(query.get("operator") or "and").lower()
            if mode == "or":
                outcome = any(results)
            elif mode == "nor":
                outcome = not any(results)
            elif mode == "nand":
                outcome = not all(results)
            else:
                outcome = all(results)
            return not outcome if kind == "not" and mode in ("and", "or") else outcome
        values = self.values(entity, row, str(query.get("field")))
        wanted = query.get("value")
        # INFERRED: text compares as MySQL's default utf8mb4_unicode_ci collation does, in any
        # case (an email filter finds Jane.Doe@ for jane.doe@); ids are lower-case hex anyway.
        if kind == "equals":
            if wanted is None:
                return all(v is None for v in values)
            return any(v is not None and _text(v) == _text(wanted) for v in values)
        if kind == "equalsAny":
            options = wanted if isinstance(wanted, list) else str(wanted).split("|")
            return any(v is not None and _text(v) in {_text(o) for o in options} for v in values)
        if kind in ("contains", "prefix", "suffix"):
            needle = str(wanted).lower()
            texts = [v.lower() for v in values if isinstance(v, str)]
            if kind == "contains":
                return any(needle in text for text in texts)
            if kind == "prefix":
                return any(text.startswith(needle) for text in texts)
            return any(text.endswith(needle) for text in texts)
        if kind == "range":
            parameters = query.get("parameters") or {}
            for value in values:
                if value is None:
                    continue
                left = _comparable(value)
                if all(_COMPARE[op](left, _comparable(b)) for op, b in parameters.items()):
                    return True
            return False
        raise ValueError(f"unsupported filter type {kind!r}")

    def _sort_key(self, entity: str, row: Row, field: str) -> tuple[int, str]:
        values = self.values(entity, row, field)
        value = values[0] if values else None
        return (1, "") if value is None else (0, str(value))
