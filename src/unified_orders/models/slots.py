"""Building a pydantic model without validation: its slot setters, for trusted construction.

``Money._make`` and ``CanonicalModel.trusted`` fill a new instance's ``__dict__`` and pydantic's
bookkeeping slots directly (values already checked); the setters are faster than
``object.__setattr__`` by name.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["new", "set_dict", "set_extra", "set_fields", "set_private"]

new = object.__new__


def _slot_setter(name: str) -> Any:
    descriptor = BaseModel.__dict__.get(name)
    if descriptor is not None and hasattr(descriptor, "__set__"):
        return descriptor.__set__

    def setter(obj: Any, value: Any) -> None:
        object.__setattr__(obj, name, value)

    return setter


set_dict = _slot_setter("__dict__")
set_fields = _slot_setter("__pydantic_fields_set__")
set_extra = _slot_setter("__pydantic_extra__")
set_private = _slot_setter("__pydantic_private__")
