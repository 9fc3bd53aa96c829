"""Sessions of the logbook: creating, listing, changing and deleting them."""

import asyncio
import datetime as dt
from typing import Any

import pytest
from bson import ObjectId

from tests.support.client import Api, code_of
from tests.support.logbook import (
    CREATE_SESSION,
    DELETE_SESSION,
    MY_SESSIONS,
    UPDATE_SESSION,
    create_gym,
    create_session,
)


def _day(offset_days: int = 0) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=offset_days)).isoformat()


async def test_a_session_is_stored_as_mongosh_shows_it_and_read_back(api: Api, db: Any) -> None:
    climber = await api.signup()
    gym_id = await create_gym(api, climber, "Arkose Montmartre", "Paris")
    session = await create_session(
        api, climber, "2025-03-14", gym_id=gym_id, feeling=4, notes="  good skin day "
    )
    assert session["date"] == "2025-03-14"
    assert session["feeling"] == 4
    assert session["notes"] == "good skin day"
    assert session["gym"] == {"id": gym_id, "name": "Arkose Montmartre", "location": "Paris"}
    assert session["croix"] == []

    stored = await db.sessions.find_one({"_id": ObjectId(session["id"])})
    assert stored["user_id"] == ObjectId(climber.id)
    assert stored["gym_id"] == ObjectId(gym_id)
    assert stored["date"].replace(tzinfo=dt.UTC) == dt.datetime(2025, 3, 14, tzinfo=dt.UTC)
    assert stored["croix"] == []


async def test_my_sessions_lists_only_mine_most_recent_day_first(api: Api) -> None:
    climber, other = await api.signup(), await api.signup()
    gyms = [await create_gym(api, climber, name) for name in ("Mroc", "Hardbloc")]
    for date, gym in (("2025-01-10", 0), ("2025-03-01", 1), ("2024-12-24", 0), ("2025-02-02", 1)):
        await create_session(api, climber, date, gym_id=gyms[gym])
    await create_session(api, other, "2025-02-15")

    data = await api.data(MY_SESSIONS, {}, climber.token)
    sessions = data["mySessions"]
    assert [s["date"] for s in sessions] == ["2025-03-01", "2025-02-02", "2025-01-10", "2024-12-24"]
    assert [s["gym"]["name"] for s in sessions] == ["Hardbloc", "Hardbloc", "Mroc", "Mroc"]

    page = await api.data(MY_SESSIONS, {"limit": 2, "offset": 1}, climber.token)
    assert [s["date"] for s in page["mySessions"]] == ["2025-02-02", "2025-01-10"]


async def test_the_seed_query_without_arguments_still_works(api: Api) -> None:
    climber = await api.signup()
    await create_session(api, climber, "2025-01-10")
    data = await api.data("{ mySessions { id date gym { name } croix { id } } }", {}, climber.token)
    assert [s["date"] for s in data["mySessions"]] == ["2025-01-10"]


async def test_the_logbook_needs_an_account(api: Api) -> None:
    error = await api.error(MY_SESSIONS, {})
    assert code_of(error) == "UNAUTHENTICATED"
    error = await api.error(CREATE_SESSION, {"date": "2025-01-10"})
    assert code_of(error) == "UNAUTHENTICATED"


async def test_a_session_may_be_dated_tomorrow_but_not_later(api: Api) -> None:
    climber = await api.signup()
    session = await create_session(api, climber, _day(1))
    assert session["date"] == _day(1)
    error = await api.error(CREATE_SESSION, {"date": _day(2)}, climber.token)
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "date"


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"date": "2025-13-01"}, "date"),
        ({"date": "2025-02-30"}, "date"),
        ({"date": "14/03/2025"}, "date"),
        ({"date": "2025-3-14"}, "date"),
        ({"date": "20250314"}, "date"),
        ({"date": "2025-03-14T10:00:00"}, "date"),
        ({"date": ""}, "date"),
        ({"date": "0024-03-14"}, "date"),
        ({"date": "2025-03-14", "feeling": 0}, "feeling"),
        ({"date": "2025-03-14", "feeling": 6}, "feeling"),
        ({"date": "2025-03-14", "notes": "x" * 2001}, "notes"),
        ({"date": "2025-03-14", "gym_id": "not-an-id"}, "gym_id"),
        ({"date": "2025-03-14", "gym_id": str(ObjectId())}, "gym_id"),
        ({"date": "2025-03-14", "client_id": "has spaces"}, "client_id"),
    ],
)
async def test_bad_session_input_names_the_field(
    api: Api, db: Any, variables: dict[str, Any], field: str
) -> None:
    climber = await api.signup()
    error = await api.error(CREATE_SESSION, variables, climber.token)
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert await db.sessions.count_documents({}) == 0


async def test_notes_of_exactly_two_thousand_characters_are_kept(api: Api) -> None:
    climber = await api.signup()
    session = await create_session(api, climber, "2025-03-14", notes="x" * 2000)
    assert session["notes"] == "x" * 2000


async def test_a_repeated_client_id_returns_the_first_session(api: Api, db: Any) -> None:
    climber, other = await api.signup(), await api.signup()
    first = await create_session(api, climber, "2025-03-14", feeling=3, client_id="phone-1")
    again = await create_session(api, climber, "2025-03-14", feeling=3, client_id="phone-1")
    assert again == first
    # Client ids belong to each climber: another one may reuse the same string.
    theirs = await create_session(api, other, "2025-03-14", client_id="phone-1")
    assert theirs["id"] != first["id"]
    assert await db.sessions.count_documents({"user_id": ObjectId(climber.id)}) == 1


async def test_concurrent_retries_with_one_client_id_make_one_session(api: Api, db: Any) -> None:
    climber = await api.signup()
    variables = {"date": "2025-03-14", "feeling": 5, "client_id": "0f8fad5b-d9cb-469f"}
    responses = await asyncio.gather(
        *(api.post(CREATE_SESSION, variables, climber.token) for _ in range(8))
    )
    bodies = [response.json() for response in responses]
    assert all(not body.get("errors") for body in bodies), bodies
    assert len({body["data"]["createSession"]["id"] for body in bodies}) == 1
    assert await db.sessions.count_documents({"user_id": ObjectId(climber.id)}) == 1


async def test_the_owner_updates_a_session_and_null_clears_a_field(api: Api) -> None:
    climber = await api.signup()
    gym_id = await create_gym(api, climber, "Mroc")
    session = await create_session(
        api, climber, "2025-03-14", gym_id=gym_id, feeling=2, notes="tired"
    )
    data = await api.data(
        UPDATE_SESSION,
        {"id": session["id"], "feeling": 5, "notes": None, "gym_id": None},
        climber.token,
    )
    updated = data["updateSession"]
    assert (updated["date"], updated["feeling"], updated["notes"]) == ("2025-03-14", 5, None)
    assert updated["gym"] is None

    # Omitted arguments are kept.
    data = await api.data(
        'mutation($id: ID!) { updateSession(id: $id, date: "2025-03-15") { date feeling } }',
        {"id": session["id"]},
        climber.token,
    )
    assert data["updateSession"] == {"date": "2025-03-15", "feeling": 5}


async def test_bad_updates_name_the_field_and_change_nothing(api: Api, db: Any) -> None:
    climber = await api.signup()
    session = await create_session(api, climber, "2025-03-14", feeling=2)
    before = await db.sessions.find_one({"_id": ObjectId(session["id"])})
    for variables, field in (({"date": "2025-02-31"}, "date"), ({"feeling": 9}, "feeling")):
        error = await api.error(UPDATE_SESSION, {"id": session["id"], **variables}, climber.token)
        assert code_of(error) == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == field
    assert await db.sessions.find_one({"_id": ObjectId(session["id"])}) == before


async def test_only_the_owner_changes_or_deletes_a_session(api: Api, db: Any) -> None:
    owner, intruder = await api.signup(), await api.signup()
    session = await create_session(api, owner, "2025-03-14", feeling=4)
    before = await db.sessions.find_one({"_id": ObjectId(session["id"])})

    error = await api.error(UPDATE_SESSION, {"id": session["id"], "feeling": 1}, intruder.token)
    assert code_of(error) == "FORBIDDEN"
    error = await api.error(DELETE_SESSION, {"id": session["id"]}, intruder.token)
    assert code_of(error) == "FORBIDDEN"
    assert await db.sessions.find_one({"_id": ObjectId(session["id"])}) == before

    data = await api.data(DELETE_SESSION, {"id": session["id"]}, owner.token)
    assert data["deleteSession"] is True
    assert await db.sessions.count_documents({}) == 0
    error = await api.error(DELETE_SESSION, {"id": session["id"]}, owner.token)
    assert code_of(error) == "NOT_FOUND"


async def test_unknown_or_malformed_session_ids(api: Api) -> None:
    climber = await api.signup()
    error = await api.error(UPDATE_SESSION, {"id": str(ObjectId()), "feeling": 3}, climber.token)
    assert code_of(error) == "NOT_FOUND"
    error = await api.error(DELETE_SESSION, {"id": "nope"}, climber.token)
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "id"
