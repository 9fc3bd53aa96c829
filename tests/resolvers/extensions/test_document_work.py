"""The checks run before execution do work linear in the document, whatever its fragments.

Fragment graphs are generated with heavy reuse (chains where each fragment spreads the
next several times, fans, random DAGs): their expansion is exponential, the work of the
depth / alias meter and of the cost meter must stay within a small multiple of the
number of selections written in the text.
"""

from __future__ import annotations

from functools import cache

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    parse,
    validate,
)
from graphql.language import Visitor, visit
from hypothesis import given, settings
from hypothesis import strategies as st

from resolvers.extensions.document_gate import MAX_ALIASES, MAX_DEPTH, security_extensions
from resolvers.extensions.document_shape import measure_operations
from resolvers.extensions.query_cost import CAP, MAX_COST, CostMeter, operation_costs
from resolvers.schema import build_schema


@cache
def _schema() -> GraphQLSchema:
    return build_schema(production=True)._schema


# What a fragment on User may hold besides spreads: leaves, an aliased leaf, and a paged
# list whose items' authors spread further (so pages multiply through fragments).
_BODIES = [
    "id",
    "pseudo",
    "p: pseudo",
    "videos(first: {page}) {{ edges {{ node {{ user {{ {spreads} }} }} }} }}",
]


@st.composite
def fragment_graphs(draw: st.DrawFn) -> str:
    """A document whose fragments F0..Fn-1 spread only later ones (a DAG), often twice."""
    n = draw(st.integers(min_value=1, max_value=40))
    shape = draw(st.sampled_from(["chain", "fan", "dag"]))
    parts = ["query Q { me { ...F0 } }"]
    for i in range(n):
        later = list(range(i + 1, n))
        if not later:
            targets: list[int] = []
        elif shape == "chain":
            targets = [i + 1] * draw(st.integers(min_value=1, max_value=3))
        elif shape == "fan":
            targets = later[:4] * 2
        else:
            targets = draw(st.lists(st.sampled_from(later), min_size=1, max_size=4))
        spreads = " ".join(f"...F{t}" for t in targets) or "id"
        body = draw(st.sampled_from(_BODIES)).format(
            page=draw(st.integers(min_value=1, max_value=3)), spreads=spreads
        )
        if "{" not in body or "user" not in body:  # a leaf: spreads sit beside it
            body = f"{body} {spreads}"
        parts.append(f"fragment F{i} on User {{ {body} }}")
    return "\n".join(parts)


def _selections(document: DocumentNode) -> int:
    """Selections written in the text: each field, inline fragment and spread once."""
    count = 0

    class Counter(Visitor):
        def enter(self, node: object, *_: object) -> None:
            nonlocal count
            if isinstance(node, FieldNode | InlineFragmentNode | FragmentSpreadNode):
                count += 1

    visit(document, Counter())
    return count


@settings(max_examples=150, deadline=None)
@given(fragment_graphs())
def test_depth_and_alias_checks_visit_each_selection_once(text: str) -> None:
    document = parse(text)
    _, meter = measure_operations(document, cap=max(MAX_DEPTH, MAX_ALIASES) + 1)
    assert meter.visits <= _selections(document)


@settings(max_examples=150, deadline=None)
@given(fragment_graphs())
def test_cost_visits_each_selection_once_per_page_size(text: str) -> None:
    document = parse(text)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    meter = CostMeter(_schema(), fragments, {})
    query = _schema().query_type
    operation = document.definitions[0]
    cost = meter.cost(operation.selection_set, query)  # type: ignore[attr-defined]
    assert cost <= CAP
    # A fragment's cost is remembered per enclosing page: pages here are 1-3, or none.
    assert meter.visits <= 4 * _selections(document)


def test_a_chain_doubling_at_each_fragment_is_measured_not_expanded() -> None:
    # 60 fragments, each spreading the next twice: 2^60 fields once expanded.
    n = 60
    text = "query Q { me { ...F0 } }\n" + "\n".join(
        f"fragment F{i} on User {{ ...F{i + 1} ...F{i + 1} a{i}: pseudo }}" for i in range(n)
    )
    text += f"\nfragment F{n} on User {{ id }}"
    document = parse(text)
    (_, shape), *_ = measure_operations(document, cap=MAX_ALIASES + 1)[0]
    assert shape.aliases == MAX_ALIASES + 1  # saturated: far over the limit
    (_, cost), *_ = operation_costs(_schema(), document.definitions, {})
    assert cost == CAP
    rules = security_extensions(production=True)[0].args[0]  # type: ignore[attr-defined]
    messages = [error.message for error in validate(_schema(), document, rules)]
    assert any("too many aliases" in message for message in messages)
    assert MAX_COST < CAP
