"""Helpers the migration tests share (not fixtures: those are in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: ``migrate(source, target, *options)``: the exit code and the JSON summary.
Migrate = Callable[..., tuple[int, dict[str, Any]]]


def by_outcome(summary: dict[str, Any], outcome: str) -> list[dict[str, Any]]:
    """The order results of one outcome."""
    return [o for o in summary["orders"] if o["outcome"] == outcome]
