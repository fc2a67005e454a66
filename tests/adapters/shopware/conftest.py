"""Fixtures for the Shopware adapter tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from shopware_helpers import Recorded


@pytest.fixture
def sw() -> Iterator[Recorded]:
    recorded = Recorded()
    yield recorded
    recorded.store.close()


@pytest.fixture
def sw66() -> Iterator[Recorded]:
    recorded = Recorded(sandbox_version="6.6")
    yield recorded
    recorded.store.close()
