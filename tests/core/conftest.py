"""Core test fixtures: the throwaway ``toy`` adapter, registered through pluggy for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from toy import ToyPlugin

from unified_orders import plugins


@pytest.fixture
def toy() -> Iterator[None]:
    plugins.pm.register(ToyPlugin(), name="toy-plugin")
    try:
        yield
    finally:
        plugins.pm.unregister(name="toy-plugin")
