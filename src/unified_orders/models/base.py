"""The base of every canonical model: frozen, platform payload kept in ``raw``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CanonicalModel"]


class CanonicalModel(BaseModel):
    """A frozen pydantic model whose ``raw`` platform payload is left out of equality and dumps.

    ``raw`` holds what the platform sent, so nothing a caller might need is lost in translation;
    ``model_dump(include={"raw"})`` or ``obj.raw`` reads it back.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    raw: Any = Field(default=None, exclude=True, repr=False)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        names = [name for name in type(self).model_fields if name != "raw"]
        return all(getattr(self, name) == getattr(other, name) for name in names)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.model_dump_json()))
