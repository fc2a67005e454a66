"""A bulk query run against the sandbox's views: its limits checked, its result as JSONL lines.

The rules Shopify states for a bulk query (2026-04 schema, ``bulkOperationRunQuery``): at least
one connection, at most five, nested at most two deep. A connection below a field that is not a
connection node is refused too (Shopify refuses connections inside list fields; the sandbox, which
has no schema, refuses them below any plain field: INFERRED, stricter than Shopify). Each node of
each connection is one line; a nested one carries ``__parentId``, the GID of the node it belongs
to, and follows it directly (the grouped output, ``groupObjects: true``). A ``child_cap`` cuts
nested connections silently at that many children, as Shopify reportedly does (a fault hook).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from unified_orders import jsonutil

from .graphql.execute import _Projection
from .graphql.values import Fail, Obj, arguments

__all__ = ["MAX_CONNECTIONS", "MAX_DEPTH", "BulkQueryError", "run_bulk_query"]

MAX_CONNECTIONS = 5
MAX_DEPTH = 2
#: ``first`` given to a connection read whole.
_ALL = 10**9

Fragments = dict[str, FragmentDefinitionNode]


class BulkQueryError(Exception):
    """The query is not one a bulk operation runs (a ``userErrors`` message)."""


def _is_connection(field: FieldNode) -> bool:
    selections = field.selection_set.selections if field.selection_set else ()
    return any(isinstance(s, FieldNode) and s.name.value in ("edges", "nodes") for s in selections)


def _node_selection(field: FieldNode) -> SelectionSetNode | None:
    """The selection of each node of a connection field (``edges { node }`` or ``nodes``)."""
    assert field.selection_set is not None
    for selection in field.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.selection_set is None:
            continue
        if selection.name.value == "nodes":
            return selection.selection_set
        if selection.name.value == "edges":
            for inner in selection.selection_set.selections:
                if isinstance(inner, FieldNode) and inner.name.value == "node":
                    return inner.selection_set
    return None


def _split(selection_set: SelectionSetNode) -> tuple[SelectionSetNode, list[FieldNode]]:
    """The plain part of a node's selection, and its connection fields."""
    plain = [s for s in selection_set.selections]
    nested = [s for s in plain if isinstance(s, FieldNode) and _is_connection(s)]
    rest = [s for s in plain if s not in nested]
    return SelectionSetNode(selections=tuple(rest)), nested


def _plain_has_connection(selection_set: SelectionSetNode | None, fragments: Fragments) -> bool:
    if selection_set is None:
        return False
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if _is_connection(selection):
                return True
            if _plain_has_connection(selection.selection_set, fragments):
                return True
        elif isinstance(selection, InlineFragmentNode):
            if _plain_has_connection(selection.selection_set, fragments):
                return True
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment and _plain_has_connection(fragment.selection_set, fragments):
                return True
    return False


def _check(field: FieldNode, depth: int, fragments: Fragments) -> int:
    """Connections in ``field`` (itself one) and below; refuses what Shopify refuses."""
    if depth > MAX_DEPTH:
        raise BulkQueryError(
            f"Bulk queries cannot contain connections with a nesting depth greater than "
            f"{MAX_DEPTH}."
        )
    selection = _node_selection(field)
    if selection is None:
        raise BulkQueryError(f"The connection {field.name.value} selects no nodes.")
    plain, nested = _split(selection)
    if _plain_has_connection(plain, fragments):
        raise BulkQueryError(
            "Queries that contain a connection field within a list field are not currently "
            "supported."
        )
    return 1 + sum(_check(inner, depth + 1, fragments) for inner in nested)


def _root(document: DocumentNode) -> FieldNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        raise BulkQueryError("Bulk queries must contain exactly one operation.")
    fields = [s for s in operations[0].selection_set.selections if isinstance(s, FieldNode)]
    if len(fields) != 1 or not _is_connection(fields[0]):
        raise BulkQueryError("Bulk queries must contain at least one connection.")
    return fields[0]


def checked(text: str) -> tuple[FieldNode, Fragments]:
    """The root connection of a bulk query and its fragments, once its limits are checked."""
    try:
        document = parse(text)
    except GraphQLError as error:
        raise BulkQueryError(f"Invalid bulk query: {error.message}") from None
    root = _root(document)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if _check(root, 0, fragments) > MAX_CONNECTIONS:
        raise BulkQueryError(
            f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
        )
    return root, fragments


def run_bulk_query(
    text: str, roots: Mapping[str, Callable[[Mapping[str, Any]], Any]], child_cap: int | None
) -> list[str]:
    """The JSONL lines of ``text`` run against the sandbox's root fields."""
    root, fragments = checked(text)
    resolver = roots.get(root.name.value)
    if resolver is None:
        raise BulkQueryError(f"The sandbox does not export {root.name.value}.")
    projection = _Projection(fragments, {})
    lines: list[str] = []
    selection = _node_selection(root)
    assert selection is not None
    page = resolver({**arguments(root, {}), "first": _ALL})
    for node in page["nodes"]:
        _emit(node, selection, None, projection, child_cap, lines)
    return lines


def _emit(
    value: Obj,
    selection: SelectionSetNode,
    parent: str | None,
    projection: _Projection,
    child_cap: int | None,
    lines: list[str],
) -> None:
    plain, nested = _split(selection)
    try:
        line = projection.project(value, plain, [])
    except Fail as error:
        if error.code == "ACCESS_DENIED":
            raise  # the job fails with the code (see BulkSandbox._advance)
        raise BulkQueryError(error.message) from None
    if parent is not None:
        line["__parentId"] = parent
    lines.append(jsonutil.dumps(line))
    for field in nested:
        found = value.get(field.name.value)
        if found is None:
            raise BulkQueryError(f"the sandbox does not answer {field.name.value}")
        args = {**arguments(field, {}), "first": child_cap or _ALL}
        page = found(args) if callable(found) else found
        inner = _node_selection(field)
        assert inner is not None
        for child in page["nodes"]:
            _emit(child, inner, str(value["id"]), projection, child_cap, lines)
