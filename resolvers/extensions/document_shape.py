"""Depth and alias counts of a GraphQL document, in time linear in its size.

A fragment may be spread many times, and a fragment may spread others: a chain of n
fragments in which each spreads the next one twice expands to 2^n fields. Walking the
expansion (as Strawberry's QueryDepthLimiter and MaxAliasesLimiter do) lets a document
of a few hundred bytes hold the process for minutes. Here each fragment is measured
once and its measure reused wherever it is spread, so the work is one visit per
selection in the text, whatever the expansion.

The measures are those of the expansion, exactly: depth as Strawberry counts it (a field
with a selection set is one level, a leaf none, introspection fields none), aliases as
the number of aliased fields once every spread is replaced by its fragment. Counts are
capped just above the limit, so numbers stay small however large the expansion.

Usage (a validation rule, built once per limit)::

    rules = [shape_rule(max_depth=10, max_aliases=15)]
    validate(schema, document, rules)
"""

from __future__ import annotations

from dataclasses import dataclass
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
    ValidationRule,
)
from graphql.language import SKIP


@dataclass(frozen=True, slots=True)
class Shape:
    depth: int
    aliases: int


class ShapeMeter:
    """Measures selection sets, remembering each fragment's shape.

    `visits` counts the selections looked at: the work done, which tests bound by the
    size of the document.
    """

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], cap: int) -> None:
        self.fragments = fragments
        self.cap = cap
        self.memo: dict[str, Shape] = {}
        self.in_progress: set[str] = set()
        self.visits = 0

    def measure(self, selections: SelectionSetNode) -> Shape:
        depth = 0
        aliases = 0
        for selection in selections.selections:
            self.visits += 1
            if isinstance(selection, FieldNode):
                shape = self._field(selection)
            elif isinstance(selection, InlineFragmentNode):
                shape = self.measure(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                shape = self.fragment(selection.name.value)
            else:  # pragma: no cover - the three kinds of selection are all there are
                continue
            depth = max(depth, shape.depth)
            aliases = min(aliases + shape.aliases, self.cap)
        return Shape(depth, aliases)

    def _field(self, node: FieldNode) -> Shape:
        own = 1 if node.alias is not None else 0
        if node.name.value.startswith("__") or node.selection_set is None:
            return Shape(0, own)
        inner = self.measure(node.selection_set)
        return Shape(min(inner.depth + 1, self.cap), min(inner.aliases + own, self.cap))

    def fragment(self, name: str) -> Shape:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        # Unknown fragments and cycles are refused by graphql-core's own rules
        # (KnownFragmentNames, NoFragmentCycles); they count for nothing here.
        if definition is None or name in self.in_progress:
            return Shape(0, 0)
        self.in_progress.add(name)
        shape = self.measure(definition.selection_set)
        self.in_progress.discard(name)
        self.memo[name] = shape
        return shape


def measure_operations(
    document: DocumentNode, cap: int
) -> tuple[list[tuple[OperationDefinitionNode, Shape]], ShapeMeter]:
    """Each operation's shape, and the meter (for its visit count)."""
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    meter = ShapeMeter(fragments, cap)
    shapes = [
        (definition, meter.measure(definition.selection_set))
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    return shapes, meter


def shape_rule(*, max_depth: int, max_aliases: int) -> type[ValidationRule]:
    """A validation rule refusing operations deeper than `max_depth` or with more than
    `max_aliases` aliases once fragments are expanded."""
    cap = max(max_depth, max_aliases) + 1

    class DocumentShapeRule(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> Any:
            shapes, _meter = measure_operations(node, cap)
            for operation, shape in shapes:
                name = operation.name.value if operation.name else "anonymous"
                if shape.depth > max_depth:
                    self.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {max_depth}",
                            operation,
                        )
                    )
                if shape.aliases > max_aliases:
                    self.report_error(
                        GraphQLError(
                            f"'{name}' has too many aliases: at most {max_aliases} allowed",
                            operation,
                        )
                    )
            return SKIP  # the whole document was measured here; nothing left to visit

    return DocumentShapeRule


__all__ = ["Shape", "ShapeMeter", "measure_operations", "shape_rule"]
