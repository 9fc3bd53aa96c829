"""The fast executor's fence fails loudly when graphql-core or Strawberry drift under it."""

from __future__ import annotations

import ast
from pathlib import Path

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


# import-linter sees an external package whole (`graphql`, `strawberry`), never its
# submodules, so this fence is kept by reading the imports, as a contract would.
_INTERNALS = (
    "graphql.execution",
    "graphql.pyutils",
    "strawberry.schema.schema",
    "strawberry.types.execution",
)
_FENCED = {"resolvers/extensions/executor_fence.py", "resolvers/extensions/fast_executor.py"}
_SERVED = ("api", "resolvers", "workflows", "models", "storage", "rules", "kit", "tools")


def _imported(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


# Private attributes read only by the fence, and its function that reads each.
_FENCED_ATTRIBUTES = {"_schema": "built_schema", "_raw_info": "field_nodes"}


def test_internals_and_the_built_schema_are_reached_only_behind_the_fence() -> None:
    root = Path(__file__).resolve().parents[3]
    crossing: list[str] = []
    for folder in _SERVED:
        for path in sorted((root / folder).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            if name in _FENCED:
                continue
            source = path.read_text(encoding="utf-8")
            tree = ast.parse(source)
            for module in _imported(tree):
                if module.startswith(_INTERNALS):
                    crossing.append(f"{name} imports {module}")
            for attribute, instead in _FENCED_ATTRIBUTES.items():
                reads = [
                    node
                    for node in ast.walk(tree)
                    if isinstance(node, ast.Attribute) and node.attr == attribute
                ]
                if reads:
                    crossing.append(f"{name} reads .{attribute} (use executor_fence.{instead})")
    assert crossing == []


def test_the_fence_check_itself_catches_a_crossing() -> None:
    """The reader above sees both kinds of crossing (else its test could not fail)."""
    tree = ast.parse("from strawberry.schema.schema import validate_document\nx = s._schema\n")
    assert any(module.startswith(_INTERNALS) for module in _imported(tree))
    assert any(isinstance(n, ast.Attribute) and n.attr == "_schema" for n in ast.walk(tree))
