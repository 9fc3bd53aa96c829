"""Which fields of a schema are plain, and how to complete them (see `fast_executor`).

A plain field is a Strawberry "basic field" (an attribute: no resolver, no field
extension, no permission class, no exception handler) whose type is a scalar or enum, an
object type without an `is_type_of` check, or a list of such objects (each nullable or
not). What the schema says of each field is worked out once per schema and kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLBoolean,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
)

SLOW, LEAF, OBJECT, OBJECTS = 0, 1, 2, 3


class PlainField(NamedTuple):
    """What the schema says of one field, worked out once per schema."""

    kind: int
    attribute: str = ""
    nullable: bool = True
    coerce: Callable[[Any], Any] | None = None  # LEAF
    object_type: Any = None  # GraphQLObjectType, for OBJECT and OBJECTS
    origin: type | None = None  # its Python class
    accepted: frozenset[type] = frozenset()  # LEAF: the value classes completed inline
    # LEAF, without calling `coerce`: a value exactly of class `same` is its own output
    # (an int only within GraphQL's 32 bits); an enum member's output is `names[member]`.
    # What graphql-core's built-in scalars and Strawberry's enums answer for those, worked
    # out here once instead of in a call per field.
    same: type | None = None
    enum: type | None = None
    names: Mapping[Any, str] | None = None
    # OBJECT, OBJECTS: the field's GraphQL type and, for a list, its items' (nullable or
    # not), which graphql-core's error handling needs to know where a null stops.
    type: Any = None
    item_type: Any = None


SLOW_FIELD = PlainField(SLOW)
_ANALYSED: WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], PlainField]] = WeakKeyDictionary()


# graphql-core's built-in scalars whose serializer hands a value of this exact class back
# as it is (`serialize_string`, `serialize_id`, `serialize_boolean`; `serialize_int` an
# int between GRAPHQL_MIN_INT and GRAPHQL_MAX_INT, which the executor checks).
_SAME = ((GraphQLString, str), (GraphQLID, str), (GraphQLBoolean, bool), (GraphQLInt, int))


def _enum_names(named: GraphQLLeafType, enum_class: type) -> dict[Any, str] | None:
    """Each member of a Strawberry enum and the name the type serializes it to (its
    `coerce_output_value`, asked once per member); None if one cannot be asked."""
    try:
        return {member: named.coerce_output_value(member) for member in enum_class}  # type: ignore[attr-defined]
    except Exception:  # an enum the type does not serialize: every value goes its way
        return None


def _plain_object(type_: GraphQLOutputType) -> tuple[GraphQLObjectType, type] | None:
    """The object type and its Python class, when completing it needs no type check."""
    if not isinstance(type_, GraphQLObjectType) or type_.is_type_of is not None:
        return None
    origin = getattr(type_.extensions.get("strawberry-definition"), "origin", None)
    return (type_, origin) if isinstance(origin, type) else None


def _analyse(schema: GraphQLSchema, parent_type: GraphQLObjectType, name: str) -> PlainField:
    field_def = schema.get_field(parent_type, name)
    if field_def is None:
        return SLOW_FIELD
    definition = field_def.extensions.get("strawberry-definition")
    # Strawberry's own "basic field": no resolver, no field extension (permission classes
    # are one), no exception handler, resolved by `_get_basic_result`. (Its other
    # wrappers are marked `_is_default` too, but run the permissions and extensions.)
    resolve = field_def.resolve
    if (
        not getattr(definition, "is_basic_field", False)
        or getattr(resolve, "__name__", None) != "_get_basic_result"
        or not getattr(resolve, "_is_default", False)
    ):
        return SLOW_FIELD
    attribute = getattr(definition, "python_name", None)
    # Strawberry's default resolver reads the attribute, unless the schema's config
    # swapped it for another (then that one must run).
    if (
        not isinstance(attribute, str)
        or getattr(definition, "default_resolver", None) is not getattr
    ):
        return SLOW_FIELD
    type_ = field_def.type
    nullable = not isinstance(type_, GraphQLNonNull)
    named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(named, GraphQLLeafType):
        return _leaf(named, attribute, nullable)
    if (plain := _plain_object(named)) is not None:
        return PlainField(
            OBJECT, attribute, nullable, object_type=plain[0], origin=plain[1], type=type_
        )
    if isinstance(named, GraphQLList):
        item = named.of_type
        plain = _plain_object(item.of_type if isinstance(item, GraphQLNonNull) else item)
        if plain is not None:
            return PlainField(
                OBJECTS, attribute, nullable, object_type=plain[0], origin=plain[1],
                type=type_, item_type=item,
            )  # fmt: skip
    return SLOW_FIELD


def _leaf(named: GraphQLLeafType, attribute: str, nullable: bool) -> PlainField:
    # Values of these classes are completed inline; anything else (an exception, an
    # awaitable, a value for a custom scalar) goes through graphql-core.
    accepted = {str, int, float, bool}
    enum_class = getattr(named, "wrapped_cls", None)  # Strawberry's enums
    names = None
    if isinstance(enum_class, type):
        accepted.add(enum_class)
        names = _enum_names(named, enum_class)
    return PlainField(
        LEAF, attribute, nullable, coerce=named.coerce_output_value,
        accepted=frozenset(accepted), same=next((c for t, c in _SAME if named is t), None),
        enum=enum_class if names else None, names=names,
    )  # fmt: skip


def analysed(schema: GraphQLSchema) -> dict[tuple[str, str], PlainField]:
    """What is known so far of `schema`'s fields, by (type name, field name): an execution
    reads it once, then looks its fields up without a call each."""
    known = _ANALYSED.get(schema)
    if known is None:
        known = _ANALYSED[schema] = {}
    return known


def plain_field(schema: GraphQLSchema, parent_type: GraphQLObjectType, name: str) -> PlainField:
    """What the schema says of the field `name` of `parent_type`; SLOW_FIELD if not plain."""
    known = analysed(schema)
    key = (parent_type.name, name)
    found = known.get(key)
    if found is None:
        found = known[key] = _analyse(schema, parent_type, name)
    return found
