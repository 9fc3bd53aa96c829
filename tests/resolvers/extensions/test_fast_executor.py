"""The fast executor completes plain fields itself: it must answer exactly as graphql-core.

Every document runs on two schemas built from the same types, one with Strawberry's
stock execution context and one with FastFieldsExecutionContext, and the whole results
(data, error messages, paths, locations) must be equal. The cases are the ones where a
shortcut could go wrong: nulls in non-null fields, exceptions stored as values, failed
coercions, errors bubbling through plain objects, async resolvers under plain objects,
aliases, repeated fields, fragments, skip/include, unknown fields.
"""

from __future__ import annotations

import asyncio
from enum import Enum, Flag
from typing import Any

import pytest
import strawberry
from hypothesis import given, settings
from hypothesis import strategies as st
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.permission import BasePermission
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionResult

from resolvers.extensions.fast_executor import FastFieldsExecutionContext


@strawberry.enum
class Grade(Enum):
    EASY = "easy"
    HARD = "hard"


@strawberry.type
class Author:
    id: strawberry.ID
    pseudo: str
    bio: str | None = None

    @strawberry.field
    async def shout(self) -> str:
        await asyncio.sleep(0)
        return self.pseudo.upper()

    @strawberry.field
    async def broken(self) -> str:
        await asyncio.sleep(0)
        raise ValueError("async resolver failed")

    @strawberry.field
    def greet(self, name: str) -> str:
        return f"{self.pseudo} greets {name}"


@strawberry.type
class Comment:
    text: str
    by: Author


class SpecialComment(Comment):
    """Not exactly a Comment: graphql-core completes it (its type check is its own)."""


@strawberry.type
class Clip:
    id: strawberry.ID
    title: str
    likes: int
    grade: Grade
    author: Author
    caption: str | None = None
    # Deliberately wrong values, as a bug elsewhere could leave them.
    bad_count: int = 0
    missing: str = "set"
    maybe_author: Author | None = None
    required_author: Author | None = strawberry.field(default=None, graphql_type=Author)
    comments: list[Comment] = strawberry.field(default_factory=list)
    loose_comments: list[Comment | None] | None = None


def _clips() -> list[Clip]:
    ann = Author(id=strawberry.ID("a1"), pseudo="ann")
    bob = Author(id=strawberry.ID("a2"), pseudo="bob", bio="crimps")
    ok = Clip(
        id=strawberry.ID("c1"), title="crux", likes=3, grade=Grade.HARD, author=ann,
        maybe_author=bob, required_author=bob,
    )  # fmt: skip
    broken = Clip(
        id=strawberry.ID("c2"), title="slab", likes=0, grade=Grade.EASY, author=bob,
        caption="first go",
    )  # fmt: skip
    ok.comments = [Comment(text="nice", by=bob), Comment(text="send it", by=ann)]
    ok.loose_comments = [Comment(text="a", by=ann), None, SpecialComment(text="b", by=bob)]
    broken.comments = (Comment(text="a tuple", by=ann),)  # type: ignore[assignment]
    broken.loose_comments = [Comment(text=None, by=ann), Comment(text="fine", by=bob)]  # type: ignore[arg-type]
    broken.bad_count = "many"  # type: ignore[assignment]  # a coercion error
    broken.missing = None  # type: ignore[assignment]  # null in a non-null field
    broken.title = ValueError("stored exception")  # type: ignore[assignment]
    return [ok, broken]


class _Deny(BasePermission):
    message = "not allowed"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


class _Upper(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs).upper()


@strawberry.type
class Guarded:
    """Fields that look plain but are not: Strawberry must run their checks."""

    public: str
    private: str = strawberry.field(permission_classes=[_Deny])
    shouty: str = strawberry.field(extensions=[_Upper()])
    blob: JSON | None = None


class _Raising:
    """A duck-typed source whose attribute raises (an ORM object, say)."""

    private = "x"
    shouty = "s"
    blob = None

    @property
    def public(self) -> str:  # a plain field: no check of Strawberry's runs before it
        raise RuntimeError("property failed")


@strawberry.type
class Query:
    @strawberry.field
    def clips(self) -> list[Clip]:
        return _clips()

    @strawberry.field
    def clip(self) -> Clip:
        return _clips()[0]

    @strawberry.field
    def broken_clip(self) -> Clip | None:
        return _clips()[1]

    @strawberry.field
    def failing_comments(self) -> Clip | None:
        clip = _clips()[0]
        clip.comments = [Comment(text="x", by=clip.author), Comment(text=None, by=clip.author)]  # type: ignore[arg-type]
        return clip

    @strawberry.field
    def guarded(self) -> Guarded | None:
        return Guarded(public="p", private="hidden", shouty="quiet")

    @strawberry.field(graphql_type=Guarded | None)  # type: ignore[untyped-decorator]
    def raising(self) -> Any:
        return _Raising()

    @strawberry.field
    def odd_values(self) -> Guarded | None:
        # A stored exception in a scalar that would accept it.
        return Guarded(public="p", private="x", shouty="q", blob=ValueError("stored"))  # type: ignore[arg-type]

    @strawberry.field
    async def later(self) -> Clip:
        await asyncio.sleep(0)
        return _clips()[0]


class _ResolveHook(SchemaExtension):
    """An extension wrapping every resolver: the fast path must step aside for it."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) and info.field_name == "pseudo" else value


class _Counting(FastFieldsExecutionContext):
    """Counts the fields handed to graphql-core's own `execute_field`."""

    slow_fields: list[str] = []

    def execute_field(self, parent_type: Any, source: Any, fields: Any, *rest: Any) -> Any:
        _Counting.slow_fields.append(f"{parent_type.name}.{fields[0].node.name.value}")
        return super().execute_field(parent_type, source, fields, *rest)


def _schemas(**options: Any) -> tuple[strawberry.Schema, strawberry.Schema]:
    config = StrawberryConfig(auto_camel_case=False)
    stock = strawberry.Schema(
        query=Query, config=config, execution_context_class=StrawberryGraphQLCoreExecutionContext,
        **options,
    )  # fmt: skip
    fast = strawberry.Schema(
        query=Query, config=config, execution_context_class=_Counting, **options
    )
    return stock, fast


def _plain(result: ExecutionResult) -> dict[str, Any]:  # Strawberry's result class
    return {
        "data": result.data,
        "errors": sorted(
            ((e.message, repr(e.path), repr(e.locations)) for e in result.errors or []),
        ),
    }


CLIP = "id likes grade caption author { id pseudo bio }"
DOCUMENTS = {
    "plain page": f"{{ clips {{ {CLIP} }} }}",
    "aliases and repeats": "{ clip { a: id b: id id id likes n: likes "
    "author { x: pseudo pseudo } } }",
    "null in a non-null leaf bubbles to the item": "{ clips { id missing } }",
    "stored exception": "{ clips { id title } }",
    "failed coercion": "{ clips { id bad_count } }",
    "nullable object absent": "{ clips { id maybe_author { pseudo } } }",
    "non-null object absent": "{ clips { id required_author { pseudo } } }",
    "error inside a plain object bubbles": "{ broken_clip { id author { id } missing } }",
    "async resolver under a plain object": "{ clips { author { pseudo shout } } }",
    "async error under a plain object": "{ clips { id author { pseudo broken } } }",
    "async root": f"{{ later {{ {CLIP} author {{ shout }} }} }}",
    "arguments": '{ clip { author { greet(name: "cleo") pseudo } } }',
    "fragments": "{ clips { ...C author { ...A } } } fragment C on Clip { id grade } "
    "fragment A on Author { pseudo }",
    "skip and include": "{ clips { id @skip(if: true) likes @include(if: true) "
    "title @include(if: false) grade } }",
    "typename": "{ clip { __typename id author { __typename pseudo } } }",
    "plain lists": "{ clips { id comments { text by { pseudo } } } }",
    "nullable list with null, subclassed and broken items": "{ clips { id "
    "loose_comments { text by { pseudo } } } }",
    "error in a non-null list item bubbles to the list": "{ failing_comments { id "
    "comments { text } } }",
    "a tuple and async errors in items": "{ broken_clip { id comments { text } "
    "loose_comments { by { broken } } } }",
    "async resolvers in list items": "{ clip { comments { text by { shout } } } }",
    "async errors in list items": "{ clip { comments { by { pseudo broken } } } }",
    "async root with lists": "{ later { comments { text by { shout pseudo } } } }",
    "a permission class on an attribute": "{ guarded { public private } }",
    "a field extension on an attribute": "{ guarded { public shouty } }",
    "an attribute that raises": "{ raising { blob public } }",
    "an exception in a permissive scalar": "{ odd_values { public blob } }",
}


@pytest.mark.parametrize("document", DOCUMENTS.values(), ids=DOCUMENTS.keys())
async def test_the_fast_path_answers_as_graphql_core(document: str) -> None:
    stock, fast = _schemas()
    expected = await stock.execute(document)
    assert _plain(await fast.execute(document)) == _plain(expected)


async def test_the_cases_above_do_reach_errors_and_data() -> None:
    """The comparison means something only if the cases produce what they are named for."""
    stock, _ = _schemas()
    errors = {
        name: (await stock.execute(document)).errors or [] for name, document in DOCUMENTS.items()
    }
    assert not errors["plain page"]
    for name in (
        "null in a non-null leaf bubbles to the item",
        "stored exception",
        "failed coercion",
        "non-null object absent",
        "error inside a plain object bubbles",
        "async error under a plain object",
        "nullable list with null, subclassed and broken items",
        "error in a non-null list item bubbles to the list",
        "a tuple and async errors in items",
        "async errors in list items",
        "a permission class on an attribute",
        "an attribute that raises",
        "an exception in a permissive scalar",
    ):
        assert errors[name], name


async def test_plain_fields_skip_graphql_core_and_the_rest_do_not() -> None:
    _, fast = _schemas()
    _Counting.slow_fields = []
    result = await fast.execute(f"{{ clips {{ {CLIP} }} }}")
    assert not result.errors
    # Only the root field (a resolver) went through graphql-core: every plain leaf and
    # plain object of both clips was completed inline.
    assert _Counting.slow_fields == ["Query.clips"]

    _Counting.slow_fields = []
    result = await fast.execute("{ clip { comments { text by { pseudo } } } }")
    assert not result.errors
    assert _Counting.slow_fields == ["Query.clip"]  # the list and its items: inline

    _Counting.slow_fields = []
    await fast.execute('{ clip { id author { greet(name: "cleo") shout } } }')
    assert sorted(_Counting.slow_fields) == ["Author.greet", "Author.shout", "Query.clip"]


async def test_a_resolve_hook_sees_every_field() -> None:
    stock, fast = _schemas(extensions=[_ResolveHook])
    document = f"{{ clips {{ {CLIP} }} }}"
    result = await fast.execute(document)
    assert _plain(result) == _plain(await stock.execute(document))
    assert result.data is not None
    assert result.data["clips"][0]["author"]["pseudo"] == "ANN"


def test_a_custom_default_resolver_is_respected() -> None:
    def from_mapping(source: Any, name: str) -> Any:
        return source[name] if isinstance(source, dict) else getattr(source, name)

    @strawberry.type
    class Spot:
        x: int

    @strawberry.type
    class MappingQuery:
        @strawberry.field(graphql_type=Spot)  # type: ignore[untyped-decorator]
        def spot(self) -> Any:
            return {"x": 7}

    schema = strawberry.Schema(
        query=MappingQuery,
        config=StrawberryConfig(default_resolver=from_mapping),
        execution_context_class=FastFieldsExecutionContext,
    )
    assert schema.execute_sync("{ spot { x } }").data == {"spot": {"x": 7}}


@strawberry.enum
class Access(Flag):
    """A Flag: its combinations are members its iteration leaves out."""

    READ = 1
    WRITE = 2


class _Text(str):
    """A str subclass: not exactly `str`, so not handed back as it is."""


@strawberry.type
class Leaves:
    """One field of each kind the fast path completes without calling its serializer
    (plain_fields.PlainField.same, .names), all nullable so one bad value nulls itself."""

    id: strawberry.ID | None = None
    name: str | None = None
    flag: bool | None = None
    count: int | None = None
    ratio: float | None = None
    grade: Grade | None = None
    access: Access | None = None


# Every class a leaf may meet, at the edges graphql-core's serializers draw.
_LEAF_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**31) - 2, max_value=-(2**31) + 1),
    st.integers(min_value=2**31 - 2, max_value=2**31 + 1),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.text(max_size=5).map(_Text),
    st.sampled_from(list(Grade)),
    st.sampled_from([member.value for member in Grade]),
    st.sampled_from([member.name for member in Grade]),
    st.sampled_from([Access.READ, Access.READ | Access.WRITE, Access(0)]),
)


def _leaves_schemas(rows: list[dict[str, Any]]) -> tuple[strawberry.Schema, strawberry.Schema]:
    @strawberry.type
    class LeavesQuery:
        @strawberry.field
        def leaves(self) -> list[Leaves]:
            made = []
            for row in rows:
                leaf = Leaves()
                for name, value in row.items():
                    setattr(leaf, name, value)  # any class, as a bug elsewhere could
                made.append(leaf)
            return made

    config = StrawberryConfig(auto_camel_case=False)
    stock = strawberry.Schema(
        query=LeavesQuery, config=config,
        execution_context_class=StrawberryGraphQLCoreExecutionContext,
    )  # fmt: skip
    fast = strawberry.Schema(
        query=LeavesQuery, config=config, execution_context_class=FastFieldsExecutionContext
    )
    return stock, fast


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {},
            optional=dict.fromkeys(
                ("id", "name", "flag", "count", "ratio", "grade", "access"), _LEAF_VALUES
            ),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_leaf_values_of_any_class_complete_as_graphql_core_does(rows: list[dict[str, Any]]) -> None:
    stock, fast = _leaves_schemas(rows)
    document = "{ leaves { id name flag count ratio grade access } }"
    assert _plain(fast.execute_sync(document)) == _plain(stock.execute_sync(document))
