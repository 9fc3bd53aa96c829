"""Checking a sync push whole before anything is written, and resolving it into the
writes its journal records (see workflows.logbook_sync): the records it names, by the
ids devices know them by; other climbers' ids refused; conflicts with what changed on the
server after the device's last pull; every rule of the classic mutations (gyms, photos,
the size of a session); ObjectIds chosen for what it creates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from beanie import PydanticObjectId
from bson import ObjectId
from bson.errors import InvalidId

from kit.clock import midnight_utc
from models.climb_session import MAX_CROIX_PER_SESSION, ClimbSession, CroixEntry, sync_id
from models.registry import Repositories
from rules.logbook_sync import (
    CROIX,
    SESSIONS,
    CroixRow,
    InvalidRecord,
    PushedChanges,
    SessionRow,
)
from storage.errors import MediaRejected
from storage.kinds import MediaKind
from storage.service import MediaStorage
from workflows.errors import WorkflowError


class SyncConflict(WorkflowError):
    """Records of the push changed on the server after the device's last pull."""

    def __init__(self, conflicts: list[tuple[str, str]], why: str | None = None) -> None:
        plural = "s" if len(conflicts) > 1 else ""
        why = why or f"{len(conflicts)} record{plural} changed on the server since your last pull"
        super().__init__(f"{why}: pull, then push again")
        self.conflicts = conflicts


def _object_id(raw: str) -> PydanticObjectId | None:
    """The ObjectId a sync id spells, if it spells one (records made without client id)."""
    if len(raw) != 24:
        return None
    try:
        return PydanticObjectId(ObjectId(raw))
    except InvalidId:
        return None


def _object_ids(names: Iterable[str]) -> list[PydanticObjectId]:
    return sorted({oid for name in names if (oid := _object_id(name)) is not None})


def _session_seqs(session: ClimbSession) -> list[int | None]:
    """The stamps of a session's own fields and of its croix: deleting it deletes them."""
    return [session.change_seq, *(entry.change_seq for entry in session.croix)]


@dataclass(slots=True)
class _Known:
    """The user's records a push names, by every id they may be named by."""

    sessions: dict[str, ClimbSession] = field(default_factory=dict)
    croix: dict[str, tuple[PydanticObjectId, CroixEntry]] = field(default_factory=dict)


class PushPlanner:
    def __init__(self, repos: Repositories, storage: MediaStorage) -> None:
        self.repos = repos
        self.storage = storage

    async def plan(
        self, user_id: PydanticObjectId, pushed: PushedChanges, last_pulled_at: float
    ) -> list[dict[str, Any]]:
        """The push's writes, resolved and checked; raises before anything is written."""
        known = await self._known(user_id, pushed)
        await self._refuse_foreign(user_id, pushed, known)
        await self._refuse_conflicts(user_id, pushed, known, last_pulled_at)
        ops: list[dict[str, Any]] = []
        session_ids: dict[str, PydanticObjectId] = {
            name: session.id for name, session in known.sessions.items() if session.id is not None
        }
        gyms = await self._gyms(pushed.sessions)
        for row in pushed.sessions:
            existing = known.sessions.get(row.id)
            oid = existing.id if existing is not None else PydanticObjectId()
            assert oid is not None
            session_ids[row.id] = oid
            ops.append({
                "op": "session", "id": oid,
                "client_id": existing.client_id if existing is not None else row.id,
                "fields": {"date": midnight_utc(row.day), "gym_id": gyms[row.gym_id],
                           "feeling": row.feeling, "notes": row.notes},
            })  # fmt: skip
        deleted_sessions = {session_ids[name] for name in pushed.deleted_sessions
                            if name in known.sessions}  # fmt: skip
        sizes = {session.id: len(session.croix) for session in known.sessions.values()}
        for name in pushed.deleted_croix:
            if name in known.croix:
                sizes[known.croix[name][0]] = sizes.get(known.croix[name][0], 0) - 1
        for croix_row in pushed.croix:
            ops.append(await self._croix_op(user_id, croix_row, known, session_ids,
                                            deleted_sessions, sizes))  # fmt: skip
        ops += [{"op": "delete_croix", "id": known.croix[name][1].id}
                for name in pushed.deleted_croix if name in known.croix]  # fmt: skip
        ops += [{"op": "delete_session", "id": oid} for oid in sorted(deleted_sessions)]
        return ops

    async def _known(self, user_id: PydanticObjectId, pushed: PushedChanges) -> _Known:
        session_names = {row.id for row in pushed.sessions} | set(pushed.deleted_sessions)
        session_names |= {row.session_id for row in pushed.croix}
        croix_names = {row.id for row in pushed.croix} | set(pushed.deleted_croix)
        changes = self.repos.logbook_changes
        known = _Known()
        for session in await changes.sessions_named(
            user_id, sorted(session_names), _object_ids(session_names)
        ):
            for name in {sync_id(session.client_id, session.id), str(session.id)}:
                known.sessions[name] = session
        for logged in await changes.croix_named(
            user_id, sorted(croix_names), _object_ids(croix_names)
        ):
            for name in {logged.entry.sync_id, str(logged.entry.id)}:
                known.croix[name] = (logged.session_id, logged.entry)
        return known

    async def _refuse_foreign(
        self, user_id: PydanticObjectId, pushed: PushedChanges, known: _Known
    ) -> None:
        """Ids of another climber's records are refused, never taken as new ids."""
        changes = self.repos.logbook_changes
        named = [(row.id, "id") for row in pushed.sessions]
        named += [(name, "id") for name in pushed.deleted_sessions]
        named += [(row.session_id, "session_id") for row in pushed.croix]
        unknown = {n: f for n, f in named if n not in known.sessions and _object_id(n)}
        foreign = await changes.foreign_sessions(user_id, _object_ids(unknown))
        for name, name_field in unknown.items():
            if _object_id(name) in foreign:
                table = CROIX if name_field == "session_id" else SESSIONS
                record = next((r.id for r in pushed.croix if r.session_id == name), name)
                raise InvalidRecord(table, record, name_field, "belongs to another climber")
        croix_names = [row.id for row in pushed.croix] + pushed.deleted_croix
        unknown_croix = [n for n in croix_names if n not in known.croix and _object_id(n)]
        foreign_croix = await changes.foreign_croix(user_id, _object_ids(unknown_croix))
        for name in unknown_croix:
            if _object_id(name) in foreign_croix:
                raise InvalidRecord(CROIX, name, "id", "belongs to another climber")

    async def _refuse_conflicts(
        self,
        user_id: PydanticObjectId,
        pushed: PushedChanges,
        known: _Known,
        last_pulled_at: float,
    ) -> None:
        conflicts: list[tuple[str, str]] = []
        tombstones = self.repos.tombstones
        upserted_sessions = [row.id for row in pushed.sessions]
        upserted_croix = [row.id for row in pushed.croix]
        buried_sessions = await tombstones.among(user_id, SESSIONS, upserted_sessions)
        buried_croix = await tombstones.among(user_id, CROIX, upserted_croix)
        deleted = set(pushed.deleted_sessions)
        for name in [*upserted_sessions, *pushed.deleted_sessions]:
            session = known.sessions.get(name)
            # Deleting a session deletes its croix: a croix changed there counts too.
            seqs = [] if session is None else (
                _session_seqs(session) if name in deleted else [session.change_seq]
            )  # fmt: skip
            if name in buried_sessions or any((seq or 0) > last_pulled_at for seq in seqs):
                conflicts.append((SESSIONS, name))
        for name in [*upserted_croix, *pushed.deleted_croix]:
            found = known.croix.get(name)
            if name in buried_croix or (
                found is not None and (found[1].change_seq or 0) > last_pulled_at
            ):
                conflicts.append((CROIX, name))
        if conflicts:
            raise SyncConflict(conflicts)

    async def _gyms(self, rows: list[SessionRow]) -> dict[str | None, PydanticObjectId | None]:
        """The gyms the sessions name, each checked to exist."""
        named = {row.gym_id for row in rows if row.gym_id is not None}
        ids = {name: _object_id(name) for name in named}
        found = {gym.id for gym in await self.repos.gyms.get_many(
            sorted(oid for oid in ids.values() if oid is not None))}  # fmt: skip
        for row in rows:
            if row.gym_id is not None and ids[row.gym_id] not in found:
                raise InvalidRecord(SESSIONS, row.id, "gym_id", "no gym with this id")
        return {None: None, **{name: oid for name, oid in ids.items()}}

    async def _croix_op(
        self,
        user_id: PydanticObjectId,
        row: CroixRow,
        known: _Known,
        session_ids: dict[str, PydanticObjectId],
        deleted_sessions: set[PydanticObjectId],
        sizes: dict[PydanticObjectId | None, int],
    ) -> dict[str, Any]:
        session_oid = session_ids.get(row.session_id)
        if session_oid is None:
            raise InvalidRecord(CROIX, row.id, "session_id", "no session with this id")
        if session_oid in deleted_sessions:
            raise InvalidRecord(CROIX, row.id, "session_id", "its session is deleted by this push")
        existing = known.croix.get(row.id)
        if existing is not None and existing[0] != session_oid:
            raise InvalidRecord(CROIX, row.id, "session_id", "a croix cannot move to another "
                                "session: delete it and log a new one")  # fmt: skip
        if existing is None:
            sizes[session_oid] = sizes.get(session_oid, 0) + 1
            if sizes[session_oid] > MAX_CROIX_PER_SESSION:
                full = f"a session holds at most {MAX_CROIX_PER_SESSION} croix"
                raise InvalidRecord(CROIX, row.id, "session_id", full)
        photo = row.photo_url
        if photo and (existing is None or existing[1].photo_url != photo):
            try:
                photo = await self.storage.verify_media_url(
                    photo, kind=MediaKind.PHOTO, owner_id=str(user_id), field="photo_url"
                )
            except MediaRejected as error:
                raise InvalidRecord(CROIX, row.id, "photo_url", error.message) from None
        entry = existing[1] if existing is not None else None
        return {
            "op": "croix",
            "id": entry.id if entry is not None else PydanticObjectId(),
            "session": session_oid,
            "client_id": entry.client_id if entry is not None else row.id,
            "fields": {"photo_url": photo, "color": row.color, "grade": row.grade,
                       "status": row.status, "notes": row.notes},
        }  # fmt: skip
