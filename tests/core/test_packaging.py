"""Packaging guards: every package is listed in pyproject, every built-in adapter registered and
laid out with the same file names, its sandbox imported only when asked for."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

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


# --- the adapter file set ----------------------------------------------------------------------
#: Adapters whose operations live in dialect packages, each with its own adapter and translation.
DIALECTS = {"shopify": ("graphql", "rest")}
BUILTIN = sorted(p.parent.name for p in (ROOT / "adapters").glob("*/__init__.py"))


@pytest.mark.parametrize("platform", BUILTIN)
def test_every_adapter_has_the_same_file_names(platform: str) -> None:
    folder = ROOT / "adapters" / platform
    required = [
        "__init__.py",
        "settings.py",
        "sandbox/__init__.py",
        "sandbox/routes.py",
        "README.md",
    ]
    missing = [name for name in required if not (folder / name).is_file()]
    for dialect in DIALECTS.get(platform, ("",)):
        where = folder / dialect
        prefix = f"{dialect}/" if dialect else ""
        if not (where / "adapter.py").is_file():
            missing.append(f"{prefix}adapter.py")
        if not ((where / "translate.py").is_file() or (where / "translate/__init__.py").is_file()):
            missing.append(f"{prefix}translate.py (or {prefix}translate/)")
    assert missing == [], f"adapters/{platform} lacks {', '.join(missing)}"


@pytest.mark.parametrize("platform", BUILTIN)
def test_importing_an_adapter_does_not_import_its_sandbox(platform: str) -> None:
    package = f"unified_orders_adapters.{platform}"
    probe = (
        "import sys, importlib\n"
        f"plugin = importlib.import_module({package!r})\n"
        "plugin.unified_orders_adapters()\n"
        f"print('\\n'.join(m for m in sys.modules if m.startswith({package + '.sandbox'!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [], f"importing {package} imported its sandbox"
