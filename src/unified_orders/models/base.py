"""The base of every canonical model: frozen, platform payload kept in ``raw``."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticUndefined

from . import slots

__all__ = ["CanonicalModel"]

_new, _set_dict, _set_fields = slots.new, slots.set_dict, slots.set_fields
_set_extra, _set_private = slots.set_extra, slots.set_private


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

    @classmethod
    def trusted(cls, **fields: Any) -> Self:
        """Build from values a translator already checked, skipping pydantic's validation.

        For translators only (user input always goes through validation). Each value must
        already be of its field's exact type (``str``, an enum member, ``Money``, a list of
        models...), so the instance is the one validation would build; a value that is not
        (platform data of an undocumented type) makes this fall back to validation, which
        raises as before. A class with validators of its own (the requests) is always validated.
        """
        plan = _PLANS.get(cls) or _plan(cls)
        # The names and exact types passed, checked once per distinct combination.
        signature = (*fields, *map(type, fields.values()))
        found = plan.checked.get(signature)
        if found is None:
            found = plan.check(signature, len(fields))
            if found is None:
                return cls.model_validate(fields)  # converts or raises, as validation does
        factories, fields_set, complete = found
        if complete:
            values = fields  # every field, in field order: already the instance's dict
        else:
            values = plan.defaults.copy()
            values.update(fields)
            for name, factory in factories:
                values[name] = factory()
        model = _new(cls)
        _set_dict(model, values)
        # shared by the instances of one signature: the models are frozen, and pydantic copies
        # the set before changing it (model_copy)
        _set_fields(model, fields_set)
        _set_extra(model, None)
        _set_private(model, None)
        return model

    def trusted_copy(self, update: dict[str, Any]) -> Self:
        """``model_copy(update=update)`` for translators, without its Python-level copy steps:
        the same instance (fields, fields-set, extras), for values already of their fields'
        exact types, as :meth:`trusted` takes them."""
        model = _new(type(self))
        values = self.__dict__.copy()
        values.update(update)
        _set_dict(model, values)
        _set_fields(model, self.__pydantic_fields_set__ | update.keys())
        _set_extra(
            model, None if self.__pydantic_extra__ is None else dict(self.__pydantic_extra__)
        )
        private = self.__pydantic_private__
        _set_private(
            model,
            None
            if private is None
            else {k: v for k, v in private.items() if v is not PydanticUndefined},
        )
        return model


class _Plan:
    """What :meth:`CanonicalModel.trusted` needs of one class, worked out once."""

    __slots__ = ("checked", "checks", "defaults", "factories", "required", "validators")

    def __init__(self, cls: type[CanonicalModel]) -> None:
        self.checks: dict[str, frozenset[type]] = {}
        self.defaults: dict[str, Any] = {}
        self.factories: list[tuple[str, Callable[[], Any]]] = []
        self.checked: dict[Signature, Found] = {}
        """Signatures found fit, with the default factories they leave to call."""
        decorators = cls.__pydantic_decorators__
        self.validators = bool(
            decorators.validators
            or decorators.field_validators
            or decorators.model_validators
            or decorators.root_validators
        )
        """Whether the class has validators of its own (then it is always validated)."""
        required = set()
        for name, info in cls.model_fields.items():
            self.checks[name] = _exact_types(info.annotation)
            if info.default_factory is not None:
                self.factories.append((name, info.default_factory))  # type: ignore[arg-type]
                self.defaults[name] = None  # keeps the field order
            elif info.default is PydanticUndefined:
                required.add(name)
                self.defaults[name] = None
            else:
                self.defaults[name] = info.default
        self.required = frozenset(required)

    def check(self, signature: Signature, count: int) -> Found | None:
        """What to do for fields of these names and types; None: validate instead."""
        names, kinds = signature[:count], signature[count:]
        if self.validators:
            return None
        for name, kind in zip(names, kinds, strict=True):
            allowed = self.checks.get(name)
            if allowed is None or (allowed and kind not in allowed):
                return None
        if not self.required <= set(names):
            return None
        factories = tuple((name, f) for name, f in self.factories if name not in names)
        complete = names == tuple(self.defaults)
        found = (factories, set(names), complete)
        if len(self.checked) < MAX_SIGNATURES:
            self.checked[signature] = found
        return found


#: The names passed, then their exact types.
Signature = tuple[Any, ...]
#: The default factories to call, the fields-set, and whether the names are every field in order.
Found = tuple[tuple[tuple[str, Callable[[], Any]], ...], set[str], bool]
#: Distinct name/type combinations remembered per class (translators use a handful).
MAX_SIGNATURES = 512


def _exact_types(annotation: Any) -> frozenset[type]:
    """The types a value may have to be kept as is by validation; empty: anything (``Any``)."""
    if annotation is Any:
        return frozenset()
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        found: set[type] = set()
        for arg in typing.get_args(annotation):
            found |= _exact_types(arg)
        return frozenset(found)
    if origin is list:
        return frozenset({list})
    if annotation is None or annotation is type(None):
        return frozenset({type(None)})
    if isinstance(annotation, type) and (
        issubclass(annotation, BaseModel | Enum)
        or annotation in (str, int, bool)
        or annotation.__module__ in ("datetime", "decimal")
    ):
        return frozenset({annotation})
    raise TypeError(f"no trusted build for a field of type {annotation!r}")


_PLANS: dict[type[CanonicalModel], _Plan] = {}


def _plan(cls: type[CanonicalModel]) -> _Plan:
    plan = _PLANS[cls] = _Plan(cls)
    return plan
