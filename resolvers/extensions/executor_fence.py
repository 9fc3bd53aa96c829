"""The fast executor's fence: what it relies on inside graphql-core and Strawberry, checked
at start-up, so that an upgrade that renames an internal fails loudly instead of serving
every field down the slow path (or, worse, wrongly).

The private or internal names the fast executor (`fast_executor`, `plain_fields`) uses:

graphql-core (the execution context Strawberry's subclasses, `IncrementalExecutor` in
graphql-core 3.3):
- `execute_fields(parent_type, source_value, path, grouped_field_set, position_context)`
  (overridden), `execute_field(...)`, `collect_subfields(return_type, field_details_list)`
  returning `(grouped_field_set, defer_usages, ...)`, `handle_field_error(error,
  return_type, field_details_list, path)`, `settle_in_background(awaitables)`,
  `is_awaitable`, `middleware_manager`;
- `graphql.execution.collect_fields.FieldDetailsList`, `GroupedFieldSet`;
- `graphql.pyutils.gather_with_cancel`, `Path`, `Undefined`.

Strawberry (0.341):
- `strawberry.schema.schema.StrawberryGraphQLCoreExecutionContext` (subclassed; the stock
  executor too) and `validate_document` (the document gate and its validation queue);
- `Schema._schema`, the graphql-core schema Strawberry built: read by `built_schema`
  below and nowhere else (the limits, the error policy's label, persisted queries and
  trusted documents all ask it);
- `strawberry.types.info.Info._raw_info`, graphql-core's resolve info, read by
  `field_nodes` below and nowhere else (the listings' field selection is remembered by
  the parsed document's nodes, resolvers/video_fields.py);
- `strawberry.types.execution.ExecutionContext._provided_operation_name`, the name the
  client sent (its `operation_name` falls back to the first operation's): the document
  gate reads it to refuse several operations without a name;
- a basic field's resolver is named `_get_basic_result` and marked `_is_default`; its
  definition (`extensions["strawberry-definition"]`) has `is_basic_field`, `python_name`,
  `default_resolver`; an object type's definition has `origin`; an enum's GraphQL type
  has `wrapped_cls`.

The rest of the code reaches these internals only through this module (or the fast
executor itself): an import-linter contract in pyproject.toml keeps it so.

pyproject.toml bounds both packages to the minors these were read from; the front-door
suite also runs with `GRAPHQL_EXECUTOR=stock` in CI (.ci/run), so any answer that differs
fails a test.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema
from strawberry import Schema
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext, validate_document
from strawberry.types.execution import ExecutionContext
from strawberry.types.info import Info

from resolvers.extensions.plain_fields import LEAF, OBJECT, OBJECTS, plain_field

# Method of graphql-core's ExecutionContext -> the parameters the fast executor passes.
_METHODS: dict[str, tuple[str, ...]] = {
    "execute_fields": (
        "parent_type", "source_value", "path", "grouped_field_set", "position_context",
    ),
    "execute_field": (
        "parent_type", "source", "field_details_list", "path", "position_context",
    ),
    "collect_subfields": ("return_type", "field_details_list"),
    "handle_field_error": ("raw_error", "return_type", "field_details_list", "path"),
    "settle_in_background": (),
}  # fmt: skip


__all__ = [
    "ExecutorDrift",
    "StockExecutionContext",
    "built_schema",
    "check_fast_executor",
    "field_nodes",
    "validate_document",
]

# Strawberry's own executor (GRAPHQL_EXECUTOR=stock), the one the fast executor subclasses.
StockExecutionContext = StrawberryGraphQLCoreExecutionContext


def built_schema(schema: Schema) -> GraphQLSchema:
    """The graphql-core schema Strawberry built from ours: the one read of `_schema`."""
    return schema._schema


def field_nodes(info: Info[Any, Any]) -> tuple[object, ...]:
    """The nodes of the parsed document the resolver's field stands for (graphql-core's
    `field_nodes`, merged): the same objects each time a cached document runs again."""
    return tuple(info._raw_info.field_nodes)


class ExecutorDrift(RuntimeError):
    """graphql-core or Strawberry changed under the fast executor."""


def check_fast_executor(schema: GraphQLSchema, *, sample: tuple[str, str]) -> None:
    """Raise ExecutorDrift unless graphql-core's methods still take what the fast executor
    passes and `sample` (an object type and a plain scalar field of it) is still seen as
    plain. Run once, when the schema is built."""
    problems: list[str] = []
    for name, expected in _METHODS.items():
        method = getattr(StrawberryGraphQLCoreExecutionContext, name, None)
        if method is None:
            problems.append(f"graphql-core's execution context has no {name}")
            continue
        parameters = tuple(inspect.signature(method).parameters)[1:]  # without self
        if parameters[: len(expected)] != expected:
            problems.append(f"graphql-core's {name}{parameters} no longer takes {expected}")
    probe = ExecutionContext(query="{ a }", schema=None, allowed_operations=(), context=None)  # type: ignore[arg-type]
    if not hasattr(probe, "_provided_operation_name"):
        problems.append("Strawberry's ExecutionContext no longer keeps _provided_operation_name")
    if "_raw_info" not in {field.name for field in dataclasses.fields(Info)}:
        problems.append("Strawberry's Info no longer keeps graphql-core's as _raw_info")
    type_name, field_name = sample
    parent = schema.get_type(type_name)
    if not isinstance(parent, GraphQLObjectType):
        problems.append(f"the sample type {type_name} is not an object type")
    elif plain_field(schema, parent, field_name).kind not in (LEAF, OBJECT, OBJECTS):
        problems.append(
            f"{type_name}.{field_name} is no longer recognised as a plain field: Strawberry's "
            "basic-field internals changed"
        )
    if problems:
        raise ExecutorDrift(
            "the fast executor does not fit the installed graphql-core / Strawberry ("
            + "; ".join(problems)
            + "): set GRAPHQL_EXECUTOR=stock to serve with Strawberry's own executor, "
            "and update resolvers/extensions/fast_executor.py"
        )
