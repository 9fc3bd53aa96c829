"""A push killed for real (SIGKILL of the process applying it) leaves all or nothing, as
every pull sees it; the climber's next pull finishes it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
from typing import Any

import pytest

import workflows.logbook_sync
from api.settings import Settings
from kit.clock import utcnow
from tests.support.client import Account, Api
from tests.support.deploy_files import ROOT
from tests.support.logbook import create_session
from tests.support.sync import Device, pull, server_logbook

CROIX_COUNT = 5


async def _push_then_kill(
    settings: Settings, where: str, account: Account, changes: Any, last: float
) -> None:
    """Run the push in a process of its own, stopped at `where`, and SIGKILL it there."""
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "MONGODB_URL": str(settings.mongodb_url),
        "MONGODB_DB": settings.mongodb_db,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.push_then_die", where, account.id, repr(last),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env, cwd=ROOT,
    )  # fmt: skip
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(json.dumps(changes).encode())
    await process.stdin.drain()
    process.stdin.close()
    line = await asyncio.wait_for(process.stdout.readline(), timeout=120)
    if line != b"PAUSED\n":
        _, errors = await process.communicate()
        raise AssertionError((line, errors.decode()[-3000:]))
    process.kill()
    assert await process.wait() == -9


async def _offline_session(api: Api, account: Account) -> tuple[Device, str, list[str]]:
    phone = Device(api, account)
    await phone.synchronize()
    session = phone.create("sessions", date="2025-03-14", gym_id=None, feeling=4, notes=None)
    croix = [
        phone.create(
            "croix",
            session_id=session,
            photo_url="",
            color="blue",
            grade=grade,
            status="TOP",
            notes=None,
        )
        for grade in ("5", "5+", "6A", "6A+", "6B")[:CROIX_COUNT]
    ]
    return phone, session, croix


def _later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    moved = utcnow() + dt.timedelta(seconds=seconds)
    monkeypatch.setattr(workflows.logbook_sync, "utcnow", lambda: moved)


async def test_a_push_killed_mid_apply_shows_nothing_then_everything(
    api: Api, db: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    climber = await api.signup()
    tablet = Device(api, climber)
    await tablet.synchronize()
    phone, session, croix = await _offline_session(api, climber)

    await _push_then_kill(
        settings, "mid_apply", climber, phone.local_changes(), phone.last_pulled_at or 0
    )
    # The kill came in the middle: part of the push is in the collection...
    stored = await db.sessions.find_one({"client_id": session})
    assert stored is not None
    assert len(stored["croix"]) == 2
    assert (await db.logbook_pushes.find_one({}))["state"] == "pending"
    # ...and no pull sees any of it, first pulls included.
    await tablet.pull()
    assert tablet.records("sessions") == {}
    assert tablet.records("croix") == {}
    assert (await server_logbook(api, climber))["sessions"] == {}

    # Once the dead applier's claim lapsed, the next pull finishes the push: all of it.
    _later(monkeypatch, workflows.logbook_sync.CLAIM_FOR.total_seconds() + 1)
    await tablet.pull()
    assert set(tablet.records("sessions")) == {session}
    assert set(tablet.records("croix")) == set(croix)
    stored = await db.sessions.find_one({"client_id": session})
    assert len(stored["croix"]) == CROIX_COUNT  # nothing twice
    assert (await db.logbook_pushes.find_one({}))["state"] == "done"
    assert (await db.logbook_clocks.find_one({}))["open"] == 0  # the dead lease was ended

    # The phone never got its answer: it syncs again, and nothing is doubled.
    await phone.synchronize()
    assert phone.records("croix") == tablet.records("croix")
    stored = await db.sessions.find_one({"client_id": session})
    assert len(stored["croix"]) == CROIX_COUNT


async def test_a_push_killed_before_its_record_leaves_nothing(
    api: Api, db: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    climber = await api.signup()
    phone, session, croix = await _offline_session(api, climber)
    await _push_then_kill(
        settings, "before_record", climber, phone.local_changes(), phone.last_pulled_at or 0
    )
    assert await db.sessions.count_documents({}) == 0
    assert (await db.logbook_pushes.find_one({}))["planned"] is False
    _later(monkeypatch, workflows.logbook_sync.CLAIM_FOR.total_seconds() + 1)
    answer = await pull(api, climber, None)
    assert answer["changes"]["sessions"]["created"] == []
    assert await db.sessions.count_documents({}) == 0
    assert await db.logbook_pushes.count_documents({}) == 0  # dropped: nothing to finish

    await phone.synchronize()  # the app retries: now it all goes
    logbook = await server_logbook(api, climber)
    assert set(logbook["sessions"]) == {session}
    assert set(logbook["croix"]) == set(croix)


async def test_a_lease_left_by_a_killed_classic_write_holds_pulls_back_never_loses(
    api: Api, db: Any, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    climber = await api.signup()
    tablet = Device(api, climber)
    await tablet.synchronize()
    await _push_then_kill(settings, "classic_write", climber, {}, 0)
    assert await db.sessions.count_documents({}) == 1  # written, its lease never ended
    await create_session(api, climber, "2025-03-02")  # a write after it, which ends

    await tablet.pull()  # the clock cannot settle past the dead lease: nothing yet
    assert tablet.records("sessions") == {}

    # No lease began for STALE_LEASE: the dead one is closed, and both writes show.
    _later(monkeypatch, workflows.logbook_sync.STALE_LEASE.total_seconds() + 1)
    await tablet.pull()
    assert sorted(row["date"] for row in tablet.records("sessions").values()) == [
        "2025-03-01", "2025-03-02",
    ]  # fmt: skip
