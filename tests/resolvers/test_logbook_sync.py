"""The logbook's sync (WatermelonDB's protocol): two devices offline converge, conflicts
are refused then resolved, replays change nothing, deletions travel, and the classic
mutations and the sync see one logbook."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from tests.support.accounts import DELETE_ACCOUNT, eventually
from tests.support.client import Api, upload_media
from tests.support.logbook import (
    CREATE_GYM,
    DELETE_CROIX,
    DELETE_SESSION,
    MY_SESSIONS,
    UPDATE_CROIX,
    create_croix,
    create_session,
)
from tests.support.sync import (
    TABLES,
    Device,
    pull,
    push,
    server_logbook,
)


def _croix(session_id: str, **values: Any) -> dict[str, Any]:
    return {"session_id": session_id, "photo_url": "", "color": "blue", "grade": "6A",
            "status": "TOP", "notes": None, **values}  # fmt: skip


async def _converged(api: Api, *devices: Device) -> dict[str, Any]:
    """Every device shows exactly the server's logbook; that logbook. (Gyms are places, not
    the climber's: a device keeps those it learnt of, the server's among them.)"""
    server = await server_logbook(api, devices[0].account)
    for device in devices:
        for table in ("sessions", "croix"):
            assert device.records(table) == server[table]
        assert device.records("gyms").items() >= server["gyms"].items()
        assert all(row["_status"] == "synced" for t in TABLES for row in device.tables[t].values())
    return server


async def test_two_devices_offline_create_edit_delete_and_converge(api: Api) -> None:
    climber = await api.signup()
    gym = (await api.data(CREATE_GYM, {"name": "Arkose Nation"}, climber.token))["createGym"]
    phone, tablet = Device(api, climber), Device(api, climber)
    await phone.synchronize()
    await tablet.synchronize()

    # Offline on both: each logs a session with croix.
    morning = phone.create("sessions", date="2025-03-14", gym_id=gym["id"], feeling=4,
                           notes="warm-up")  # fmt: skip
    phone_croix = [phone.create("croix", **_croix(morning, grade=g)) for g in ("5", "6A", "6B")]
    evening = tablet.create("sessions", date="2025-03-15", gym_id=None, feeling=None, notes=None)
    tablet_croix = [tablet.create("croix", **_croix(evening, color=c)) for c in ("red", "pink")]

    await phone.synchronize()
    await tablet.synchronize()
    await phone.synchronize()
    server = await _converged(api, phone, tablet)
    assert set(server["sessions"]) == {morning, evening}
    assert set(server["croix"]) == {*phone_croix, *tablet_croix}
    assert server["gyms"] == {gym["id"]: {"name": "Arkose Nation", "location": None}}

    # Offline again: each edits and deletes what the other logged.
    phone.update("croix", tablet_croix[0], grade="7A", notes="flashed? no")
    phone.delete("croix", tablet_croix[1])
    tablet.update("sessions", morning, feeling=2)
    tablet.delete("croix", phone_croix[0])
    await tablet.synchronize()
    await phone.synchronize()
    await tablet.synchronize()
    server = await _converged(api, phone, tablet)
    assert set(server["croix"]) == {*phone_croix[1:], tablet_croix[0]}
    assert server["croix"][tablet_croix[0]]["grade"] == "7A"
    assert server["sessions"][morning]["feeling"] == 2

    # A session deleted on one device takes its croix away on the other.
    phone.delete("sessions", morning)
    await phone.synchronize()
    await tablet.synchronize()
    server = await _converged(api, phone, tablet)
    assert set(server["sessions"]) == {evening}
    assert set(server["croix"]) == {tablet_croix[0]}


async def test_what_the_sync_writes_is_what_mongosh_and_the_classic_queries_show(
    api: Api, db: Any
) -> None:
    climber = await api.signup()
    phone = Device(api, climber)
    await phone.synchronize()
    session = phone.create("sessions", date="2025-03-14", gym_id=None, feeling=3, notes=" hi ")
    croix = phone.create("croix", **_croix(session, color=" Gray", grade="7b +"))
    await phone.synchronize()

    stored = await db.sessions.find_one({"client_id": session})
    assert isinstance(stored["_id"], ObjectId)  # ids the phone made are kept as client ids
    assert (stored["notes"], stored["feeling"], stored["auto_created"]) == ("hi", 3, False)
    [embedded] = stored["croix"]
    assert (embedded["client_id"], embedded["color"], embedded["grade"]) == (croix, "grey", "7B+")
    assert isinstance(embedded["id"], ObjectId)

    [listed] = (await api.data(MY_SESSIONS, {}, climber.token))["mySessions"]
    assert listed["id"] == str(stored["_id"])
    assert listed["date"] == "2025-03-14"
    assert [c["grade"] for c in listed["croix"]] == ["7B+"]
    # The server's normalisation comes back to the phone with its next pull.
    await phone.synchronize()
    assert phone.records("croix")[croix]["color"] == "grey"


async def test_classic_writes_and_deletes_reach_a_device(api: Api) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    phone = Device(api, climber)
    await phone.synchronize()
    session = await create_session(api, climber, "2025-03-14", client_id="app-session-1")
    kept = await create_croix(api, climber, photo, session_id=session["id"])
    gone = await create_croix(api, climber, photo, session_id=session["id"])
    await phone.synchronize()
    # Known by the id the app gave, else by their ObjectId.
    assert set(phone.records("sessions")) == {"app-session-1"}
    assert set(phone.records("croix")) == {kept["id"], gone["id"]}
    assert phone.records("croix")[kept["id"]]["session_id"] == "app-session-1"

    await api.data(UPDATE_CROIX, {"id": kept["id"], "grade": "8A"}, climber.token)
    await api.data(DELETE_CROIX, {"id": gone["id"]}, climber.token)
    answer = await phone.pull()
    assert answer["changes"]["croix"]["deleted"] == [gone["id"]]
    assert [row["grade"] for row in answer["changes"]["croix"]["updated"]] == ["8A"]
    assert set(phone.records("croix")) == {kept["id"]}

    # The phone edits the classic croix; the classic query shows it.
    phone.update("croix", kept["id"], notes="from the phone")
    await phone.synchronize()
    [listed] = (await api.data(MY_SESSIONS, {}, climber.token))["mySessions"]
    assert [c["notes"] for c in listed["croix"]] == ["from the phone"]

    await api.data(DELETE_SESSION, {"id": session["id"]}, climber.token)
    answer = await phone.pull()
    assert answer["changes"]["sessions"]["deleted"] == ["app-session-1"]
    assert answer["changes"]["croix"]["deleted"] == [kept["id"]]
    assert phone.records("sessions") == {}
    assert phone.records("croix") == {}


async def test_a_conflict_is_refused_whole_then_resolved_by_pull_then_push(
    api: Api, db: Any
) -> None:
    climber = await api.signup()
    phone, tablet = Device(api, climber), Device(api, climber)
    await phone.synchronize()
    session = phone.create("sessions", date="2025-03-14", gym_id=None, feeling=3, notes=None)
    croix = phone.create("croix", **_croix(session))
    await phone.synchronize()
    await tablet.synchronize()

    phone.update("croix", croix, grade="6C")
    tablet.update("croix", croix, notes="heel hook")
    extra = tablet.create("croix", **_croix(session, color="white"))
    await phone.synchronize()
    await tablet.pull()  # the tablet's answer is spoiled: the phone pushed meanwhile
    tablet.update("croix", croix, status="FLASH")
    before = await db.sessions.find_one({"client_id": session})
    phone.update("croix", croix, grade="7A")
    await phone.synchronize()

    refused = await push(api, climber, tablet.local_changes(), tablet.last_pulled_at or 0)
    [error] = refused["errors"]
    assert error["extensions"]["code"] == "SYNC_CONFLICT"
    assert error["extensions"]["conflicts"] == [{"table": "croix", "id": croix}]
    after = await db.sessions.find_one({"client_id": session})
    assert [c["client_id"] for c in after["croix"]] == [c["client_id"] for c in before["croix"]]

    await tablet.synchronize()  # pull, then push again: accepted
    await phone.synchronize()
    server = await _converged(api, phone, tablet)
    assert server["croix"][croix]["grade"] == "7A"  # the phone's column, not touched after
    assert server["croix"][croix]["notes"] == "heel hook"  # the tablet's columns win theirs
    assert server["croix"][croix]["status"] == "FLASH"
    assert extra in server["croix"]


async def test_a_replayed_push_changes_nothing(api: Api, db: Any) -> None:
    climber = await api.signup()
    phone = Device(api, climber)
    await phone.synchronize()
    session = phone.create("sessions", date="2025-03-14", gym_id=None, feeling=3, notes=None)
    for grade in ("5", "6A"):
        phone.create("croix", **_croix(session, grade=grade))
    changes, last = phone.local_changes(), phone.last_pulled_at or 0
    assert (await push(api, climber, changes, last))["data"]["pushLogbookChanges"] is True
    stored = await db.sessions.find_one({"client_id": session})
    # The answer was lost: the phone sends the same push again.
    assert (await push(api, climber, changes, last))["data"]["pushLogbookChanges"] is True
    assert await db.sessions.find_one({"client_id": session}) == stored
    assert await db.sessions.count_documents({}) == 1

    # Or it syncs again (WatermelonDB pulls first: its records come back, still unsynced
    # here, and are pushed again as created): still one of each.
    await phone.synchronize()
    again = await db.sessions.find_one({"client_id": session})
    assert len(again["croix"]) == 2
    assert await db.sessions.count_documents({}) == 1
    assert {c["grade"] for c in again["croix"]} == {"5", "6A"}
    await _converged(api, phone)


async def test_the_pull_protocol_shape(api: Api) -> None:
    climber = await api.signup()
    empty = await pull(api, climber, None)
    assert empty["changes"] == {
        table: {"created": [], "updated": [], "deleted": []} for table in TABLES
    }
    assert empty["reset"] is False
    phone = Device(api, climber)
    await phone.synchronize()
    session = phone.create("sessions", date="2025-03-14", gym_id=None, feeling=None, notes=None)
    phone.create("croix", **_croix(session))
    await phone.synchronize()
    first = await pull(api, climber, None)
    [row] = first["changes"]["sessions"]["created"]
    assert (row["id"], row["date"]) == (session, "2025-03-14")
    assert isinstance(row["created_at"], int)
    assert isinstance(row["updated_at"], int)
    assert row["created_at"] > 1_700_000_000_000  # milliseconds since the epoch
    [croix] = first["changes"]["croix"]["created"]
    assert croix["session_id"] == session
    later = await pull(api, climber, first["timestamp"])
    assert later["timestamp"] >= first["timestamp"]
    assert all(not rows for table in later["changes"].values() for rows in table.values())


async def test_pulling_is_for_signed_in_climbers_and_shows_only_their_own(api: Api) -> None:
    body = await api.execute("{ logbookChanges { timestamp } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    alice, bob = await api.signup(), await api.signup()
    await create_session(api, alice, "2025-03-14")
    assert (await server_logbook(api, bob))["sessions"] == {}
    assert len((await server_logbook(api, alice))["sessions"]) == 1


async def test_a_croix_logged_without_its_photo_gets_it_with_a_later_push(api: Api) -> None:
    climber = await api.signup()
    phone = Device(api, climber)
    await phone.synchronize()
    session = phone.create("sessions", date="2025-03-14", gym_id=None, feeling=None, notes=None)
    croix = phone.create("croix", **_croix(session))
    await phone.synchronize()
    photo = await upload_media(api, climber, "PHOTO")
    phone.update("croix", croix, photo_url=photo)
    await phone.synchronize()
    [listed] = (await api.data(MY_SESSIONS, {}, climber.token))["mySessions"]
    assert listed["croix"][0]["photo_url"].startswith("http")

    # Someone else's upload is refused, naming the record.
    other = await api.signup()
    theirs = await upload_media(api, other, "PHOTO")
    phone.update("croix", croix, photo_url=theirs)
    await phone.pull()
    body = await push(api, climber, phone.local_changes(), phone.last_pulled_at or 0)
    [error] = body["errors"]
    extensions = {k: v for k, v in error["extensions"].items() if k != "request_id"}
    assert extensions == {"code": "BAD_USER_INPUT", "field": "photo_url", "table": "croix",
                          "id": croix}  # fmt: skip


async def test_an_erased_account_leaves_no_sync_bookkeeping(api: Api, db: Any) -> None:
    climber = await api.signup()
    phone = Device(api, climber)
    await phone.synchronize()
    session = phone.create("sessions", date="2025-03-14", gym_id=None, feeling=3, notes="mine")
    croix = phone.create("croix", **_croix(session))
    await phone.synchronize()
    phone.delete("croix", croix)
    await phone.synchronize()
    owner = ObjectId(climber.id)
    assert await db.logbook_tombstones.count_documents({"user_id": owner}) == 1
    assert await db.logbook_pushes.count_documents({"user_id": owner}) == 2

    await api.data(DELETE_ACCOUNT, {"password": climber.password}, climber.token)

    async def erased() -> bool | None:
        gone = [
            await db.logbook_tombstones.count_documents({"user_id": owner}),
            await db.logbook_pushes.count_documents({"user_id": owner}),
            await db.logbook_clocks.count_documents({"_id": owner}),
            await db.sessions.count_documents({"user_id": owner}),
        ]
        return True if gone == [0, 0, 0, 0] else None

    assert await eventually(erased)
