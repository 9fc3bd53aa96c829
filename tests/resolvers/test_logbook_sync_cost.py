"""What a pull costs: round trips to MongoDB for a 3,000-croix logbook and for an
incremental pull of ten changes (each query on an index: the suite's audit)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bson import ObjectId

from tests.support.client import Api, upload_media
from tests.support.logbook import CREATE_CROIX, UPDATE_CROIX
from tests.support.sync import pull
from tests.support.videos import CommandLog

SESSIONS, CROIX_EACH = 60, 50


async def _big_logbook(db: Any, user_id: str) -> list[ObjectId]:
    """60 sessions of 50 croix, as stored before sync existed (no stamps)."""
    owner, session_ids = ObjectId(user_id), []
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for n in range(SESSIONS):
        session_id = ObjectId()
        session_ids.append(session_id)
        croix = [
            {"id": ObjectId(), "photo_url": "", "color": "blue", "grade": "6A", "status": "TOP",
             "notes": f"croix {n}-{k}", "created_at": start, "client_id": None, "sent": None}
            for k in range(CROIX_EACH)
        ]  # fmt: skip
        await db.sessions.insert_one({
            "_id": session_id, "user_id": owner, "date": start + dt.timedelta(days=n),
            "gym_id": None, "feeling": 3, "notes": None, "croix": croix, "auto_created": False,
            "client_id": None, "created_at": start,
        })  # fmt: skip
    return session_ids


def _round_trips(commands: CommandLog) -> list[tuple[str, str]]:
    """The pull's commands (the request's sign-in check on `users` aside)."""
    sent = [(e.command_name, str(e.command.get(e.command_name))) for e in commands.sent]
    return [(name, collection) for name, collection in sent if collection != "users"]


async def test_a_3000_croix_pull_and_an_incremental_pull_of_ten_changes(
    commands: CommandLog, api: Api, db: Any
) -> None:
    climber = await api.signup()
    session_ids = await _big_logbook(db, climber.id)

    commands.start()
    first = await pull(api, climber, None)
    commands.stop()
    assert len(first["changes"]["croix"]["created"]) == SESSIONS * CROIX_EACH
    assert len(first["changes"]["sessions"]["created"]) == SESSIONS
    # The pending pushes, the clock, the sessions (one cursor, no getMore).
    assert _round_trips(commands) == [
        ("find", "logbook_pushes"), ("findAndModify", "logbook_clocks"), ("find", "sessions"),
    ]  # fmt: skip

    photo = await upload_media(api, climber, "PHOTO")
    croix_ids = [c["id"] for c in first["changes"]["croix"]["created"][:5]]
    for croix_id in croix_ids:
        await api.data(UPDATE_CROIX, {"id": croix_id, "grade": "7A"}, climber.token)
    for n in range(5):
        variables = {"photo_url": photo, "color": "red", "grade": "5", "status": "TOP",
                     "session_id": str(session_ids[-1 - n])}  # fmt: skip
        await api.data(CREATE_CROIX, variables, climber.token)

    commands.start()
    later = await pull(api, climber, first["timestamp"])
    commands.stop()
    croix = later["changes"]["croix"]
    assert sorted(row["id"] for row in croix["updated"] if row["grade"] == "7A") == sorted(
        croix_ids
    )
    assert len(croix["created"]) == 5
    assert len(croix["updated"]) == 5
    assert later["changes"]["sessions"] == {"created": [], "updated": [], "deleted": []}
    # The pending pushes, the clock, the changed sessions, the tombstones.
    assert _round_trips(commands) == [
        ("find", "logbook_pushes"), ("findAndModify", "logbook_clocks"), ("find", "sessions"),
        ("find", "logbook_tombstones"),
    ]  # fmt: skip
