"""The logbook by cursor: `mySessionsPage` and `myCroixPage`, Relay connections that stay
stable while the climber logs (the offset lists `mySessions` / `myCroix` stay for the
seed's app)."""

from __future__ import annotations

import strawberry

from resolvers.context import Info
from resolvers.logbook_types import Croix, Session
from resolvers.paging import (
    PAGE_DEFAULT,
    PAGE_MAX,
    PageInfo,
    connection,
    decode_cursor,
    decode_day_cursor,
    encode_cursor,
    encode_day_cursor,
    page_size,
)


@strawberry.type(name="SessionEdge")
class SessionEdge:
    cursor: str
    node: Session


@strawberry.type(
    name="SessionConnection",
    description="A page of the caller's sessions, the most recent day first (Relay).",
)
class SessionConnection:
    edges: list[SessionEdge]
    page_info: PageInfo = strawberry.field(name="pageInfo")


@strawberry.type(name="CroixEdge")
class CroixEdge:
    cursor: str
    node: Croix


@strawberry.type(
    name="CroixConnection", description="A page of the caller's croix, newest first (Relay)."
)
class CroixConnection:
    edges: list[CroixEdge]
    page_info: PageInfo = strawberry.field(name="pageInfo")


@strawberry.type
class LogbookPageQuery:
    @strawberry.field(
        name="mySessionsPage",
        description=f"The caller's sessions as mySessions orders them, by cursor: pages "
        f"neither skip nor repeat sessions while the climber logs. `first` 1 to {PAGE_MAX} "
        f"(default {PAGE_DEFAULT}); pass the last `endCursor` as `after`.",
    )
    async def my_sessions_page(
        self, info: Info, first: int | None = PAGE_DEFAULT, after: str | None = None
    ) -> SessionConnection:
        viewer = info.context.require_viewer()
        size = page_size(first)
        found, has_next = await info.context.repos.sessions.page_for_user(
            viewer, first=size, after=decode_day_cursor(after)
        )
        edges = [
            SessionEdge(
                cursor=encode_day_cursor(doc.date, doc.created_at, doc.id),  # type: ignore[arg-type]
                node=Session.from_document(doc),
            )
            for doc in found
        ]
        return connection(SessionConnection, edges, has_next)

    @strawberry.field(
        name="myCroixPage",
        description=f"The caller's croix, newest first, by cursor: pages neither skip nor "
        f"repeat croix while the climber logs. `first` 1 to {PAGE_MAX} (default "
        f"{PAGE_DEFAULT}); pass the last `endCursor` as `after`.",
    )
    async def my_croix_page(
        self, info: Info, first: int | None = PAGE_DEFAULT, after: str | None = None
    ) -> CroixConnection:
        viewer = info.context.require_viewer()
        size = page_size(first)
        found, has_next = await info.context.repos.sessions.croix_page(
            viewer, first=size, after=decode_cursor(after)
        )
        edges = [
            CroixEdge(
                cursor=encode_cursor(item.entry.created_at, item.entry.id),
                node=Croix.from_entry(item.session_id, item.entry),
            )
            for item in found
        ]
        return connection(CroixConnection, edges, has_next)
