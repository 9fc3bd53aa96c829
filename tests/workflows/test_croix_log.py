"""workflows.croix_log below the GraphQL layer: idempotent logging, ownership, and the
projects a send closes."""

from __future__ import annotations

import asyncio

import pytest
from beanie import PydanticObjectId

from kit.clock import midnight_utc, today_utc
from models.climb_session import ClimbSession, CroixEntry
from models.registry import Repositories
from models.statuses import PROJECT, TOP
from workflows.croix_log import CroixLog
from workflows.errors import Missing, Refused


def _croix(status: str = TOP, client_id: str | None = None) -> CroixEntry:
    return CroixEntry(
        photo_url="https://media.example/p.jpg", color="red", grade="6a", status=status,
        client_id=client_id,
    )  # fmt: skip


async def _session_at_gym(repos: Repositories, user: PydanticObjectId) -> PydanticObjectId:
    gym = await repos.gyms.create(
        name="Arkose", name_normalized="arkose", location=None, created_by=user
    )
    session = await repos.sessions.create(
        ClimbSession(user_id=user, date=midnight_utc(today_utc()), gym_id=gym.id)
    )
    assert session.id is not None
    return session.id


async def test_concurrent_retries_with_one_client_id_log_one_croix(repos: Repositories) -> None:
    user = PydanticObjectId()
    log = CroixLog(repos)
    day = today_utc()
    logged = await asyncio.gather(
        *(log.log(user, _croix(client_id="phone-1"), session_id=None, day=day) for _ in range(5))
    )
    assert len({item.entry.id for item in logged}) == 1
    sessions = await repos.sessions.list_for_user(user, limit=10, offset=0)
    assert sum(len(s.croix) for s in sessions) == 1


async def test_another_climbers_session_is_refused_and_an_unknown_one_missing(
    repos: Repositories,
) -> None:
    owner, other = PydanticObjectId(), PydanticObjectId()
    session = await _session_at_gym(repos, owner)
    log = CroixLog(repos)
    with pytest.raises(Refused):
        await log.log(other, _croix(), session_id=session, day=today_utc())
    with pytest.raises(Missing):
        await log.log(owner, _croix(), session_id=PydanticObjectId(), day=today_utc())


async def test_a_send_at_the_gym_closes_the_open_project(repos: Repositories) -> None:
    user = PydanticObjectId()
    session = await _session_at_gym(repos, user)
    log = CroixLog(repos)
    attempt = await log.log(user, _croix(PROJECT), session_id=session, day=today_utc())
    assert (await repos.projects.attempt(attempt.entry.id)).entry.sent is None  # type: ignore[union-attr]
    send = await log.log(user, _croix(TOP), session_id=session, day=today_utc())
    closed = await repos.projects.attempt(attempt.entry.id)
    assert closed is not None
    assert closed.entry.sent is not None
    assert closed.entry.sent.croix_id == send.entry.id
