"""Proof that a fast path builds what the plain path builds, for translators' equality tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel

__all__ = ["assert_identical"]


def assert_identical(fast: Any, plain: Any, path: str = "") -> None:
    """``fast`` equals ``plain`` value for value and type for type, all the way down: the same
    model classes with the same fields set in the same order, the same Decimal digits (``10.50``
    is not ``10.5``), the same list lengths. ``path`` names the place in the failure message."""
    assert type(fast) is type(plain), path
    if isinstance(fast, BaseModel):
        assert fast.model_fields_set == plain.model_fields_set, path
        assert list(fast.__dict__) == list(plain.__dict__), path
        for name in type(fast).model_fields:
            assert_identical(getattr(fast, name), getattr(plain, name), f"{path}.{name}")
    elif isinstance(fast, list):
        assert len(fast) == len(plain), path
        for index, (one, other) in enumerate(zip(fast, plain, strict=True)):
            assert_identical(one, other, f"{path}[{index}]")
    elif isinstance(fast, Decimal):
        assert str(fast) == str(plain), path
    else:
        assert fast == plain, path
