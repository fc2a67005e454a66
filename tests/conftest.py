"""Shared test configuration: where ../shared lives, cassette rules, network off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from unified_orders.testing import vcr_config as _vcr_config

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CASSETTES = ROOT / "cassettes"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test (saying why) where it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the platform specs and fixtures live in ../shared")
    return path


@pytest.fixture(scope="session", autouse=True)
def private_lock_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Per-order write locks go to a directory of this test run, not the user's cache (child
    processes the tests start inherit it)."""
    import os

    os.environ.setdefault("UNIFIED_ORDERS_LOCK_DIR", str(tmp_path_factory.mktemp("locks")))


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared folder (specs, fixtures, notes); skips the test, saying why, where absent."""
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is absent: the platform specs and fixtures live in ../shared")
    return SHARED


@pytest.fixture(scope="module")
def vcr_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The shared cassette rules; ``--record-mode=once`` on the command line re-records."""
    config = _vcr_config()
    mode = request.config.getoption("--record-mode", default=None)
    if mode and mode != "none":
        config["record_mode"] = mode
    return config


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes live in cassettes/<platform>/, the platform taken from tests/adapters/<platform>/."""
    parts = Path(request.node.fspath).relative_to(ROOT / "tests").parts
    platform = parts[1] if parts[0] == "adapters" and len(parts) > 2 else "core"
    return str(CASSETTES / platform)
