"""A faster executor for plain fields; everything else is left to graphql-core.

A feed page is hundreds of fields, nearly all plain leaves (`id`, `grade`, `like_count`,
`user.pseudo`…), plain objects (`node`, `node.user`) and plain lists (`edges`), each
just an attribute of a Python object. graphql-core builds a resolve-info object, runs the
resolver call chain, checks for awaitables and dispatches completion for every one, which
made execution the largest part of the feed's CPU (bench/RESULTS.md, "Measurements
behind the code"). For plain fields this executor reads the attribute and completes it
in one loop.

Only the happy path is shortened, so results and errors stay graphql-core's own:
- a field qualifies only if it is plain (`plain_fields`: an attribute of a scalar, enum,
  plain object or list of plain objects), its selection has no arguments or
  directives, no schema extension wraps resolvers, and no @defer is in play;
- a value the fast path would not complete exactly as graphql-core does (None in a
  non-null field, a missing attribute or one that raises, a leaf value not a str, int,
  float, bool or the enum's member, a failed coercion, an object or list item not
  exactly of the type's Python class, a list that is not a list) sends that one field
  down graphql-core's own path, which raises or nulls it as it always did (reading the
  attribute again); errors raised inside a plain object or list item are handled as
  graphql-core's `execute_field` and `complete_list_item_value` would.

tests/resolvers/extensions/test_fast_executor.py runs documents both ways and compares
results and errors; CI runs the front-door suite with the stock executor as well. The
internals this relies on are listed, and checked at start-up, in `executor_fence`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from graphql import GRAPHQL_MAX_INT, GRAPHQL_MIN_INT, GraphQLError, GraphQLObjectType
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.extensions.plain_fields import (
    LEAF,
    OBJECT,
    OBJECTS,
    SLOW_FIELD,
    PlainField,
    analysed,
    plain_field,
)

# What a completed field can be without being awaitable: checked before the (slower)
# awaitable test, as almost every field of a page is one of these.
_SETTLED = frozenset({str, int, float, bool, dict, list, type(None)})


class _Step:
    """One response name of a selection in this request, and how to complete it (the
    field's analysis copied flat: this is read for every field of every object)."""

    __slots__ = (
        "accepted", "attribute", "coerce", "enum", "fields", "grouped", "item_type", "kind",
        "name", "names", "nullable", "object_type", "origin", "same", "type",
    )  # fmt: skip

    def __init__(self, name: str, fields: FieldDetailsList, field: PlainField) -> None:
        self.name = name
        self.fields = fields
        self.kind = field.kind
        self.attribute = field.attribute
        self.nullable = field.nullable
        self.coerce: Callable[[Any], Any] = field.coerce or _no_coerce
        self.object_type = field.object_type
        self.origin = field.origin
        self.accepted = field.accepted
        self.same = field.same
        self.enum = field.enum
        self.names: Mapping[Any, str] = field.names or {}
        self.type = field.type
        self.item_type = field.item_type
        self.grouped: GroupedFieldSet | None = None  # sub-selection, once collected


def _no_coerce(value: Any) -> Any:
    raise AssertionError("only leaf steps coerce")


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
        self._known = analysed(self.schema)  # the schema's fields, looked up without a call

    def _plan(self, parent_type: GraphQLObjectType, grouped: GroupedFieldSet) -> list[_Step]:
        plan = []
        for name, fields in grouped.items():
            field_name = fields[0].node.name.value
            field = self._known.get((parent_type.name, field_name))
            if field is None:
                field = plain_field(self.schema, parent_type, field_name)
            for details in fields:
                if details.node.arguments or details.node.directives:
                    field = SLOW_FIELD
            plan.append(_Step(name, fields, field))
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
        if not self._fast or position_context is not None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        found = self._plans.get(id(grouped_field_set))
        plan = found[1] if found is not None else self._plan(parent_type, grouped_field_set)
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for step in plan:
                kind = step.kind
                if kind:
                    try:
                        value: Any = getattr(source_value, step.attribute, Undefined)
                    except Exception:  # a property that raises: graphql-core reports it
                        value = Undefined
                    if value is None and step.nullable:
                        results[step.name] = None
                        continue
                    if kind == LEAF:
                        cls = value.__class__
                        # What the scalar's or the enum's serializer would answer, known
                        # without calling it (plain_fields.PlainField.same, .names).
                        if cls is step.same and (
                            cls is not int or GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT
                        ):
                            results[step.name] = value
                            continue
                        # (A member the enum's iteration leaves out, a Flag's combination,
                        # has no name here: its serializer says what it makes of it.)
                        if cls is step.enum and (name := step.names.get(value)) is not None:
                            results[step.name] = name
                            continue
                        if cls in step.accepted:
                            try:
                                coerced = step.coerce(value)
                            except Exception:  # graphql-core's own path reports it, below
                                coerced = None
                            if coerced is not None and coerced is not Undefined:
                                results[step.name] = coerced
                                continue
                    elif (kind == OBJECT and value.__class__ is step.origin) or (
                        kind == OBJECTS
                        and value.__class__ is list
                        and all(item.__class__ is step.origin for item in value)
                    ):
                        grouped = self._subfields(step)
                        if grouped is not None:
                            complete = self._object if kind == OBJECT else self._objects
                            result = complete(step, parent_type, value, path, grouped)
                            results[step.name] = result
                            if result.__class__ not in _SETTLED:
                                pending.append(step.name)
                            continue
                field_path = Path(path, step.name, parent_type.name)
                result = self.execute_field(
                    parent_type, source_value, step.fields, field_path, position_context
                )
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
        return _filled(results, pending)

    def _subfields(self, step: _Step) -> GroupedFieldSet | None:
        """The step's sub-selection (graphql-core's memo); None when graphql-core must
        complete the field: @defer splits it, or collecting it fails (graphql-core then
        reports that failure as its own)."""
        if step.grouped is None:
            try:
                grouped, defer_usages, _ = self.collect_subfields(step.object_type, step.fields)
            except GraphQLError:  # e.g. a bad @skip/@include argument: graphql-core's to say
                return None
            if defer_usages:
                return None
            step.grouped = grouped
        return step.grouped

    def _object(
        self,
        step: _Step,
        parent_type: GraphQLObjectType,
        value: Any,
        path: Path | None,
        grouped: GroupedFieldSet,
    ) -> Any:
        """What `execute_field` then `complete_value` do for a present plain object."""
        field_path = Path(path, step.name, parent_type.name)
        try:
            completed = self.execute_fields(step.object_type, value, field_path, grouped, None)
        except Exception as error:
            self.handle_field_error(error, step.type, step.fields, field_path)
            return None
        if isinstance(completed, dict):
            return completed
        return self._awaited(completed, step.type, step.fields, field_path)

    async def _awaited(
        self, completed: Awaitable[Any], type_: Any, fields: FieldDetailsList, path: Path
    ) -> Any:
        """`completed` awaited; an error handled as graphql-core does for a `type_` value
        at `path` (nulled there, or raised on to the nearest nullable parent)."""
        try:
            return await completed
        except Exception as error:
            self.handle_field_error(error, type_, fields, path)
            return None

    def _objects(
        self,
        step: _Step,
        parent_type: GraphQLObjectType,
        items: Any,
        path: Path | None,
        grouped: GroupedFieldSet,
    ) -> Any:
        """What `execute_field` then `complete_list_value` do for a list of plain objects
        (each one checked to be exactly of the type's class before anything runs)."""
        field_path = Path(path, step.name, parent_type.name)
        item_type = step.item_type
        object_type = step.object_type
        completed: list[Any] = []
        waiting: list[int] = []
        try:
            try:
                for index, item in enumerate(items):
                    item_path = Path(field_path, index, None)
                    try:
                        done = self.execute_fields(object_type, item, item_path, grouped, None)
                    except Exception as error:
                        self.handle_field_error(error, item_type, step.fields, item_path)
                        done = None
                    if done is not None and not isinstance(done, dict):
                        done = self._awaited(done, item_type, step.fields, item_path)
                        waiting.append(index)
                    completed.append(done)
            except Exception:
                if waiting:
                    self.settle_in_background([completed[index] for index in waiting])
                raise
        except Exception as error:
            self.handle_field_error(error, step.type, step.fields, field_path)
            return None
        if not waiting:
            return completed
        return self._awaited(_filled(completed, waiting), step.type, step.fields, field_path)


async def _filled(results: Any, pending: list[Any]) -> Any:
    """`results` (a dict by response name, or a list by index) with its `pending` slots
    replaced by what they await, awaited together as graphql-core does."""
    if len(pending) == 1:
        results[pending[0]] = await results[pending[0]]
    else:
        awaited = await gather_with_cancel(*(results[slot] for slot in pending))
        for slot, value in zip(pending, awaited, strict=True):
            results[slot] = value
    return results
