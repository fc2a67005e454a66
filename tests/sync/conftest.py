"""Sync test fixtures: the throwaway toy platforms, registered through pluggy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sync_toy


@pytest.fixture
def toy() -> Iterator[None]:
    sync_toy.register()
    try:
        yield
    finally:
        sync_toy.unregister()
