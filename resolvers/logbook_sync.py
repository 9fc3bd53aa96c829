"""The logbook's sync, WatermelonDB's protocol over GraphQL: `logbookChanges` (pull) and
`pushLogbookChanges` (push). The protocol itself lives in workflows.logbook_sync; here
its answers become GraphQL types and its refusals `extensions.code`s.
"""

from __future__ import annotations

from typing import cast

import strawberry
from strawberry.scalars import JSON

from resolvers.context import Info
from resolvers.errors import ApiError
from rules.logbook_sync import InvalidRecord
from workflows.logbook_sync import SyncConflict


class BadRecord(ApiError):
    """BAD_USER_INPUT for one pushed record: which table, which id, which field."""

    code = "BAD_USER_INPUT"

    def __init__(self, error: InvalidRecord) -> None:
        super().__init__(
            f"{error.table} {error.record_id}: {error.field}: {error.message}",
            field=error.field,
            table=error.table,
            id=error.record_id,
        )


class SyncConflictError(ApiError):
    """The push named records another device changed since this one's last pull."""

    code = "SYNC_CONFLICT"

    def __init__(self, error: SyncConflict) -> None:
        super().__init__(
            error.message,
            conflicts=[{"table": table, "id": record_id} for table, record_id in error.conflicts],
        )


@strawberry.type(description="The caller's logbook changes since a pull, in WatermelonDB's shape.")
class LogbookChanges:
    changes: JSON = strawberry.field(
        description="{sessions, croix, gyms}: each {created, updated, deleted}; records as "
        "raw rows (`id`, fields by name, dates YYYY-MM-DD, created_at / updated_at in "
        "milliseconds since the epoch), `deleted` as ids."
    )
    timestamp: float = strawberry.field(
        description="Send it back as last_pulled_at: the next pull shows what came after."
    )
    reset: bool = strawberry.field(
        description="True: the last pull is older than deletions are remembered; `changes` "
        "holds the whole logbook as created, and the app drops the synced records it has "
        "that are not in it."
    )


@strawberry.type
class LogbookSyncQuery:
    @strawberry.field(
        name="logbookChanges",
        description="Pull: the caller's logbook changes after last_pulled_at (null: the "
        "whole logbook).",
    )
    async def logbook_changes(
        self, info: Info, last_pulled_at: float | None = None, schema_version: int = 1
    ) -> LogbookChanges:
        viewer = info.context.require_viewer()
        pulled = await info.context.logbook_sync.pull(viewer, last_pulled_at, schema_version)
        return LogbookChanges(
            changes=cast(JSON, pulled.changes),
            timestamp=float(pulled.timestamp),
            reset=pulled.reset,
        )


@strawberry.type
class LogbookSyncMutation:
    @strawberry.mutation(
        name="pushLogbookChanges",
        description="Push: what the app created, updated and deleted offline, applied all "
        "or nothing. SYNC_CONFLICT (with the ids) when a record changed on the server after "
        "last_pulled_at: pull, then push again. At most 1,000 records.",
    )
    async def push_logbook_changes(self, info: Info, changes: JSON, last_pulled_at: float) -> bool:
        viewer = info.context.require_viewer()
        try:
            await info.context.logbook_sync.push(viewer, changes, last_pulled_at)
        except InvalidRecord as error:
            raise BadRecord(error) from None
        except SyncConflict as error:
            raise SyncConflictError(error) from None
        return True
