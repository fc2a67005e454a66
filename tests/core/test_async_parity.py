"""Every namespace of ``Store`` has an awaitable twin on ``AsyncStore`` with the same calls."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from unified_orders import store

PAIRS = [
    (store.Orders, store.AsyncOrders),
    (store.Refunds, store.AsyncRefunds),
    (store.Returns, store.AsyncReturns),
    (store.Fulfillments, store.AsyncFulfillments),
]


def public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    """The public methods a class defines or inherits (not ``object``'s)."""
    return {
        name: member
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=lambda cls: cls.__name__)
def test_async_twin_has_the_same_methods(sync_cls: type, async_cls: type) -> None:
    assert sorted(public_methods(async_cls)) == sorted(public_methods(sync_cls))


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=lambda cls: cls.__name__)
def test_async_twin_takes_the_same_parameters(sync_cls: type, async_cls: type) -> None:
    sync_methods, async_methods = public_methods(sync_cls), public_methods(async_cls)
    for name in sorted(set(sync_methods) & set(async_methods)):
        sync_params = list(inspect.signature(sync_methods[name]).parameters.values())
        async_params = list(inspect.signature(async_methods[name]).parameters.values())
        assert async_params == sync_params, f"{async_cls.__name__}.{name} differs from the sync"


@pytest.mark.parametrize(("sync_cls", "async_cls"), PAIRS, ids=lambda cls: cls.__name__)
def test_async_twin_methods_are_awaitable_or_async_iterables(
    sync_cls: type, async_cls: type
) -> None:
    for name, method in public_methods(async_cls).items():
        assert inspect.iscoroutinefunction(method) or inspect.isasyncgenfunction(method), name
