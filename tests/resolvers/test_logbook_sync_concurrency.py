"""Pulls while writes are under way: a device pulling in a loop, from the timestamp each
pull returns, misses nothing and never sees half a push."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

import workflows.logbook_sync
from kit.clock import utcnow
from tests.support.client import Api, upload_media
from tests.support.logbook import (
    CREATE_CROIX,
    DELETE_CROIX,
    DELETE_SESSION,
    UPDATE_CROIX,
    create_session,
)
from tests.support.sync import Device, push, server_logbook, watermelon_id

PUSHES = 6
CROIX_PER_PUSH = 4
CLASSIC_CROIX = 24


def _pushed_session() -> tuple[str, dict[str, Any]]:
    session = watermelon_id()
    croix = [
        {
            "id": watermelon_id(),
            "session_id": session,
            "photo_url": "",
            "color": "red",
            "grade": "6A",
            "status": "TOP",
            "notes": f"{n}",
        }
        for n in range(CROIX_PER_PUSH)
    ]
    changes = {
        "sessions": {"created": [{"id": session, "date": "2025-03-14", "gym_id": None,
                                  "feeling": 3, "notes": None}], "updated": [], "deleted": []},
        "croix": {"created": croix, "updated": [], "deleted": []},
    }  # fmt: skip
    return session, changes


async def test_a_device_pulling_during_writes_misses_nothing_and_sees_pushes_whole(
    api: Api,
) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    day = await create_session(api, climber, "2025-03-13")
    watcher = Device(api, climber)
    await watcher.pull()
    writing = True
    pushed_sessions: list[str] = []
    half_seen: list[str] = []

    async def classic_writer(n: int) -> None:
        variables = {"photo_url": photo, "color": "blue", "grade": "5", "status": "TOP",
                     "session_id": day["id"], "notes": f"classic {n}"}  # fmt: skip
        body = (await api.post(CREATE_CROIX, variables, climber.token)).json()
        croix = body["data"]["createCroix"]
        if n % 3 == 0:
            await api.data(UPDATE_CROIX, {"id": croix["id"], "grade": "7A"}, climber.token)
        if n % 4 == 0:
            await api.data(DELETE_CROIX, {"id": croix["id"]}, climber.token)

    async def pusher() -> None:
        session, changes = _pushed_session()
        body = await push(api, climber, changes, 0)
        assert body["data"]["pushLogbookChanges"] is True, body
        pushed_sessions.append(session)

    async def watch() -> None:
        while writing:
            await watcher.pull()
            croix = watcher.records("croix")
            for session in watcher.records("sessions"):
                mine = [c for c in croix.values() if c["session_id"] == session]
                if session in pushed_sessions and len(mine) != CROIX_PER_PUSH:
                    half_seen.append(session)
            await asyncio.sleep(0)

    async def write_all() -> None:
        nonlocal writing
        try:
            await asyncio.gather(
                *(classic_writer(n) for n in range(CLASSIC_CROIX)),
                *(pusher() for _ in range(PUSHES)),
            )
        finally:
            writing = False

    await asyncio.gather(watch(), write_all())
    await watcher.pull()  # the writes are over: one more pull brings the last ones
    server = await server_logbook(api, climber)
    assert watcher.records("sessions") == server["sessions"]
    assert watcher.records("croix") == server["croix"]
    assert len(server["croix"]) == PUSHES * CROIX_PER_PUSH + CLASSIC_CROIX - CLASSIC_CROIX // 4
    assert set(pushed_sessions) <= set(server["sessions"])
    assert half_seen == []
    assert watcher.pushes == 0


async def test_a_device_last_pulled_before_the_horizon_gets_everything_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    climber = await api.signup()
    phone, tablet = Device(api, climber), Device(api, climber)
    await phone.synchronize()
    session = phone.create("sessions", date="2025-03-14", gym_id=None, feeling=4, notes=None)
    kept, gone = (
        phone.create(
            "croix",
            session_id=session,
            photo_url="",
            color="blue",
            grade=grade,
            status="TOP",
            notes=None,
        )
        for grade in ("5", "6A")
    )
    await phone.synchronize()
    await tablet.synchronize()
    phone.delete("croix", gone)
    await phone.synchronize()

    # 89 days on, the deletion is still remembered: an ordinary pull says it.
    moved = utcnow() + dt.timedelta(days=89)
    monkeypatch.setattr(workflows.logbook_sync, "utcnow", lambda: moved)
    stale = tablet.last_pulled_at
    answer = await tablet.pull()
    assert answer["reset"] is False
    assert answer["changes"]["croix"]["deleted"] == [gone]

    # 91 days on, a device that last pulled then is past the horizon: everything again,
    # flagged, and it drops what the answer does not hold.
    tablet.last_pulled_at = stale
    tablet.tables["croix"][gone] = {**tablet.tables["croix"][kept], "id": gone}  # as it was
    moved = utcnow() + dt.timedelta(days=91)
    monkeypatch.setattr(workflows.logbook_sync, "utcnow", lambda: moved)
    answer = await tablet.pull()
    assert answer["reset"] is True
    assert [row["id"] for row in answer["changes"]["croix"]["created"]] == [kept]
    assert answer["changes"]["croix"]["deleted"] == []
    assert set(tablet.records("croix")) == {kept}
    # The next pull is an ordinary one again.
    assert (await tablet.pull())["reset"] is False


async def test_two_devices_pushing_the_same_record_at_once_one_wins_one_conflicts(
    api: Api, db: Any
) -> None:
    climber = await api.signup()
    phone, tablet = Device(api, climber), Device(api, climber)
    await phone.synchronize()
    session = phone.create("sessions", date="2025-03-14", gym_id=None, feeling=3, notes=None)
    await phone.synchronize()
    for round_ in range(5):
        await phone.synchronize()
        await tablet.synchronize()
        await phone.pull()  # both have seen everything, their own pushes included
        await tablet.pull()
        phone.update("sessions", session, notes=f"phone {round_}")
        tablet.update("sessions", session, notes=f"tablet {round_}")
        bodies = await asyncio.gather(
            push(api, climber, phone.local_changes(), phone.last_pulled_at or 0),
            push(api, climber, tablet.local_changes(), tablet.last_pulled_at or 0),
        )
        codes = sorted(
            "ok" if not body.get("errors") else body["errors"][0]["extensions"]["code"]
            for body in bodies
        )
        assert codes == ["SYNC_CONFLICT", "ok"], bodies
        [refused] = [body for body in bodies if body.get("errors")]
        assert refused["errors"][0]["extensions"]["conflicts"] == [
            {"table": "sessions", "id": session}
        ]
        winner = phone if bodies[0] is not refused else tablet
        stored = await db.sessions.find_one({"client_id": session})
        assert stored["notes"] == f"{'phone' if winner is phone else 'tablet'} {round_}"
        winner.mark_synced(winner.local_changes())
    await phone.synchronize()
    await tablet.synchronize()
    await phone.synchronize()
    assert phone.records("sessions") == tablet.records("sessions")


async def test_a_double_tapped_delete_leaves_one_tombstone_and_no_server_error(
    api: Api, db: Any
) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    session = await create_session(api, climber, "2025-03-14")
    watcher = Device(api, climber)
    await watcher.pull()
    croix = [
        (await api.data(CREATE_CROIX, {"photo_url": photo, "color": "red", "grade": "5",
                                       "status": "TOP", "session_id": session["id"]},
                        climber.token))["createCroix"]["id"]
        for _ in range(3)
    ]  # fmt: skip
    await watcher.pull()
    taps = await asyncio.gather(
        *(api.post(DELETE_CROIX, {"id": croix[0]}, climber.token) for _ in range(6)),
        *(api.post(DELETE_SESSION, {"id": session["id"]}, climber.token) for _ in range(6)),
    )
    codes = [
        "ok" if not body.get("errors") else body["errors"][0]["extensions"]["code"]
        for body in (tap.json() for tap in taps)
    ]
    assert set(codes) <= {"ok", "NOT_FOUND"}, codes
    assert codes[6:].count("ok") == 1  # the session went once
    answer = await watcher.pull()
    assert sorted(answer["changes"]["croix"]["deleted"]) == sorted(croix)
    assert answer["changes"]["sessions"]["deleted"] == [session["id"]]
    assert await db.logbook_tombstones.count_documents({}) == 4
