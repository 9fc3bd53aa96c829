"""Property-based fuzzing: generated operations never get a 5xx or an unmasked error.

Operations are generated from the committed SDL file (what the app codegens from), not
from introspection, in both modes: valid documents (POSITIVE) and documents that break
the schema's rules (NEGATIVE), sent anonymously and signed in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes, queries

from resolvers.extensions.error_policy import MASKED_MESSAGE
from tests.support.client import Api

SDL = (Path(__file__).resolve().parents[2] / "schema.graphql").read_text()
# JSON (the sync's pushLogbookChanges) is an input too, generated from JSON values below.
# Whole-schema documents usually touch some field that fails (and null the rest), so
# public read-only fields are also fuzzed alone: those documents reach real data.
PUBLIC_READS = ["feed", "feedPage", "video", "user", "searchUsers", "gyms"]


def _json_node(value: Any) -> graphql.ValueNode:
    """A JSON value written as a GraphQL literal (the JSON scalar's input: sync pushes)."""
    if isinstance(value, dict):
        return nodes.Object([
            graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=_json_node(item))
            for key, item in value.items()
        ])  # fmt: skip
    if isinstance(value, list):
        return nodes.List([_json_node(item) for item in value])
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value)
    return nodes.String(value)


JSON_VALUES = st.recursive(
    st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["sessions", "croix", "created", "id", "x"]), children,
                      max_size=3),
    max_leaves=10,
)  # fmt: skip
CUSTOM_SCALARS = {"JSON": JSON_VALUES.map(_json_node)}
OPERATIONS = st.one_of(
    from_schema(SDL, mode=Mode.POSITIVE, custom_scalars=CUSTOM_SCALARS),
    from_schema(SDL, mode=Mode.NEGATIVE, custom_scalars=CUSTOM_SCALARS),
    queries(SDL, fields=PUBLIC_READS),
)
FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


OUTCOMES: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def _fuzzing_reached_the_resolvers() -> Iterator[None]:
    # Guards the fuzz test against silently testing nothing (e.g. every document refused
    # at the HTTP layer): some generated operations must have run through to data.
    yield
    if OUTCOMES:
        assert OUTCOMES.get("data", 0) > 0, OUTCOMES


def _outcome(response: Any) -> str:
    if response.status_code != 200:
        return str(response.status_code)
    data = response.json().get("data") or {}
    return "data" if any(value is not None for value in data.values()) else "errors"


def _check(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        return
    for error in response.json().get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code != "INTERNAL_SERVER_ERROR", error
        assert error["message"] != MASKED_MESSAGE, error
        assert "Traceback" not in error["message"]


@FUZZ
@given(document=OPERATIONS, signed_in=st.booleans())
async def test_generated_operations_never_fail_the_server(
    api: Api, document: object, signed_in: bool
) -> None:
    token = None
    if signed_in:
        # One account per test run, created on the first signed-in example.
        token = getattr(api, "_fuzz_token", None)
        if token is None:
            token = (await api.signup("fuzzer")).token
            api._fuzz_token = token  # type: ignore[attr-defined]
    response = await api.post(str(document), token=token)
    _check(response)
    OUTCOMES[_outcome(response)] = OUTCOMES.get(_outcome(response), 0) + 1
