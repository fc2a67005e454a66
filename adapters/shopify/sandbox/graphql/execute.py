"""Running one GraphQL document: the operation's root fields dispatched to resolvers, mutations
through the ``@idempotent`` key ledger, and every answer projected onto its selection.

This is not a general executor: views are dicts (see :mod:`.views`), projected onto the
document's selection with aliases, fragments and inline fragments honoured; a field a view does
not have is a GraphQL error, so a document drifting from the sandbox fails loudly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.utilities import value_from_ast_untyped

from .values import Fail, Obj, UserErrors, arguments

__all__ = ["Resolver", "execute"]

#: A root field or mutation: its arguments in, a view (or payload) out.
Resolver = Callable[[Mapping[str, Any]], Any]

#: Payload object fields set to null when a mutation is refused.
_PAYLOAD_OBJECTS: dict[str, tuple[str, ...]] = {
    "orderCreate": ("order",),
    "orderUpdate": ("order",),
    "refundCreate": ("refund", "order"),
    "returnCreate": ("return",),
    "returnRequest": ("return",),
    "returnApproveRequest": ("return",),
    "returnDeclineRequest": ("return",),
    "returnClose": ("return",),
    "returnCancel": ("return",),
    "returnReopen": ("return",),
    "returnProcess": ("return",),
    "fulfillmentOrderHold": ("fulfillmentHold", "fulfillmentOrder", "remainingFulfillmentOrder"),
    "fulfillmentOrderReleaseHold": ("fulfillmentOrder",),
    "fulfillmentOrderSubmitFulfillmentRequest": (
        "originalFulfillmentOrder",
        "submittedFulfillmentOrder",
        "unsubmittedFulfillmentOrder",
    ),
    "fulfillmentOrderSubmitCancellationRequest": ("fulfillmentOrder",),
    "fulfillmentOrderMove": (
        "originalFulfillmentOrder",
        "movedFulfillmentOrder",
        "remainingFulfillmentOrder",
    ),
    "fulfillmentOrderCancel": ("fulfillmentOrder", "replacementFulfillmentOrder"),
    "fulfillmentCreate": ("fulfillment",),
    "fulfillmentTrackingInfoUpdate": ("fulfillment",),
    "metafieldsSet": ("metafields",),
}


#: Interfaces with the view types implementing them (a fragment on one applies to those).
_IMPLEMENTATIONS: dict[str, tuple[str, ...]] = {"ReturnLineItemType": ("ReturnLineItem",)}


def _applies(condition: str, typename: Any) -> bool:
    """Whether a fragment on ``condition`` applies to a view of ``typename`` (None: any)."""
    return typename in (None, condition) or typename in _IMPLEMENTATIONS.get(condition, ())


class _Projection:
    """A document's fragments and variables, to project views onto its selections."""

    def __init__(
        self, fragments: dict[str, FragmentDefinitionNode], variables: Mapping[str, Any]
    ) -> None:
        self.fragments = fragments
        self.variables = variables

    def project(self, value: Any, selection_set: SelectionSetNode | None, path: list[str]) -> Any:
        """``value`` cut down to ``selection_set`` (callable fields called with their args)."""
        if selection_set is None or value is None:
            return value
        if isinstance(value, list):
            return [self.project(v, selection_set, path) for v in value]
        if not isinstance(value, Mapping):
            raise Fail(f"{'.'.join(path)} has no fields to select")
        out: Obj = {}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                key = selection.alias.value if selection.alias else name
                if name == "__typename":
                    out[key] = value.get("__typename")
                    continue
                if name not in value:
                    raise Fail(
                        f"the sandbox does not answer {'.'.join([*path, name])}",
                        path=[*path, key],
                    )
                found = value[name]
                if callable(found):
                    found = found(arguments(selection, self.variables))
                projected = self.project(found, selection.selection_set, [*path, key])
                _merge(out, key, projected)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or _applies(condition.name.value, value.get("__typename")):
                    part = self.project(value, selection.selection_set, path)
                    for key, item in part.items():
                        _merge(out, key, item)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                if _applies(fragment.type_condition.name.value, value.get("__typename")):
                    part = self.project(value, fragment.selection_set, path)
                    for key, item in part.items():
                        _merge(out, key, item)
        return out


def execute(
    document: DocumentNode,
    name: Any,
    variables: Mapping[str, Any],
    *,
    roots: Mapping[str, Resolver],
    mutations: Mapping[str, Resolver],
    ledger: Callable[[], dict[str, Any]],
    version: str,
) -> Obj:
    """The ``data`` of one operation of ``document`` (``name`` picks it when there are several).

    ``ledger`` gives the idempotency-key ledger (kept in the state); ``version`` is the API
    version asked for (2026-04+ requires a key on ``refundCreate``).
    """
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        operations = [o for o in operations if o.name and o.name.value == name]
    if len(operations) != 1:
        raise Fail("give exactly one operation (or its operationName)")
    operation = operations[0]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    projection = _Projection(fragments, variables)
    data: Obj = {}
    mutation = operation.operation is OperationType.MUTATION
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode):
            raise Fail("the sandbox answers plain root fields only")
        field = selection.name.value
        key = selection.alias.value if selection.alias else field
        args = arguments(selection, variables)
        if mutation:
            resolver = mutations.get(field)
            if resolver is None:
                raise Fail(f"the sandbox does not answer the mutation {field!r}", path=[field])
            data[key] = _mutate(
                field, args, selection, resolver, projection, ledger=ledger, version=version
            )
            continue
        root = roots.get(field)
        if root is None:
            raise Fail(f"the sandbox does not answer the query field {field!r}", path=[key])
        data[key] = projection.project(root(args), selection.selection_set, [key])
    return data


def _mutate(
    field: str,
    args: Mapping[str, Any],
    selection: FieldNode,
    resolver: Resolver,
    projection: _Projection,
    *,
    ledger: Callable[[], dict[str, Any]],
    version: str,
) -> Any:
    """One mutation: a repeated ``@idempotent`` key answers its first result; a refusal is a
    payload of ``userErrors`` with the payload's objects null."""
    key = None
    for directive in selection.directives or ():
        if directive.name.value == "idempotent":
            for argument in directive.arguments or ():
                if argument.name.value == "key":
                    key = value_from_ast_untyped(argument.value, dict(projection.variables))
            if not isinstance(key, str) or not key.strip():
                raise Fail("The idempotency key cannot be empty or whitespace only.")
    if field == "refundCreate" and key is None and version >= "2026-04":
        # Changelog "Making idempotency mandatory" (effective 2026-04); wording INFERRED.
        raise Fail(
            "The @idempotent directive is required for refundCreate as of 2026-04.",
            path=[field],
        )
    seen_keys = ledger()
    fingerprint = json.dumps([field, args], sort_keys=True, default=str)
    if key is not None and key in seen_keys:
        seen = seen_keys[key]
        if seen["fingerprint"] != fingerprint:
            # INFERRED: Shopify refuses a key reused for a different request.
            raise Fail(
                f"idempotency key {key!r} was already used for a different request",
                "IDEMPOTENCY_CONFLICT",
                path=[field],
            )
        return seen["result"]
    try:
        payload = resolver(args)
    except UserErrors as refused:
        payload = {"userErrors": refused.errors, "orderCancelUserErrors": refused.errors}
        payload.update({k: None for k in _PAYLOAD_OBJECTS.get(field, ())})
        payload["job"] = None
    result = projection.project(payload, selection.selection_set, [field])
    if key is not None:
        seen_keys[key] = {"fingerprint": fingerprint, "result": result}
    return result


def _merge(out: Obj, key: str, value: Any) -> None:
    """Merge a projected field into ``out`` (the same field selected twice merges its parts)."""
    if key in out and isinstance(out[key], dict) and isinstance(value, dict):
        for inner, item in value.items():
            _merge(out[key], inner, item)
    elif key in out and isinstance(out[key], list) and isinstance(value, list):
        for mine, theirs in zip(out[key], value, strict=False):
            if isinstance(mine, dict) and isinstance(theirs, dict):
                for inner, item in theirs.items():
                    _merge(mine, inner, item)
    else:
        out[key] = value
