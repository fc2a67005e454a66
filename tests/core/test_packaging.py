"""Packaging guards: every package is listed in pyproject, every built-in adapter registered."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_lists_every_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        "unified_orders" + ".".join(("", *p.parent.relative_to(ROOT / "src/unified_orders").parts))
        for p in (ROOT / "src/unified_orders").rglob("__init__.py")
    }
    found |= {
        "unified_orders_adapters" + ".".join(("", *p.parent.relative_to(ROOT / "adapters").parts))
        for p in (ROOT / "adapters").rglob("__init__.py")
    }
    assert found == listed


def test_every_builtin_adapter_has_an_entry_point() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    entry_points = config["project"]["entry-points"]["unified_orders"]
    packages = {p.parent.name for p in (ROOT / "adapters").glob("*/__init__.py")}
    assert set(entry_points) == packages
    assert all(value == f"unified_orders_adapters.{name}" for name, value in entry_points.items())
