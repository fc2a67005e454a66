"""Returns: a customer sends items back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from .base import CanonicalModel
from .enums import ReturnLineStatus, ReturnStatus

__all__ = ["Return", "ReturnLine", "ReturnLineRequest", "ReturnRequest"]


class ReturnLineRequest(CanonicalModel):
    """Return ``quantity`` units of an order line."""

    line_id: str
    quantity: int
    reason: str | None = None
    note: str | None = None

    @field_validator("line_id", mode="before")
    @classmethod
    def _id_as_string(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ReturnRequest(CanonicalModel):
    """Lines to return. ``requested`` opens it as a customer request awaiting approval."""

    lines: list[ReturnLineRequest]
    requested: bool = False
    note: str | None = None
    notify: bool = False


class ReturnLine(CanonicalModel):
    """A line of a return: ``status`` says where its units are, ``processed_quantity`` how many
    were processed (refunded, restocked or disposed of) where the platform counts them."""

    id: str
    line_id: str
    quantity: int
    reason: str | None = None
    note: str | None = None
    status: ReturnLineStatus = ReturnLineStatus.UNKNOWN
    platform_status: str | None = None
    processed_quantity: int | None = None


class Return(CanonicalModel):
    """A return that exists on the platform."""

    id: str
    order_id: str
    status: ReturnStatus
    platform_status: str | None = None
    name: str | None = None
    lines: list[ReturnLine] = Field(default_factory=list)
    created_at: datetime | None = None
