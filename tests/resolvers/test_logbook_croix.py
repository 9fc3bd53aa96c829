"""Croix: logged sends embedded in their session, under concurrency and retries."""

import asyncio
import datetime as dt
from typing import Any

import pytest
from bson import ObjectId

from models import climb_session
from tests.support.client import Account, Api, code_of, is_copy_of, upload_media
from tests.support.logbook import (
    CREATE_CROIX,
    DELETE_CROIX,
    MY_CROIX,
    MY_SESSIONS,
    UPDATE_CROIX,
    UPDATE_SESSION,
    create_croix,
    create_session,
    croix_vars,
)


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


async def _concurrently(
    api: Api, account: Account, variables: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Send every createCroix at once; return each one's data, failing on any error."""
    responses = await asyncio.gather(*(api.post(CREATE_CROIX, v, account.token) for v in variables))
    bodies = [response.json() for response in responses]
    assert all(not body.get("errors") for body in bodies), bodies
    return [body["data"]["createCroix"] for body in bodies]


async def test_a_croix_is_embedded_in_its_session_as_mongosh_shows(api: Api, db: Any) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    session = await create_session(api, climber, "2025-03-14")
    croix = await create_croix(
        api, climber, photo, session_id=session["id"], color=" Gray", grade="7b +", notes=" crux "
    )
    assert croix["session_id"] == session["id"]
    assert is_copy_of(croix["photo_url"], photo)  # vouched for, then stored as a copy
    assert (croix["color"], croix["grade"]) == ("grey", "7B+")
    assert (croix["status"], croix["notes"]) == ("TOP", "crux")

    stored = await db.sessions.find_one({"_id": ObjectId(session["id"])})
    [embedded] = stored["croix"]
    assert embedded["id"] == ObjectId(croix["id"])
    assert embedded["photo_url"] == croix["photo_url"]
    assert (embedded["color"], embedded["grade"], embedded["status"]) == ("grey", "7B+", "TOP")
    assert isinstance(embedded["created_at"], dt.datetime)
    assert "croix" not in await db.list_collection_names()

    data = await api.data(MY_SESSIONS, {}, climber.token)
    assert data["mySessions"][0]["croix"] == [croix]


async def test_thirty_concurrent_croix_on_one_session_are_all_kept(api: Api, db: Any) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    session = await create_session(api, climber, "2025-03-14")
    created = await _concurrently(
        api,
        climber,
        [croix_vars(photo, session_id=session["id"], notes=f"n{i}") for i in range(30)],
    )
    assert len({c["id"] for c in created}) == 30
    stored = await db.sessions.find_one({"_id": ObjectId(session["id"])})
    assert sorted(c["notes"] for c in stored["croix"]) == sorted(f"n{i}" for i in range(30))


async def test_ten_concurrent_croix_without_session_open_one_session_for_today(
    api: Api, db: Any
) -> None:
    # Three climbers at once, ten requests each, all in flight together: more
    # interleavings for a lost race between "no session yet" and "open one" to show.
    climbers = [await api.signup() for _ in range(3)]
    photos = [await upload_media(api, climber, "PHOTO") for climber in climbers]
    before = _today()
    results = await asyncio.gather(
        *(
            _concurrently(api, climber, [croix_vars(photo) for _ in range(10)])
            for climber, photo in zip(climbers, photos, strict=True)
        )
    )
    for climber, created in zip(climbers, results, strict=True):
        assert len({c["session_id"] for c in created}) == 1
        [stored] = await db.sessions.find({"user_id": ObjectId(climber.id)}).to_list()
        assert len(stored["croix"]) == 10
        assert stored["date"].date().isoformat() in {before, _today()}
        data = await api.data(MY_SESSIONS, {}, climber.token)
        [session] = data["mySessions"]
        assert session["id"] == created[0]["session_id"]
        assert len(session["croix"]) == 10


async def test_without_session_a_croix_joins_the_session_already_logged_today(
    api: Api, db: Any
) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    await create_session(api, climber, "2024-01-01")
    today = await create_session(api, climber, _today(), feeling=4)
    croix = await create_croix(api, climber, photo)
    assert croix["session_id"] == today["id"]
    assert await db.sessions.count_documents({}) == 2


async def test_the_app_can_name_the_climbers_local_day(api: Api) -> None:
    # 20:00 in Montreal is already tomorrow in UTC: the phone sends its own date.
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    first = await create_croix(api, climber, photo, date=yesterday)
    second = await create_croix(api, climber, photo, date=yesterday)
    assert first["session_id"] == second["session_id"]
    sessions = (await api.data(MY_SESSIONS, {}, climber.token))["mySessions"]
    assert [(s["date"], len(s["croix"])) for s in sessions] == [(yesterday, 2)]

    for variables in (
        croix_vars(photo, date="2026-13-01"),
        croix_vars(photo, date="2999-01-01"),
        croix_vars(photo, date=yesterday, session_id=first["session_id"]),
    ):
        error = await api.error(CREATE_CROIX, variables, climber.token)
        assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "date")


async def test_moving_todays_session_to_another_day_lets_today_open_a_new_one(
    api: Api,
) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    first = await create_croix(api, climber, photo)
    await api.data(UPDATE_SESSION, {"id": first["session_id"], "date": "2025-01-01"}, climber.token)
    second = await create_croix(api, climber, photo)
    assert second["session_id"] != first["session_id"]
    third = await create_croix(api, climber, photo)
    assert third["session_id"] == second["session_id"]
    # Both opened on demand, both moved to the same day: two sessions, no clash.
    await api.data(
        UPDATE_SESSION, {"id": second["session_id"], "date": "2025-01-01"}, climber.token
    )
    data = await api.data(MY_SESSIONS, {}, climber.token)
    assert [s["date"] for s in data["mySessions"]] == ["2025-01-01", "2025-01-01"]


async def test_another_climbers_session_is_forbidden_and_left_unchanged(api: Api, db: Any) -> None:
    owner, intruder = await api.signup(), await api.signup()
    owner_photo = await upload_media(api, owner, "PHOTO")
    intruder_photo = await upload_media(api, intruder, "PHOTO")
    session = await create_session(api, owner, "2025-03-14")
    mine = await create_croix(api, owner, owner_photo, session_id=session["id"])
    before = await db.sessions.find_one({"_id": ObjectId(session["id"])})

    error = await api.error(
        CREATE_CROIX, croix_vars(intruder_photo, session_id=session["id"]), intruder.token
    )
    assert code_of(error) == "FORBIDDEN"
    error = await api.error(UPDATE_CROIX, {"id": mine["id"], "grade": "4"}, intruder.token)
    assert code_of(error) == "FORBIDDEN"
    error = await api.error(DELETE_CROIX, {"id": mine["id"]}, intruder.token)
    assert code_of(error) == "FORBIDDEN"

    assert await db.sessions.find_one({"_id": ObjectId(session["id"])}) == before
    assert await db.sessions.count_documents({"user_id": ObjectId(intruder.id)}) == 0


async def test_an_unknown_session_is_not_found(api: Api) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    error = await api.error(
        CREATE_CROIX, croix_vars(photo, session_id=str(ObjectId())), climber.token
    )
    assert code_of(error) == "NOT_FOUND"


async def test_a_retry_with_the_same_client_id_returns_the_first_croix(api: Api, db: Any) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    session = await create_session(api, climber, "2025-03-14")
    first = await create_croix(api, climber, photo, session_id=session["id"], client_id="c-1")
    again = await create_croix(api, climber, photo, session_id=session["id"], client_id="c-1")
    other = await create_croix(api, climber, photo, session_id=session["id"], client_id="c-2")
    assert again == first
    assert other["id"] != first["id"]
    stored = await db.sessions.find_one({"_id": ObjectId(session["id"])})
    assert [c["client_id"] for c in stored["croix"]] == ["c-1", "c-2"]


@pytest.mark.parametrize("with_session", [True, False])
async def test_concurrent_duplicates_of_one_client_id_log_one_croix(
    api: Api, db: Any, with_session: bool
) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    target = {"session_id": (await create_session(api, climber, "2025-03-14"))["id"]}
    variables = [
        croix_vars(photo, client_id=f"retry-{i % 2}", **(target if with_session else {}))
        for i in range(12)
    ]
    created = await _concurrently(api, climber, variables)
    by_client_id: dict[str, list[dict[str, Any]]] = {}
    for croix, sent in zip(created, variables, strict=True):
        by_client_id.setdefault(sent["client_id"], []).append(croix)
    # Every repeat got back the very croix logged the first time.
    for repeats in by_client_id.values():
        assert all(croix == repeats[0] for croix in repeats)
    assert len({croix["id"] for croix in created}) == 2
    stored = await db.sessions.find({"user_id": ObjectId(climber.id)}).to_list()
    assert sum(len(s["croix"]) for s in stored) == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"grade": "7Z"}, "grade"),
        ({"grade": "V18"}, "grade"),
        ({"grade": ""}, "grade"),
        ({"color": "magenta"}, "color"),
        ({"color": ""}, "color"),
        ({"notes": "x" * 2001}, "notes"),
        ({"photo_url": "https://evil.example.com/photo.jpg"}, "photo_url"),
        ({"client_id": "x" * 65}, "client_id"),
        ({"session_id": "not-an-id"}, "session_id"),
    ],
)
async def test_bad_croix_input_names_the_field(
    api: Api, db: Any, overrides: dict[str, Any], field: str
) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    error = await api.error(CREATE_CROIX, {**croix_vars(photo), **overrides}, climber.token)
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert await db.sessions.count_documents({}) == 0


async def test_a_photo_must_be_the_callers_own_uploaded_photo(api: Api) -> None:
    climber, other = await api.signup(), await api.signup()
    for url in (
        await upload_media(api, other, "PHOTO"),  # someone else's
        await upload_media(api, climber, "VIDEO"),  # not a photo
    ):
        error = await api.error(CREATE_CROIX, croix_vars(url), climber.token)
        assert code_of(error) == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "photo_url"


async def test_an_unknown_status_is_refused_without_a_server_error(api: Api) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    body = await api.execute(CREATE_CROIX, croix_vars(photo, status="ONSIGHT"), climber.token)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "ONSIGHT" in error["message"]
    assert body.get("data") is None


async def test_my_croix_lists_every_session_newest_first(api: Api) -> None:
    climber, other = await api.signup(), await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    await create_croix(api, other, await upload_media(api, other, "PHOTO"))
    older = await create_session(api, climber, "2025-03-01")
    newer = await create_session(api, climber, "2025-03-14")
    logged = []
    for i, session in enumerate((newer, older, newer, older)):
        croix = await create_croix(api, climber, photo, session_id=session["id"], notes=f"{i}")
        logged.append(croix)

    data = await api.data(MY_CROIX, {}, climber.token)
    assert [c["notes"] for c in data["myCroix"]] == ["3", "2", "1", "0"]
    assert data["myCroix"] == logged[::-1]
    page = await api.data(MY_CROIX, {"limit": 2, "offset": 1}, climber.token)
    assert [c["notes"] for c in page["myCroix"]] == ["2", "1"]
    seed = await api.data("{ myCroix { id color grade status } }", {}, climber.token)
    assert len(seed["myCroix"]) == 4


async def test_the_owner_updates_and_deletes_a_croix(api: Api, db: Any) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    session = await create_session(api, climber, "2025-03-14")
    keep = await create_croix(api, climber, photo, session_id=session["id"], notes="keep")
    croix = await create_croix(api, climber, photo, session_id=session["id"], notes="old")

    data = await api.data(
        UPDATE_CROIX, {"id": croix["id"], "grade": "v5", "status": "FLASH"}, climber.token
    )
    updated = data["updateCroix"]
    assert (updated["grade"], updated["status"], updated["notes"]) == ("V5", "FLASH", "old")
    data = await api.data(UPDATE_CROIX, {"id": croix["id"], "notes": None}, climber.token)
    assert data["updateCroix"]["notes"] is None
    error = await api.error(UPDATE_CROIX, {"id": croix["id"], "grade": "10A"}, climber.token)
    assert error["extensions"]["field"] == "grade"

    data = await api.data(DELETE_CROIX, {"id": croix["id"]}, climber.token)
    assert data["deleteCroix"] is True
    stored = await db.sessions.find_one({"_id": ObjectId(session["id"])})
    assert [c["id"] for c in stored["croix"]] == [ObjectId(keep["id"])]
    error = await api.error(DELETE_CROIX, {"id": croix["id"]}, climber.token)
    assert code_of(error) == "NOT_FOUND"


async def test_a_full_session_refuses_more_croix(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(climb_session, "MAX_CROIX_PER_SESSION", 3)
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    session = await create_session(api, climber, "2025-03-14")
    variables = [croix_vars(photo, session_id=session["id"]) for _ in range(5)]
    responses = await asyncio.gather(*(api.post(CREATE_CROIX, v, climber.token) for v in variables))
    errors = [r.json()["errors"][0] for r in responses if r.json().get("errors")]
    assert len(errors) == 2
    assert {(code_of(e), e["extensions"]["field"]) for e in errors} == {
        ("BAD_USER_INPUT", "session_id")
    }
    data = await api.data(MY_SESSIONS, {}, climber.token)
    assert len(data["mySessions"][0]["croix"]) == 3
