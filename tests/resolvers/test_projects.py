"""Project journeys: attempts over sessions, closed by logging the send or by sendProject."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from bson import ObjectId

from tests.support.client import Account, Api, code_of, upload_media
from tests.support.logbook import create_croix, create_gym, create_session
from tests.support.social import MY_PROJECTS, MY_STATS, SEND_PROJECT

MY_CROIX = """
query { myCroix(limit: 200) { id color grade status session_id sent_at sent_in_session_id
                               sent_croix_id } }
"""


def _days_since(day: str) -> int:
    return (dt.datetime.now(dt.UTC).date() - dt.date.fromisoformat(day)).days


class Logbook:
    """One climber's logbook, written through the API."""

    def __init__(self, api: Api, climber: Account, photo: str) -> None:
        self.api, self.climber, self.photo = api, climber, photo

    @classmethod
    async def open(cls, api: Api) -> Logbook:
        climber = await api.signup()
        return cls(api, climber, await upload_media(api, climber, "PHOTO"))

    async def gym(self, name: str) -> str:
        return await create_gym(self.api, self.climber, f"{name} {self.climber.pseudo}")

    async def session(self, day: str, gym: str | None = None) -> str:
        session = await create_session(self.api, self.climber, day, gym_id=gym)
        session_id: str = session["id"]
        return session_id

    async def croix(self, session: str | None, color: str, grade: str, status: str) -> str:
        croix = await create_croix(
            self.api, self.climber, self.photo, session_id=session, color=color, grade=grade,
            status=status,
        )  # fmt: skip
        croix_id: str = croix["id"]
        return croix_id

    async def projects(self) -> dict[str, list[dict[str, Any]]]:
        book: dict[str, list[dict[str, Any]]] = (
            await self.api.data(MY_PROJECTS, {}, self.climber.token)
        )["myProjects"]
        return book

    async def all_croix(self) -> dict[str, dict[str, Any]]:
        found = (await self.api.data(MY_CROIX, {}, self.climber.token))["myCroix"]
        return {croix["id"]: croix for croix in found}


async def test_a_project_is_closed_by_logging_its_send_at_the_same_gym(api: Api) -> None:
    me = await Logbook.open(api)
    arkose, bloc = await me.gym("Arkose"), await me.gym("Bloc")
    s1, s2 = await me.session("2025-03-01", arkose), await me.session("2025-03-05", arkose)
    elsewhere = await me.session("2025-03-05", bloc)
    first = await me.croix(s1, "green", "7a", "PROJECT")
    other_problem = await me.croix(s1, "blue", "6c", "PROJECT")
    second = await me.croix(s2, "Green", "7A", "PROJECT")
    other_gym = await me.croix(elsewhere, "green", "7A", "PROJECT")

    book = await me.projects()
    assert book["sent"] == []
    by_id = {p["id"]: p for p in book["open"]}
    assert set(by_id) == {first, other_problem, other_gym}
    assert by_id[first] == {
        "id": first, "color": "green", "grade": "7A", "sent": False, "attempts": 2,
        "sessions_spent": 2, "days_spent": _days_since("2025-03-01"), "days_to_send": None,
        "first_tried_on": "2025-03-01", "last_tried_on": "2025-03-05", "sent_on": None,
        "sent_at": None, "sent_croix_id": None, "sent_in_session_id": None,
        "gym": {"id": arkose, "name": f"Arkose {me.climber.pseudo}"},
    }  # fmt: skip
    assert by_id[other_gym]["gym"]["id"] == bloc

    # A week later, at Arkose: the green 7A goes. Logging it as a TOP closes the project.
    s3 = await me.session("2025-03-12", arkose)
    send = await me.croix(s3, "green", "7A", "TOP")
    book = await me.projects()
    [sent] = book["sent"]
    assert sent["id"] == first
    assert (sent["sent"], sent["attempts"], sent["sessions_spent"]) == (True, 2, 3)
    assert (sent["days_spent"], sent["days_to_send"]) == (11, 11)
    assert (sent["first_tried_on"], sent["sent_on"]) == ("2025-03-01", "2025-03-12")
    assert (sent["sent_croix_id"], sent["sent_in_session_id"]) == (send, s3)
    # The same tape at another gym, and another problem, are still open.
    assert {p["id"] for p in book["open"]} == {other_problem, other_gym}

    croix = await me.all_croix()
    for attempt in (first, second):
        assert croix[attempt]["status"] == "PROJECT"  # the attempts stay what they were
        assert (croix[attempt]["sent_croix_id"], croix[attempt]["sent_in_session_id"]) == (
            send,
            s3,
        )
        assert croix[attempt]["sent_at"] is not None
    assert croix[other_gym]["sent_at"] is None
    # The send is a croix like any other: the stats count it.
    stats = (await api.data(MY_STATS, {}, me.climber.token))["myStats"]
    assert (stats["sends"], stats["hardest_top"]) == (1, "7A")

    # New attempts on the same tape later on are a new project, not the sent one.
    s4 = await me.session("2025-03-20", arkose)
    again = await me.croix(s4, "green", "7A", "PROJECT")
    book = await me.projects()
    assert [p["id"] for p in book["sent"]] == [first]
    assert again in {p["id"] for p in book["open"]}


async def test_send_project_logs_the_send_once_and_closes_the_project(api: Api) -> None:
    me = await Logbook.open(api)
    gym = await me.gym("Arkose")
    tried = await me.session("2025-04-01", gym)
    project = await me.croix(tried, "pink", "6b", "PROJECT")
    same_day_retry = await me.croix(tried, "pink", "6B", "PROJECT")
    sent_in = await me.session("2025-04-04")  # no gym: sendProject needs none

    first = (
        await api.data(SEND_PROJECT, {"croix_id": same_day_retry, "session_id": sent_in},
                       me.climber.token)
    )["sendProject"]  # fmt: skip
    assert first["id"] == project  # any attempt names the project
    assert (first["sent"], first["attempts"], first["sessions_spent"]) == (True, 2, 2)
    assert (first["days_to_send"], first["sent_on"]) == (3, "2025-04-04")
    assert first["sent_in_session_id"] == sent_in
    again = (await api.data(SEND_PROJECT, {"croix_id": project}, me.climber.token))["sendProject"]
    assert again == first  # idempotent: the project stays as it was sent

    croix = await me.all_croix()
    sends = [c for c in croix.values() if c["status"] == "TOP"]
    assert [(c["id"], c["session_id"], c["color"], c["grade"]) for c in sends] == [
        (first["sent_croix_id"], sent_in, "pink", "6B")
    ]
    assert (await me.projects())["open"] == []


async def test_concurrent_sends_of_one_project_log_one_send(api: Api) -> None:
    me = await Logbook.open(api)
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)
    tried = await me.session(day.isoformat(), await me.gym("Arkose"))
    project = await me.croix(tried, "black", "V4", "PROJECT")
    responses = await asyncio.gather(
        *(api.post(SEND_PROJECT, {"croix_id": project}, me.climber.token) for _ in range(8))
    )
    bodies = [response.json() for response in responses]
    assert all("errors" not in body for body in bodies), bodies
    results = [body["data"]["sendProject"] for body in bodies]
    assert all(result == results[0] for result in results)
    assert results[0]["days_to_send"] == 2  # sent today, in today's session
    croix = await me.all_croix()
    assert [c["id"] for c in croix.values() if c["status"] == "TOP"] == [
        results[0]["sent_croix_id"]
    ]


async def test_without_a_gym_only_send_project_closes_a_project(api: Api) -> None:
    me = await Logbook.open(api)
    s1, s2 = await me.session("2025-05-01"), await me.session("2025-05-02")
    project = await me.croix(s1, "red", "7b", "PROJECT")
    await me.croix(s2, "red", "7B", "TOP")  # which red 7B? No gym, no way to tell
    assert [p["id"] for p in (await me.projects())["open"]] == [project]


async def test_send_project_and_my_projects_refuse_what_they_cannot_do(api: Api, db: Any) -> None:
    me, other = await Logbook.open(api), await Logbook.open(api)
    tried = await me.session("2025-06-10")
    project = await me.croix(tried, "red", "7b", "PROJECT")
    topped = await me.croix(tried, "red", "6a", "TOP")
    earlier = await me.session("2025-06-01")
    theirs = await other.croix(await other.session("2025-06-10"), "red", "7b", "PROJECT")
    their_session = await other.session("2025-06-11")

    def send(croix_id: str, session_id: str | None = None) -> dict[str, Any]:
        return {"croix_id": croix_id, "session_id": session_id}

    token = me.climber.token
    cases = [
        (send(topped), "BAD_USER_INPUT", "croix_id"),
        (send("nope"), "BAD_USER_INPUT", "croix_id"),
        (send(project, "nope"), "BAD_USER_INPUT", "session_id"),
        (send(project, earlier), "BAD_USER_INPUT", "session_id"),
        (send(theirs), "FORBIDDEN", None),
        (send(str(ObjectId())), "NOT_FOUND", None),
        (send(project, their_session), "FORBIDDEN", None),
        (send(project, str(ObjectId())), "NOT_FOUND", None),
    ]
    for variables, code, field in cases:
        error = await api.error(SEND_PROJECT, variables, token)
        assert (code_of(error), error["extensions"].get("field")) == (code, field), variables
    assert code_of(await api.error(SEND_PROJECT, send(project))) == "UNAUTHENTICATED"
    assert code_of(await api.error(MY_PROJECTS, {})) == "UNAUTHENTICATED"
    for limit in (0, 201):
        error = await api.error(MY_PROJECTS, {"limit": limit}, token)
        assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "limit")
    # Nothing was logged or closed by the refused calls.
    stored = await db.sessions.find_one({"_id": ObjectId(tried)})
    assert [c["status"] for c in stored["croix"]] == ["PROJECT", "TOP"]
    assert stored["croix"][0]["sent"] is None
    assert len((await me.projects())["open"]) == 1
