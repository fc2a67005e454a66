"""The requested cost of a GraphQL document, estimated the way Shopify publishes it.

Scalars and enums cost 0, objects 1, a connection or list asked for with ``first: n`` costs
``2 + n`` times its node, a mutation field 10. INFERRED: Shopify's own figure
(``extensions.cost.requestedQueryCost``) may differ, notably for a plain list asked without
``first`` (estimated as one object here); the adapter's bucket adopts Shopify's figures after
every response anyway. The sandbox charges the same estimate.
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
)

__all__ = ["estimate_cost"]


def _first(field: FieldNode) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value in ("first", "last") and isinstance(argument.value, IntValueNode):
            return int(argument.value.value)
    return None


def _cost(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.selection_set is None:
                continue  # scalars and enums are free
            inner = _cost(selection.selection_set, fragments)
            if selection.name.value in ("nodes", "edges", "node", "pageInfo"):
                total += inner if selection.name.value != "pageInfo" else 0
                continue
            first = _first(selection)
            total += 2 + first * max(inner, 1) if first is not None else 1 + inner
        elif isinstance(selection, InlineFragmentNode):
            total += _cost(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            total += _cost(fragments[selection.name.value].selection_set, fragments)
    return total


def estimate_cost(text: str) -> int:
    """The estimated requested cost of a GraphQL document (see the module docstring)."""
    parsed = parse(text)
    fragments = {
        d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)
    }
    total = 0
    for definition in parsed.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if definition.operation is OperationType.MUTATION:
            for selection in definition.selection_set.selections:
                total += 10 + (
                    _cost(selection.selection_set, fragments)
                    if isinstance(selection, FieldNode)
                    else 0
                )
        else:
            total += _cost(definition.selection_set, fragments)
    return max(total, 1)
