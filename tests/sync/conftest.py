"""Sync test fixtures: the throwaway toy platforms, registered through pluggy, and the two
destinations (a DuckDB file, a database of a throwaway PostgreSQL cluster)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sync_toy
from pg_cluster import Cluster, why_not


@pytest.fixture
def toy() -> Iterator[None]:
    sync_toy.register()
    try:
        yield
    finally:
        sync_toy.unregister()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One PostgreSQL cluster for the session (skips, saying why, where none can start; fails
    under CI, whose script installs the server)."""
    reason = why_not()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the PostgreSQL tests cannot run: {reason}")
        pytest.skip(reason)
    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """A fresh empty PostgreSQL database."""
    return pg_cluster.database()


@pytest.fixture(params=["duckdb", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Each destination in turn: a new DuckDB file, then a new PostgreSQL database."""
    if request.param == "duckdb":
        return tmp_path / "r.duckdb"
    url: str = request.getfixturevalue("pg_url")
    return url
