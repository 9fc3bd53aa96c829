"""The fast executor's fence fails loudly when graphql-core or Strawberry drift under it."""

from __future__ import annotations

import pytest

from resolvers.extensions import executor_fence
from resolvers.extensions.executor_fence import ExecutorDrift, check_fast_executor
from resolvers.schema import build_schema


def test_the_installed_versions_fit_the_fast_executor() -> None:
    schema = build_schema()._schema
    check_fast_executor(schema, sample=("Video", "grade"))  # raises on drift


def test_a_field_no_longer_seen_as_plain_stops_the_start() -> None:
    schema = build_schema(fast_executor=False)._schema
    # `feedPage` has a resolver: what every field would look like to the fast path if
    # Strawberry renamed its basic-field internals.
    with pytest.raises(ExecutorDrift, match="GRAPHQL_EXECUTOR=stock"):
        check_fast_executor(schema, sample=("Query", "feedPage"))


def test_a_changed_graphql_core_signature_stops_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    renamed = {**executor_fence._METHODS, "handle_field_error": ("error", "type_", "nodes")}
    monkeypatch.setattr(executor_fence, "_METHODS", renamed)
    with pytest.raises(ExecutorDrift, match="handle_field_error"):
        build_schema()


def test_the_stock_executor_serves_without_the_check() -> None:
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    schema = build_schema(fast_executor=False)
    assert schema.execution_context_class is StrawberryGraphQLCoreExecutionContext
