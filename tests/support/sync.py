"""A device as WatermelonDB keeps it: local tables of raw rows with their sync status,
and `synchronize()` speaking the API's two sync fields the way the library does.

What it imitates of WatermelonDB (src/sync): rows carry `_status` (synced, created,
updated, deleted) and `_changed` (the columns changed locally); a pull applies remote
rows (a locally changed row keeps its changed columns over the server's: the default
conflict resolver), removes deleted ids, and stores `timestamp`; a push sends the local
changes with `last_pulled_at` and, once accepted, marks them synced. A SYNC_CONFLICT
fails the round; `synchronize` then pulls and pushes again, as an app retries.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from typing import Any

from tests.support.client import Account, Api

PULL = """
query Pull($last: Float, $version: Int) {
  logbookChanges(last_pulled_at: $last, schema_version: $version) { changes timestamp reset }
}
"""
PUSH = """
mutation Push($changes: JSON!, $last: Float!) {
  pushLogbookChanges(changes: $changes, last_pulled_at: $last)
}
"""
TABLES = ("sessions", "croix", "gyms")
_ALPHABET = string.ascii_letters + string.digits
# What the app's schema holds of each table (the server's columns).
COLUMNS = {
    "sessions": ("date", "gym_id", "feeling", "notes"),
    "croix": ("session_id", "photo_url", "color", "grade", "status", "notes"),
    "gyms": ("name", "location"),
}


def watermelon_id() -> str:
    """An id as WatermelonDB makes them: 16 random letters and digits."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(16))


class SyncConflictRaised(AssertionError):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class Device:
    api: Api
    account: Account
    tables: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {name: {} for name in TABLES}
    )
    last_pulled_at: float | None = None
    pushes: int = 0

    # --- the app, offline --------------------------------------------------------------

    def create(self, table: str, **values: Any) -> str:
        record_id = watermelon_id()
        self.tables[table][record_id] = {"id": record_id, **values, "_status": "created",
                                          "_changed": ""}  # fmt: skip
        return record_id

    def update(self, table: str, record_id: str, **values: Any) -> None:
        row = self.tables[table][record_id]
        row.update(values)
        if row["_status"] == "synced":
            row["_status"] = "updated"
        changed = set(filter(None, row["_changed"].split(",")))
        row["_changed"] = ",".join(sorted(changed | set(values)))

    def delete(self, table: str, record_id: str) -> None:
        """markAsDeleted; deleting a session deletes its croix, as the app does."""
        if table == "sessions":
            for croix_id, row in list(self.tables["croix"].items()):
                if row["session_id"] == record_id:
                    self.delete("croix", croix_id)
        row = self.tables[table][record_id]
        if row["_status"] == "created":
            del self.tables[table][record_id]
        else:
            row["_status"] = "deleted"

    def records(self, table: str) -> dict[str, dict[str, Any]]:
        """What the app shows: live rows, server columns only."""
        return {
            record_id: {column: row.get(column) for column in COLUMNS[table]}
            for record_id, row in self.tables[table].items()
            if row["_status"] != "deleted"
        }

    # --- synchronize() -----------------------------------------------------------------

    async def pull(self) -> dict[str, Any]:
        data = await self.api.data(PULL, {"last": self.last_pulled_at}, self.account.token)
        answer: dict[str, Any] = data["logbookChanges"]
        self.apply(answer["changes"], reset=answer["reset"])
        self.last_pulled_at = answer["timestamp"]
        return answer

    def apply(self, changes: dict[str, Any], *, reset: bool = False) -> None:
        for table, change in changes.items():
            local = self.tables[table]
            if reset:
                kept = {row["id"] for kind in ("created", "updated") for row in change[kind]}
                for record_id in [i for i, r in local.items() if r["_status"] == "synced"]:
                    if record_id not in kept:
                        del local[record_id]
            for row in [*change["created"], *change["updated"]]:
                mine = local.get(row["id"])
                if mine is None:
                    local[row["id"]] = {**row, "_status": "synced", "_changed": ""}
                elif mine["_status"] == "deleted":
                    continue  # deleted here: the push says so
                elif mine["_status"] in ("created", "updated"):
                    changed = set(filter(None, mine["_changed"].split(",")))
                    if mine["_status"] == "created":
                        changed = set(COLUMNS[table])
                    resolved = {**row, **{c: mine[c] for c in changed if c in mine}}
                    local[row["id"]] = {**resolved, "_status": "updated",
                                        "_changed": ",".join(sorted(changed))}  # fmt: skip
                else:
                    local[row["id"]] = {**row, "_status": "synced", "_changed": ""}
            for record_id in change["deleted"]:
                local.pop(record_id, None)

    def local_changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for table in ("sessions", "croix"):
            rows = self.tables[table].values()
            changes[table] = {
                "created": [dict(r) for r in rows if r["_status"] == "created"],
                "updated": [dict(r) for r in rows if r["_status"] == "updated"],
                "deleted": [r["id"] for r in rows if r["_status"] == "deleted"],
            }
        return changes

    def mark_synced(self, pushed: dict[str, Any]) -> None:
        for table, change in pushed.items():
            for row in [*change["created"], *change["updated"]]:
                self.tables[table][row["id"]].update(_status="synced", _changed="")
            for record_id in change["deleted"]:
                self.tables[table].pop(record_id, None)

    async def push(self) -> None:
        changes = self.local_changes()
        if not any(any(c.values()) for c in changes.values()):
            return
        assert self.last_pulled_at is not None
        body = await self.api.execute(
            PUSH, {"changes": changes, "last": self.last_pulled_at}, self.account.token
        )
        self.pushes += 1
        if body.get("errors"):
            error = body["errors"][0]
            if error["extensions"]["code"] == "SYNC_CONFLICT":
                raise SyncConflictRaised(error)
            raise AssertionError(body)
        assert body["data"]["pushLogbookChanges"] is True
        self.mark_synced(changes)

    async def synchronize(self, attempts: int = 3) -> None:
        """Pull then push; on a conflict, again (pull first), as the app retries."""
        for attempt in range(attempts):
            await self.pull()
            try:
                await self.push()
                return
            except SyncConflictRaised:
                if attempt + 1 == attempts:
                    raise


async def server_logbook(api: Api, account: Account) -> dict[str, dict[str, dict[str, Any]]]:
    """The whole logbook as a fresh device gets it (a first pull)."""
    fresh = Device(api, account)
    await fresh.pull()
    return {table: fresh.records(table) for table in TABLES}


async def push(api: Api, account: Account, changes: Any, last: float) -> dict[str, Any]:
    """A raw push: the whole response body."""
    return await api.execute(PUSH, {"changes": changes, "last": last}, account.token)


async def pull(api: Api, account: Account, last: float | None) -> dict[str, Any]:
    data = await api.data(PULL, {"last": last}, account.token)
    answer: dict[str, Any] = data["logbookChanges"]
    return answer
