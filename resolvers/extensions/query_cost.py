"""A budget on how many objects one GraphQL document may ask for.

Depth, alias and token limits do not bound what a nested list costs: a feed page of 50
videos, each asking for its author's 50 latest videos 15 times over, is 9 levels deep,
uses 15 aliases and ~400 tokens, yet makes ~750 database queries and a 27 MB answer.
So each field costs 1 plus its children's cost times how many objects it may return:
its `first` / `limit` argument (from the document, the variables, or the default), or
the known bound of a list without one. Documents over the budget are refused before
anything runs.

The budget fits what the app asks: its largest query, `mySessions` with every croix
field, costs ~30,000 at the default page (50 sessions x up to 100 croix).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from models.climb_session import MAX_CROIX_PER_SESSION

MAX_COST = 50_000
PAGE_ARGUMENTS = ("first", "limit")
# Bounds of list fields that take no page argument.
KNOWN_LIST_BOUNDS: Mapping[tuple[str, str], int] = {
    ("Session", "croix"): MAX_CROIX_PER_SESSION,
}
# Fields that each run an aggregation of their own over many croix (two round trips per
# object asking): each counts as that many objects, so a document asks them of ~25 croix
# at most (`myCroix(limit: 25)`), never of a whole logbook.
FIELD_WEIGHTS: Mapping[tuple[str, str], int] = {
    ("Croix", "also_topped"): 1_900,
    ("Croix", "also_topped_count"): 1_900,
}
DEFAULT_LIST_BOUND = 50
MAX_PAGE = 1000  # what a page argument counts for at most (resolvers refuse far less)
# Costs saturate here: past the budget only "over" matters, and numbers stay small
# however large the expansion.
CAP = MAX_COST + 1


def _is_list(field: GraphQLField) -> bool:
    kind = field.type
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    return isinstance(kind, GraphQLList)


class CostMeter:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.memo: dict[tuple[str, int | None], int] = {}
        self.in_progress: set[tuple[str, int | None]] = set()
        self.visits = 0  # selections looked at: the work done, bounded in tests

    def page_size(self, field: GraphQLField, node: FieldNode) -> int | None:
        for name in PAGE_ARGUMENTS:
            if name not in field.args:
                continue
            default = field.args[name].default_value
            value: Any = default
            for argument in node.arguments or ():
                if argument.name.value != name:
                    continue
                if isinstance(argument.value, IntValueNode):
                    value = int(argument.value.value)
                elif isinstance(argument.value, VariableNode):
                    value = self.variables.get(argument.value.name.value, default)
                else:  # null (or malformed, which validation refuses)
                    value = None
            # The resolvers read a null page size as their default page.
            size: int = (
                value
                if isinstance(value, int)
                else (default if isinstance(default, int) else DEFAULT_LIST_BOUND)
            )
            return min(max(size, 1), MAX_PAGE)
        return None

    def list_bound(self, parent: str, node: FieldNode) -> int:
        return KNOWN_LIST_BOUNDS.get((parent, node.name.value), DEFAULT_LIST_BOUND)

    def cost(self, selections: SelectionSetNode, parent: Any, page: int | None = None) -> int:
        """`page`: set when `parent` is an object a paged field returned (a connection,
        a book of lists): its lists hold that many items at most. Saturates at CAP."""
        total = 0
        for selection in selections.selections:
            self.visits += 1
            if isinstance(selection, FieldNode):
                total += self.field_cost(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.cost(selection.selection_set, target, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment_cost(selection.name.value, page)
            if total >= CAP:
                return CAP
        return total

    def fragment_cost(self, name: str, page: int | None) -> int:
        """A fragment's cost depends only on its own type condition and the enclosing
        page, so it is computed once per page size however often it is spread: the
        work stays linear in the document (a chain of fragments each spreading the next
        twice would otherwise cost 2^n walks)."""
        key = (name, page)
        known = self.memo.get(key)
        if known is not None:
            return known
        fragment = self.fragments.get(name)
        if fragment is None or key in self.in_progress:  # cycles: refused by validation
            return 0
        self.in_progress.add(key)
        target = self.schema.get_type(fragment.type_condition.name.value)
        cost = self.cost(fragment.selection_set, target, page)
        self.in_progress.discard(key)
        self.memo[key] = cost
        return cost

    def field_cost(self, node: FieldNode, parent: Any, page: int | None) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 1
        field = parent.fields.get(node.name.value)
        weight = FIELD_WEIGHTS.get((parent.name, node.name.value), 1)
        if field is None or node.selection_set is None:  # unknown fields fail validation
            return weight
        target = get_named_type(field.type)
        own_page = self.page_size(field, node)
        if not _is_list(field):
            # A paged object (a connection): its page bounds the lists inside it.
            return min(weight + self.cost(node.selection_set, target, own_page), CAP)
        count = own_page or page or self.list_bound(parent.name, node)
        return min(weight + count * self.cost(node.selection_set, target), CAP)


def operation_costs(
    schema: GraphQLSchema, document_definitions: Any, variables: Mapping[str, Any]
) -> Iterator[tuple[OperationDefinitionNode, int]]:
    fragments = {
        d.name.value: d for d in document_definitions if isinstance(d, FragmentDefinitionNode)
    }
    for definition in document_definitions:
        if isinstance(definition, OperationDefinitionNode):
            # A variable the request leaves out takes its default from the operation.
            values = {**_variable_defaults(definition), **variables}
            costing = CostMeter(schema, fragments, values)
            root = schema.get_root_type(definition.operation)
            yield definition, costing.cost(definition.selection_set, root)


def _variable_defaults(operation: OperationDefinitionNode) -> dict[str, Any]:
    """`query($n: Int = 50)`: {"n": 50}; only ints matter to the cost (others: None)."""
    return {
        definition.variable.name.value: int(definition.default_value.value)
        if isinstance(definition.default_value, IntValueNode)
        else None
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }


def _shown(cost: int) -> str:
    return f"more than {MAX_COST}" if cost >= CAP else str(cost)


def over_budget(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
) -> GraphQLError | None:
    """The error refusing `document` when one of its operations, with these variables,
    may return more than MAX_COST objects; None when all fit.

    Costs depend on the request's variables, so this is not a validation rule: a rule
    would have to be made per request and would defeat the validation cache
    (resolvers.extensions.document_gate.DocumentGate runs it after validation).
    """
    for operation, cost in operation_costs(schema, document.definitions, variables):
        if cost > MAX_COST:
            return GraphQLError(
                f"query too expensive: it may return {_shown(cost)} objects, at most "
                f"{MAX_COST} are allowed; ask for smaller pages or fewer nested lists",
                operation,
            )
    return None
