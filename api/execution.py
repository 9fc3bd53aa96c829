"""A faster executor for plain fields; everything else is left to graphql-core.

A feed page of 20 videos completes ~320 fields: ~260 plain leaves (`id`, `grade`,
`like_count`, `user.pseudo`…) and ~60 plain objects (`edges[].node`, `node.user`), each
just an attribute of the Python object. graphql-core spends several µs on every field (a
resolve-info object, the resolver call chain, awaitable checks, the completion
dispatch), which made execution the largest part of the feed's CPU (bench/). For plain
fields this executor reads the attribute and completes it directly.

Only the happy path is shortened, so results and errors stay graphql-core's own:
- a field qualifies only if Strawberry resolves it with its default resolver (an
  attribute: no resolver, no field extension, no permission class), its selection has
  no arguments or directives, no schema extension wraps resolvers, and its type is a
  scalar or enum, or an object type without an `is_type_of` check (nullable or not);
- a value the fast path would not complete exactly as graphql-core does (None in a
  non-null field, a missing attribute, an exception instance, a failed coercion) sends
  that one field down graphql-core's own path, which raises or nulls it as it always
  did; errors raised while completing a plain object's own fields are handled as
  graphql-core's `execute_field` would.

tests/test_execution.py runs documents both ways and compares results and errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graphql import (
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLSchema,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_LEAF, _OBJECT = 1, 2
# What a completed field can be without being awaitable: checked before the (slower)
# awaitable test, as almost every field of a page is one of these.
_SETTLED = frozenset({str, int, float, bool, dict, type(None)})


def _unused(value: Any) -> Any:
    raise AssertionError("only leaf steps coerce")


class _Step:
    """How to complete one response name of a selection: `kind` 0 means graphql-core."""

    __slots__ = (
        "attribute", "coerce", "field_type", "fields", "kind", "name", "nullable", "object_type",
    )  # fmt: skip

    def __init__(self, name: str, fields: FieldDetailsList) -> None:
        self.name = name
        self.fields = fields
        self.kind = 0
        self.attribute = ""
        self.nullable = False
        # Set for the kinds that use them (typed loosely: no asserts on the hot path).
        self.coerce: Callable[[Any], Any] = _unused
        self.object_type: Any = None  # GraphQLObjectType for _OBJECT
        self.field_type: Any = None  # GraphQLOutputType for _OBJECT


def _step(
    schema: GraphQLSchema, parent_type: GraphQLObjectType, name: str, fields: FieldDetailsList
) -> _Step:
    step = _Step(name, fields)
    field_def = schema.get_field(parent_type, fields[0].node.name.value)
    if field_def is None or not getattr(field_def.resolve, "_is_default", False):
        return step
    if any(f.node.arguments or f.node.directives for f in fields):
        return step
    definition = field_def.extensions.get("strawberry-definition")
    attribute = getattr(definition, "python_name", None)
    # Strawberry's default resolver reads the attribute, unless the schema's config
    # swapped it for another (then that one must run).
    if (
        not isinstance(attribute, str)
        or getattr(definition, "default_resolver", None) is not getattr
    ):
        return step
    named = field_def.type.of_type if is_non_null_type(field_def.type) else field_def.type
    if is_leaf_type(named):
        assert isinstance(named, GraphQLLeafType)
        step.kind, step.coerce = _LEAF, named.coerce_output_value
    elif is_object_type(named) and named.is_type_of is None:
        assert isinstance(named, GraphQLObjectType)
        step.kind, step.object_type = _OBJECT, named
    step.field_type = field_def.type
    step.nullable = not is_non_null_type(field_def.type)
    step.attribute = attribute
    return step


class FastFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with plain fields completed inline."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # A schema extension with a `resolve` hook must see every field: no fast path.
        self._fast = manager is None or not manager.middlewares
        # Per request, keyed by the grouped field set's id. Like graphql-core's own
        # memo (collect_subfields), each entry keeps its field set alive, so that the id
        # cannot be reused by another set while this cache lives.
        self._plans: dict[int, tuple[GroupedFieldSet, list[_Step]]] = {}

    def _plan(self, parent_type: GraphQLObjectType, grouped: GroupedFieldSet) -> list[_Step]:
        found = self._plans.get(id(grouped))
        if found is not None:
            return found[1]
        plan = [_step(self.schema, parent_type, name, fields) for name, fields in grouped.items()]
        self._plans[id(grouped)] = (grouped, plan)
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        """graphql-core's `execute_fields`, with plain fields completed inline."""
        if not self._fast:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for step in self._plan(parent_type, grouped_field_set):
                result = self._complete(step, parent_type, source_value, path, position_context)
                if result is Undefined:
                    continue  # a field the schema does not know: left out, as graphql-core does
                results[step.name] = result
                if result.__class__ not in _SETTLED and self.is_awaitable(result):
                    pending.append(step.name)
        except Exception:
            if pending:
                # As graphql-core: settle the siblings' awaitables, they may fail too.
                self.settle_in_background([results[name] for name in pending])
            raise
        if not pending:
            return results
        return self._gather(results, pending)

    async def _gather(self, results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
        if len(pending) == 1:
            results[pending[0]] = await results[pending[0]]
        else:
            awaited = await gather_with_cancel(*(results[name] for name in pending))
            results.update(zip(pending, awaited, strict=True))
        return results

    def _complete(
        self,
        step: _Step,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        position_context: Any,
    ) -> Any:
        if step.kind:
            value = getattr(source, step.attribute, Undefined)
            if value is None:
                if step.nullable:
                    return None
            elif isinstance(value, Exception) or value is Undefined:
                pass
            elif step.kind == _LEAF:
                try:
                    coerced = step.coerce(value)
                except Exception:  # graphql-core's own path reports it, below
                    coerced = None
                if coerced is not None and coerced is not Undefined:
                    return coerced
            else:
                return self._complete_object(step, parent_type, value, path, position_context)
        field_path = Path(path, step.name, parent_type.name)
        return self.execute_field(parent_type, source, step.fields, field_path, position_context)

    def _complete_object(
        self,
        step: _Step,
        parent_type: GraphQLObjectType,
        value: Any,
        path: Path | None,
        position_context: Any,
    ) -> Any:
        """What `execute_field` then `complete_value` do for a present object value."""
        field_path = Path(path, step.name, parent_type.name)
        try:
            completed = self.collect_and_execute_subfields(
                step.object_type, step.fields, field_path, value, position_context
            )
        except Exception as error:
            self.handle_field_error(error, step.field_type, step.fields, field_path)
            return None
        if isinstance(completed, dict):
            return completed
        return self._await_object(step, completed, field_path)

    async def _await_object(
        self, step: _Step, completed: Awaitable[dict[str, Any]], field_path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as error:
            self.handle_field_error(error, step.field_type, step.fields, field_path)
            return None
