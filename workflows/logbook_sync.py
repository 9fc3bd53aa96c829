"""The logbook's sync with offline devices, WatermelonDB's protocol: pulls and pushes.

**Pull** (`pull`): the climber's changes after `last_pulled_at`, per table, and the
`timestamp` to send next time. Every logbook write holds a lease on the climber's clock
and stamps what it changes (models.logbook_clock); a pull reads the clock's settled seq
*before* reading the data, shows only the changes stamped up to it and hands it back as
`timestamp`. A write under way while the pull reads has a larger stamp, so the next pull
shows it: nothing committed during a pull is lost between two pulls, and a push (one
lease) is seen whole or not at all. Deletions come from tombstones (models.tombstone),
kept SYNC_TOMBSTONE_DAYS; a device whose last pull is older gets the whole logbook again
with `reset`.

**Push** (`push`), all or nothing:
1. it opens its journal document (models.logbook_push): one pending push per climber, so
   two devices pushing at once go one after the other and the second is checked against
   the first (a conflict, not a lost update); a push finding the slot taken waits a
   little, then answers SYNC_CONFLICT (pull, push again);
2. the change set is checked whole without writing (rules.logbook_sync, then what needs
   the database, workflows.logbook_push_plan: ownership, conflicts, gyms, photos,
   session sizes); any fault refuses the whole push and drops the journal;
3. its writes, resolved (ObjectIds chosen), are written into the journal before any is
   applied: the commit point;
4. they are applied under one clock lease, each idempotent, then the journal is done.
A process killed during 4 leaves the journal pending and its lease open: pulls keep
showing none of the push (the clock stays settled before it) until the next pull or push
of the climber, once the dead applier's claim lapsed, applies the journal again under a
lease of its own and ends the dead one. MongoDB transactions would do this in one step on
a replica set (SecantusDB and Atlas have them; models.follow uses them when present), but
a standalone mongod has none, and 1,000 records make a long transaction: the journal
works on both and survives a crash without a server-side timeout deciding.

A replay of a push already recorded (same change set and `last_pulled_at`: a lost answer)
changes nothing. A record changed on the server after `last_pulled_at` (or deleted
there) refuses the push as a conflict; the client pulls and pushes again.

Ids: a record keeps the id the phone gave it, stored as its `client_id` next to an
ObjectId `_id` (every other reader of `sessions` keeps working, the unique
(user_id, client_id) index keeps creates single); records made without one are known
by their ObjectId as a string (models.climb_session.sync_id).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId

from kit.clock import utcnow, utcnow_ms
from models.climb_session import ClimbSession, CroixEntry, sync_id
from models.logbook_clock import Stamp, millis
from models.logbook_push import DONE, LogbookPushDocument
from models.registry import Repositories
from models.statuses import SENDS
from rules.logbook_sync import CROIX, GYMS, SESSIONS, parse_push
from storage.service import MediaStorage
from workflows.account_deletion import EXTRA_STEPS, Batch, Step, Target
from workflows.croix_log import CroixLog, Logged
from workflows.errors import InvalidInput
from workflows.logbook_push_plan import PushPlanner, SyncConflict

__all__ = ["LogbookSync", "Pulled", "SyncConflict"]

# Who applies a push holds it this long; past it (the applier died) the climber's next
# pull or push takes over.
CLAIM_FOR = dt.timedelta(seconds=60)
# No write lasts this long: a lease open longer, with no push journal to end it, was
# left by a dead process and is closed.
STALE_LEASE = dt.timedelta(minutes=2)
# A push waits this long, at most, for the climber's push before it (another device's).
BUSY_ATTEMPTS, BUSY_WAIT = 40, dt.timedelta(milliseconds=50)
# A push done is remembered this long: a replay within it changes nothing.
KEEP_DONE_PUSHES = dt.timedelta(days=7)
SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Pulled:
    changes: dict[str, dict[str, list[Any]]]
    timestamp: int
    reset: bool


def _table() -> dict[str, list[Any]]:
    return {"created": [], "updated": [], "deleted": []}


def _day(instant: dt.datetime) -> str:
    return instant.date().isoformat()


def _session_row(session: ClimbSession) -> dict[str, Any]:
    return {
        "id": sync_id(session.client_id, session.id),
        "date": _day(session.date),
        "gym_id": None if session.gym_id is None else str(session.gym_id),
        "feeling": session.feeling,
        "notes": session.notes,
        "created_at": millis(session.created_at),
        "updated_at": millis(session.updated_at or session.created_at),
    }


def _croix_row(session_sync_id: str, entry: CroixEntry) -> dict[str, Any]:
    return {
        "id": entry.sync_id,
        "session_id": session_sync_id,
        "photo_url": entry.photo_url,
        "color": entry.color,
        "grade": entry.grade,
        "status": entry.status,
        "notes": entry.notes,
        "created_at": millis(entry.created_at),
        "updated_at": millis(entry.updated_at or entry.created_at),
    }


def fingerprint(user_id: PydanticObjectId, changes: object, last_pulled_at: float) -> str:
    """The same push sent again (the phone never got the answer) has the same key."""
    canonical = json.dumps(
        [str(user_id), last_pulled_at, changes], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class LogbookSync:
    def __init__(self, repos: Repositories, storage: MediaStorage) -> None:
        self.repos = repos
        self.storage = storage
        self.croix_log = CroixLog(repos)
        self.planner = PushPlanner(repos, storage)

    # --- pull -----------------------------------------------------------------------

    async def pull(
        self, user_id: PydanticObjectId, last_pulled_at: float | None, schema_version: int
    ) -> Pulled:
        if schema_version < 1:
            raise InvalidInput("schema_version", "must be 1 or more")
        if last_pulled_at is not None and not (
            math.isfinite(last_pulled_at) and last_pulled_at >= 0
        ):
            raise InvalidInput("last_pulled_at", "must be a timestamp a pull returned, or null")
        now = utcnow()
        waiting = await self.finish_pending(user_id, now)
        settled = await self.repos.logbook_clock.settle(
            user_id, now=now, stale_after=STALE_LEASE, repair=not waiting
        )
        horizon = millis(now - self.repos.tombstones.keep)
        # Older than deletions are kept, or later than any pull answered (forged, or a
        # restored database): the whole logbook again.
        reset = last_pulled_at is not None and not horizon <= last_pulled_at <= settled
        after = None if last_pulled_at is None or reset else math.floor(last_pulled_at)
        changes = {name: _table() for name in (SESSIONS, CROIX, GYMS)}
        sessions = await self.repos.logbook_changes.sessions_changed(user_id, after)
        low = -1 if after is None else after  # unstamped records (older than sync) are 0

        def shown(seq: int | None) -> bool:
            return low < (seq or 0) <= settled

        def kind(created_at: dt.datetime) -> str:
            return "created" if after is None or millis(created_at) > after else "updated"

        gym_ids: set[PydanticObjectId] = set()
        for session in sessions:
            session_sync_id = sync_id(session.client_id, session.id)
            if shown(session.change_seq):
                changes[SESSIONS][kind(session.created_at)].append(_session_row(session))
                if session.gym_id is not None:
                    gym_ids.add(session.gym_id)
            for entry in session.croix:
                if shown(entry.change_seq):
                    changes[CROIX][kind(entry.created_at)].append(
                        _croix_row(session_sync_id, entry)
                    )
        if after is not None:
            for table, record_id in await self.repos.tombstones.between(user_id, after, settled):
                changes[table]["deleted"].append(record_id)
            _drop_deleted(changes)
        gyms = await self.repos.gyms.get_many(sorted(gym_ids))
        changes[GYMS]["created" if after is None else "updated"] = [
            {"id": str(gym.id), "name": gym.name, "location": gym.location} for gym in gyms
        ]
        return Pulled(changes, settled, reset)

    async def finish_pending(self, user_id: PydanticObjectId, now: dt.datetime) -> bool:
        """Apply the user's pushes whose applier died; whether some are still waiting
        (their applier's claim has not lapsed yet)."""
        waiting = False
        pushes = self.repos.logbook_pushes
        for push in await pushes.pending(user_id):
            assert push.id is not None
            if not await pushes.claim(push.id, now=now, claim_for=CLAIM_FOR):
                waiting = True
            elif push.planned:
                await self._apply(push, dead_leases=push.leases)
            else:  # its checker died before writing anything: nothing to finish
                await pushes.abandon(push.id)
        return waiting

    # --- push -----------------------------------------------------------------------

    async def push(self, user_id: PydanticObjectId, changes: object, last_pulled_at: float) -> None:
        if not (math.isfinite(last_pulled_at) and last_pulled_at >= 0):
            raise InvalidInput("last_pulled_at", "must be the timestamp of your last pull")
        pushed = parse_push(changes)
        # Conflicts are changes stamped after `last_pulled_at`: a value later than any
        # pull answered would hide them all and overwrite them.
        if last_pulled_at > await self.repos.logbook_clock.latest(user_id):
            raise SyncConflict([], "last_pulled_at is later than any pull of this logbook")
        key = fingerprint(user_id, changes, last_pulled_at)
        pushes = self.repos.logbook_pushes
        record = None
        for _ in range(BUSY_ATTEMPTS):
            now = utcnow()
            earlier = await pushes.find(user_id, key)
            if earlier is not None and earlier.planned:
                # A replay: what it recorded is applied, or will be (a dead applier's).
                if earlier.state != DONE:
                    await self.finish_pending(user_id, now)
                return
            await self.finish_pending(user_id, now)  # what dead appliers left comes first
            record = await pushes.open(user_id, key, now=now, claim_for=CLAIM_FOR)
            if record is not None:
                break
            await asyncio.sleep(BUSY_WAIT.total_seconds())  # another push is being applied
        if record is None or record.id is None:
            raise SyncConflict([], "another push of this logbook is being applied")
        planned = False
        try:
            # Checked while holding the user's one push slot: against every push before.
            ops = await self.planner.plan(user_id, pushed, last_pulled_at)
            if ops:  # else nothing to write (e.g. deletions of records never had)
                await pushes.plan(record.id, ops)
                planned = True
        finally:
            if not planned:
                await pushes.abandon(record.id)
        if not planned:
            return
        record.ops, record.planned = ops, True
        await self._apply(record, dead_leases=[])

    # --- applying a recorded push -------------------------------------------------------

    async def _apply(self, push: LogbookPushDocument, dead_leases: Iterable[int]) -> None:
        """Apply every write of `push` under one lease of its own; end the leases of
        appliers that died (after taking its own: the clock never settles in between).

        A failure part-way (an error, a cancelled request) leaves the lease held, as a
        crash does: pulls keep showing none of the push until it is taken over and
        finished, never a part of it."""
        assert push.id is not None
        pushes, clock, user_id = self.repos.logbook_pushes, self.repos.logbook_clock, push.user_id
        at = utcnow_ms()
        seq = await clock.begin(user_id, at)
        await pushes.hold(push.id, seq)
        for dead in dead_leases:
            if await pushes.release(push.id, dead):
                await clock.end(user_id)
        skipped, sends = await self._write(push, Stamp(seq, at))
        if await pushes.release(push.id, seq):
            await clock.end(user_id)
        await pushes.finish(push.id, skipped, now=utcnow(), keep=KEEP_DONE_PUSHES)
        for logged in sends:  # as createCroix does: a send closes the projects it tops
            await self.croix_log.close_projects(user_id, logged)

    async def _write(
        self, push: LogbookPushDocument, stamp: Stamp
    ) -> tuple[list[str], list[Logged]]:
        changes, sessions, user_id = self.repos.logbook_changes, self.repos.sessions, push.user_id
        skipped: list[str] = []
        sends: list[Logged] = []
        for op in push.ops:
            kind, oid = op["op"], PydanticObjectId(op["id"])
            if kind == "session":
                if not await changes.put_session(
                    user_id, oid, op["client_id"], op["fields"], stamp
                ):
                    skipped.append(f"session {oid}: client id taken")
            elif kind == "croix":
                entry = CroixEntry(id=oid, client_id=op["client_id"], **op["fields"])
                session_oid = PydanticObjectId(op["session"])
                if await changes.put_croix(user_id, session_oid, entry, op["fields"], stamp):
                    if entry.status in SENDS:
                        sends.append(Logged(session_oid, entry))
                else:
                    skipped.append(f"croix {oid}: its session is gone or full")
            elif kind == "delete_croix":
                await sessions.delete_croix_stamped(oid, user_id, stamp)
            elif kind == "delete_session":
                await sessions.delete_stamped(oid, user_id, stamp)
        return skipped, sends


def _erasure(repos: Repositories) -> Step:
    """An erased account's sync bookkeeping goes with its sessions (its tombstones would
    otherwise outlive it by SYNC_TOMBSTONE_DAYS, its pushes hold its notes)."""

    async def erase(target: Target, limit: int, after: Any) -> Batch:
        user_id = target.user_id
        gone = await repos.logbook_pushes.delete_for(user_id)
        gone += await repos.tombstones.delete_for(user_id)
        return Batch(gone + await repos.logbook_clock.forget(user_id))

    return Step("logbook_sync", erase)


EXTRA_STEPS.append(_erasure)


def _drop_deleted(changes: dict[str, dict[str, list[Any]]]) -> None:
    """A record whose tombstone is in the answer is not also shown as created or updated
    (a deletion cut short between its tombstone and its removal)."""
    for table in changes.values():
        gone = set(table["deleted"])
        if gone:
            for kind in ("created", "updated"):
                table[kind] = [row for row in table[kind] if row["id"] not in gone]
