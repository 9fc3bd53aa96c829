"""Hostile pushes, by class, with generated inputs: wrong shapes, other climbers' ids,
huge batches, oversized and invisible text. Each is refused whole with BAD_USER_INPUT
naming what to fix (the table, the record's id and the field), never a 500, and nothing
of it is written."""

from __future__ import annotations

from typing import Any

from bson import json_util
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.client import Account, Api, code_of, upload_media
from tests.support.logbook import create_croix, create_session
from tests.support.sync import PULL, Device, pull, push, watermelon_id

HOSTILE = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_climbers: dict[int, Account] = {}

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)  # fmt: skip


async def _climber(api: Api) -> Account:
    """One climber per test (the api fixture lives across a test's examples)."""
    if id(api) not in _climbers:
        _climbers[id(api)] = await api.signup()
    return _climbers[id(api)]


def _session_row(record_id: str, **values: Any) -> dict[str, Any]:
    return {"id": record_id, "date": "2025-03-14", "gym_id": None, "feeling": 3,
            "notes": None, **values}  # fmt: skip


def _croix_row(record_id: str, session_id: str, **values: Any) -> dict[str, Any]:
    return {"id": record_id, "session_id": session_id, "photo_url": "", "color": "blue",
            "grade": "6A", "status": "TOP", "notes": None, **values}  # fmt: skip


def _changes(
    sessions: list[Any] | None = None,
    croix: list[Any] | None = None,
    *,
    deleted_sessions: list[Any] | None = None,
    deleted_croix: list[Any] | None = None,
) -> dict[str, Any]:
    return {
        "sessions": {"created": sessions or [], "updated": [], "deleted": deleted_sessions or []},
        "croix": {"created": croix or [], "updated": [], "deleted": deleted_croix or []},
    }


async def _nothing_written(db: Any) -> None:
    assert await db.sessions.count_documents({}) == 0
    assert await db.logbook_pushes.count_documents({}) == 0


def _refusal(body: dict[str, Any]) -> dict[str, Any]:
    [error] = body["errors"]
    assert code_of(error) == "BAD_USER_INPUT", error
    assert body["data"] is None
    extensions: dict[str, Any] = error["extensions"]
    return extensions


@HOSTILE
@given(changes=JSON_VALUES)
async def test_any_json_as_changes_is_refused_by_name_or_is_an_empty_push(
    api: Api, db: Any, changes: Any
) -> None:
    climber = await _climber(api)
    body = await push(api, climber, changes, 0)
    if changes is None:  # JSON! refuses null before any resolver runs
        assert code_of(body["errors"][0]) == "GRAPHQL_VALIDATION_FAILED"
    elif body.get("errors"):
        extensions = _refusal(body)
        assert extensions["field"] in ("changes", "id")
    else:  # only an empty change set gets through
        assert body["data"]["pushLogbookChanges"] is True
    await _nothing_written(db)


FIELDS = {
    "sessions": ("date", "gym_id", "feeling", "notes"),
    "croix": ("session_id", "photo_url", "color", "grade", "status", "notes"),
}


@HOSTILE
@given(
    table=st.sampled_from(["sessions", "croix"]),
    data=st.data(),
    value=st.one_of(JSON_VALUES, st.sampled_from(["", " ", "2025-02-30", "9Z", "mauve", "TOPS",
                                                   "\u202e", "x" * 10_001, -1, 6, 2.5, True])),
)  # fmt: skip
async def test_a_bad_field_names_its_table_record_and_field(
    api: Api, db: Any, table: str, data: st.DataObject, value: Any
) -> None:
    climber = await _climber(api)
    name = data.draw(st.sampled_from(FIELDS[table]))
    session_id, croix_id = watermelon_id(), watermelon_id()
    session, croix = _session_row(session_id), _croix_row(croix_id, session_id)
    (session if table == "sessions" else croix)[name] = value
    body = await push(api, climber, _changes([session], [croix]), 0)
    if not body.get("errors"):
        # Some values are fine (a valid grade, null notes...): then it was all stored.
        assert body["data"]["pushLogbookChanges"] is True
        await db.sessions.delete_many({})
        await db.logbook_pushes.delete_many({})
        return
    extensions = _refusal(body)
    assert (extensions["table"], extensions["field"]) == (table, name)
    assert extensions["id"] == (session_id if table == "sessions" else croix_id)
    await _nothing_written(db)


async def test_ten_thousand_character_notes_are_refused_naming_the_record(
    api: Api, db: Any
) -> None:
    climber = await api.signup()
    session_id = watermelon_id()
    body = await push(api, climber, _changes([_session_row(session_id, notes="n" * 10_000)]), 0)
    extensions = _refusal(body)
    assert (extensions["table"], extensions["id"], extensions["field"]) == (
        "sessions", session_id, "notes",
    )  # fmt: skip
    assert "2000" in body["errors"][0]["message"]
    await _nothing_written(db)


async def test_other_climbers_records_are_refused_never_touched(api: Api, db: Any) -> None:
    alice, bob = await api.signup(), await api.signup()
    photo = await upload_media(api, bob, "PHOTO")
    theirs = await create_session(api, bob, "2025-03-14", notes="bob's")
    their_croix = await create_croix(api, bob, photo, session_id=theirs["id"])
    before = json_util.dumps(await db.sessions.find({}).to_list())
    mine = watermelon_id()
    attempts = [
        (_changes([_session_row(theirs["id"], notes="mine now")]), "sessions", theirs["id"], "id"),
        (_changes(deleted_sessions=[theirs["id"]]), "sessions", theirs["id"], "id"),
        (_changes([_session_row(mine)], [_croix_row(their_croix["id"], mine)]), "croix",
         their_croix["id"], "id"),
        (_changes(croix=[_croix_row(watermelon_id(), theirs["id"])]), "croix", None,
         "session_id"),
        (_changes(deleted_croix=[their_croix["id"]]), "croix", their_croix["id"], "id"),
    ]  # fmt: skip
    for changes, table, record_id, field in attempts:
        extensions = _refusal(await push(api, alice, changes, 0))
        assert (extensions["table"], extensions["field"]) == (table, field)
        if record_id is not None:
            assert extensions["id"] == record_id
        assert "another climber" in (await push(api, alice, changes, 0))["errors"][0]["message"]
    assert json_util.dumps(await db.sessions.find({}).to_list()) == before
    # And nothing of Bob's is in Alice's pulls.
    pulled = (await api.data(PULL, {"last": None}, alice.token))["logbookChanges"]
    assert all(not rows for table in pulled["changes"].values() for rows in table.values())


async def test_a_push_holds_at_most_a_thousand_records(api: Api, db: Any) -> None:
    climber = await api.signup()
    ids = [watermelon_id() for _ in range(1001)]
    # A thousand deletions of records the server never had: accepted (nothing to do).
    accepted = await push(api, climber, _changes(deleted_croix=ids[:1000]), 0)
    assert accepted["data"]["pushLogbookChanges"] is True
    refused = _refusal(await push(api, climber, _changes(deleted_croix=ids), 0))
    assert refused["field"] == "changes"
    body = await push(api, climber, _changes(deleted_croix=ids), 0)
    assert "at most 1000 records" in body["errors"][0]["message"]


async def test_a_session_holds_at_most_a_hundred_croix_however_they_come(api: Api, db: Any) -> None:
    climber = await api.signup()
    session_id = watermelon_id()
    croix = [_croix_row(watermelon_id(), session_id) for _ in range(101)]
    extensions = _refusal(await push(api, climber, _changes([_session_row(session_id)], croix), 0))
    assert (extensions["table"], extensions["field"]) == ("croix", "session_id")
    assert extensions["id"] == croix[100]["id"]
    await _nothing_written(db)
    assert (await push(api, climber, _changes([_session_row(session_id)], croix[:100]), 0))["data"][
        "pushLogbookChanges"
    ] is True


async def test_a_record_named_twice_or_a_gym_pushed_is_refused(api: Api, db: Any) -> None:
    climber = await api.signup()
    twice = watermelon_id()
    extensions = _refusal(
        await push(api, climber, _changes([_session_row(twice)], deleted_sessions=[twice]), 0)
    )
    assert (extensions["table"], extensions["id"], extensions["field"]) == ("sessions", twice, "id")
    gym = {"gyms": {"created": [{"id": "g1", "name": "Mine"}], "updated": [], "deleted": []}}
    extensions = _refusal(await push(api, climber, gym, 0))
    assert (extensions["table"], extensions["field"]) == ("gyms", "id")
    assert _refusal(await push(api, climber, _changes(), -1.0))["field"] == "last_pulled_at"
    body = await api.execute(PULL, {"version": 0}, climber.token)
    assert _refusal(body)["field"] == "schema_version"
    body = await api.execute(PULL, {"last": -5}, climber.token)
    assert _refusal(body)["field"] == "last_pulled_at"
    await _nothing_written(db)


async def test_a_timestamp_no_pull_answered_is_never_trusted(api: Api, db: Any) -> None:
    """A `last_pulled_at` later than any pull answered (forged, or kept across a restored
    database) would hide every server change from the conflict check, and overflow the
    database's integers: a pull answers the whole logbook again (`reset`), a push is a
    conflict (pull, then push again)."""
    climber = await api.signup()
    phone = Device(api, climber)
    session = phone.create("sessions", date="2025-03-14", gym_id=None, feeling=3, notes=None)
    croix = phone.create("croix", session_id=session, photo_url="", color="blue", grade="6A",
                         status="TOP", notes=None)  # fmt: skip
    await phone.synchronize()
    await phone.pull()  # a timestamp after its own push
    assert phone.last_pulled_at is not None
    for later in (phone.last_pulled_at + 10**9, 1e20, 1e308):
        pulled = await pull(api, climber, later)
        assert pulled["reset"] is True
        assert [row["id"] for row in pulled["changes"]["croix"]["created"]] == [croix]

    before = await db.sessions.find_one({"client_id": session})
    graded = _changes()
    graded["croix"]["updated"] = [{"id": croix, **phone.records("croix")[croix], "grade": "8A"}]
    for later in (phone.last_pulled_at + 10**9, 1e20, 1e308):
        refused = await push(api, climber, graded, later)
        [error] = refused["errors"]
        assert error["extensions"]["code"] == "SYNC_CONFLICT", error
    assert await db.sessions.find_one({"client_id": session}) == before
    # With the timestamp its pull answered, the same push goes through.
    accepted = await push(api, climber, graded, phone.last_pulled_at)
    assert accepted.get("data") == {"pushLogbookChanges": True}, accepted
