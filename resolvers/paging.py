"""Paging, the one home: page sizes (offset lists and cursor connections), cursors, and
Relay's PageInfo.

A cursor is the position of an item in a newest-first listing, (created_at, id),
wrapped in base64 so clients treat it as opaque and never build one themselves.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

import strawberry
from beanie import PydanticObjectId
from bson.errors import InvalidId

from kit.cursors import EPOCH, VERSION, millis
from kit.cursors import encode_cursor as encode_cursor  # the listings' cursors: made there
from resolvers.errors import BadUserInput

PAGE_DEFAULT = 20
PAGE_MAX = 50

# Far longer than any cursor we issue; refuses junk before decoding it.
_CURSOR_MAX_LENGTH = 100


@strawberry.type(name="PageInfo", description="Where a page sits in a connection (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(name="hasNextPage")
    end_cursor: str | None = strawberry.field(
        name="endCursor", description="Pass as `after` to get the next page; null when empty."
    )
    has_previous_page: bool = strawberry.field(
        name="hasPreviousPage",
        description="Always false: these connections page forward only (Relay allows it).",
    )
    start_cursor: str | None = strawberry.field(name="startCursor")


def page_info_of(cursors: list[str], has_next: bool) -> PageInfo:
    """The page info of a forward-only page whose edges carry `cursors`, in order."""
    return PageInfo(
        has_next_page=has_next,
        end_cursor=cursors[-1] if cursors else None,
        has_previous_page=False,
        start_cursor=cursors[0] if cursors else None,
    )


class Edge(Protocol):
    """What every connection's edge type has: its cursor."""

    @property
    def cursor(self) -> str: ...


EdgeT = TypeVar("EdgeT", bound=Edge)
ConnectionT = TypeVar("ConnectionT")


def connection(
    kind: Callable[..., ConnectionT], edges: Sequence[EdgeT], has_next: bool
) -> ConnectionT:
    """The one connection builder: a page of `edges` (in order, each with its cursor) as
    the connection type `kind` (`edges` and `pageInfo`), for any node.

    The Strawberry types stay declared per node (`VideoConnection`, `UserEdge`, ...):
    a generic type would rename them in the schema the app was written against. The
    repositories fetch `first + 1` rows and say `has_next`; `page_size` and the
    `decode_…cursor` functions above read `first` and `after`.
    """
    return kind(edges=list(edges), page_info=page_info_of([e.cursor for e in edges], has_next))


def offset_page(
    limit: int | None, offset: int | None, *, default: int, maximum: int
) -> tuple[int, int]:
    """(limit, offset) for an offset list (the seed's fields); null means the default."""
    limit = default if limit is None else limit
    offset = 0 if offset is None else offset
    if not 1 <= limit <= maximum:
        raise BadUserInput("limit", f"must be between 1 and {maximum}")
    if offset < 0:
        raise BadUserInput("offset", "must be 0 or more")
    return limit, offset


def page_size(first: int | None, field: str = "first") -> int:
    """The page size asked for (null means the default), refused outside 1..PAGE_MAX."""
    size = PAGE_DEFAULT if first is None else first
    if not 1 <= size <= PAGE_MAX:
        raise BadUserInput(field, f"must be between 1 and {PAGE_MAX}")
    return size


def decode_cursor(
    cursor: str | None, field: str = "after"
) -> tuple[datetime, PydanticObjectId] | None:
    """The (created_at, id) key a cursor stands for; None for no cursor (the first page)."""
    if cursor is None:
        return None
    try:
        if len(cursor) > _CURSOR_MAX_LENGTH:
            raise ValueError("too long")
        version, at, item_id = base64.urlsafe_b64decode(cursor).decode().split(":")
        if version != VERSION:
            raise ValueError("unknown cursor version")
        return EPOCH + timedelta(milliseconds=int(at)), PydanticObjectId(item_id)
    except (ValueError, binascii.Error, OverflowError, InvalidId) as error:
        raise BadUserInput(field, "is not a cursor this API issued") from error


# The logbook's sessions are ordered by day first: their cursors carry the day too.
_DAY_VERSION = "d1"


def encode_day_cursor(day: datetime, created_at: datetime, item_id: PydanticObjectId) -> str:
    raw = f"{_DAY_VERSION}:{millis(day)}:{millis(created_at)}:{item_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_day_cursor(
    cursor: str | None, field: str = "after"
) -> tuple[datetime, datetime, PydanticObjectId] | None:
    """The (date, created_at, id) key a session cursor stands for; None for no cursor."""
    if cursor is None:
        return None
    try:
        if len(cursor) > _CURSOR_MAX_LENGTH:
            raise ValueError("too long")
        version, day, created, item_id = base64.urlsafe_b64decode(cursor).decode().split(":")
        if version != _DAY_VERSION:
            raise ValueError("unknown cursor version")
        return (
            EPOCH + timedelta(milliseconds=int(day)),
            EPOCH + timedelta(milliseconds=int(created)),
            PydanticObjectId(item_id),
        )
    except (ValueError, binascii.Error, OverflowError, InvalidId) as error:
        raise BadUserInput(field, "is not a cursor this API issued") from error


# A ladder is ordered by points (descending), then user id: its cursors carry both.
_LADDER_VERSION = "l1"


def encode_ladder_cursor(points: int, user_id: PydanticObjectId) -> str:
    raw = f"{_LADDER_VERSION}:{points}:{user_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_ladder_cursor(
    cursor: str | None, field: str = "after"
) -> tuple[int, PydanticObjectId] | None:
    """The (points, user id) key a ladder cursor stands for; None for no cursor."""
    if cursor is None:
        return None
    try:
        if len(cursor) > _CURSOR_MAX_LENGTH:
            raise ValueError("too long")
        version, points, user_id = base64.urlsafe_b64decode(cursor).decode().split(":")
        if version != _LADDER_VERSION:
            raise ValueError("unknown cursor version")
        return int(points), PydanticObjectId(user_id)
    except (ValueError, binascii.Error, InvalidId) as error:
        raise BadUserInput(field, "is not a cursor this API issued") from error


# A video's comments are ordered by thread (models.comment): their cursors carry it too.
_COMMENT_VERSION = "c1"
_COMMENT_CURSOR_MAX_LENGTH = 160  # two ids and two times: longer than the others


def encode_comment_cursor(
    key: tuple[datetime, PydanticObjectId, int, datetime, PydanticObjectId],
) -> str:
    thread_at, thread_id, depth, created_at, item_id = key
    times = (millis(thread_at), millis(created_at))
    raw = f"{_COMMENT_VERSION}:{times[0]}:{thread_id}:{depth}:{times[1]}:{item_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_comment_cursor(
    cursor: str | None, field: str = "after"
) -> tuple[datetime, PydanticObjectId, int, datetime, PydanticObjectId] | None:
    """The thread-order key a comment cursor stands for; None for no cursor."""
    if cursor is None:
        return None
    try:
        if len(cursor) > _COMMENT_CURSOR_MAX_LENGTH:
            raise ValueError("too long")
        parts = base64.urlsafe_b64decode(cursor).decode().split(":")
        version, thread_at, thread_id, depth, created, item_id = parts
        if version != _COMMENT_VERSION or depth not in ("0", "1"):
            raise ValueError("unknown cursor version")
        return (
            EPOCH + timedelta(milliseconds=int(thread_at)),
            PydanticObjectId(thread_id),
            int(depth),
            EPOCH + timedelta(milliseconds=int(created)),
            PydanticObjectId(item_id),
        )
    except (ValueError, binascii.Error, OverflowError, InvalidId) as error:
        raise BadUserInput(field, "is not a cursor this API issued") from error
