"""mySessionsPage and myCroixPage: cursor pages of the caller's logbook that neither skip
nor repeat while the climber logs."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.support.client import Account, Api, code_of, upload_media
from tests.support.logbook import (
    CROIX_FIELDS,
    MY_CROIX,
    MY_SESSIONS,
    create_croix,
    create_session,
)

SESSIONS_PAGE = """
query SessionsPage($first: Int, $after: String) {
  mySessionsPage(first: $first, after: $after) {
    edges { cursor node { id date } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
CROIX_PAGE = f"""
query CroixPage($first: Int, $after: String) {{
  myCroixPage(first: $first, after: $after) {{
    edges {{ cursor node {{ {CROIX_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


async def all_pages(api: Api, account: Account, query: str, field: str, first: int) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        data = await api.data(query, {"first": first, "after": after}, account.token)
        page = data[field]
        ids.extend(edge["node"]["id"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


async def test_session_pages_follow_my_sessions_order(api: Api) -> None:
    climber = await api.signup()
    for date in ("2026-03-01", "2026-05-10", "2026-03-01", "2026-04-20", "2026-05-10"):
        await create_session(api, climber, date)
    listed = await api.data(MY_SESSIONS, {"limit": 50}, climber.token)
    expected = [session["id"] for session in listed["mySessions"]]
    assert len(expected) == 5
    for first in (1, 2, 5, 50):
        assert await all_pages(api, climber, SESSIONS_PAGE, "mySessionsPage", first) == expected
    # Another climber's logbook is empty, whatever this one holds.
    other = await api.signup()
    assert await all_pages(api, other, SESSIONS_PAGE, "mySessionsPage", 2) == []


async def test_croix_pages_follow_my_croix_order(api: Api) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    first_day = await create_session(api, climber, "2026-03-01")
    for n in range(3):
        await create_croix(api, climber, photo, session_id=first_day["id"], grade=f"6{'abc'[n]}")
    for _ in range(2):
        await create_croix(api, climber, photo)  # today's session, opened on demand
    listed = await api.data(MY_CROIX, {"limit": 100}, climber.token)
    expected = [croix["id"] for croix in listed["myCroix"]]
    assert len(expected) == 5
    for first in (1, 2, 5):
        assert await all_pages(api, climber, CROIX_PAGE, "myCroixPage", first) == expected
    other = await api.signup()
    assert await all_pages(api, other, CROIX_PAGE, "myCroixPage", 2) == []


async def test_pages_neither_skip_nor_repeat_while_the_climber_logs(api: Api) -> None:
    climber = await api.signup()
    photo = await upload_media(api, climber, "PHOTO")
    for day in range(1, 9):
        session = await create_session(api, climber, f"2026-02-{day:02d}")
        await create_croix(api, climber, photo, session_id=session["id"])
    sessions_before = await all_pages(api, climber, SESSIONS_PAGE, "mySessionsPage", 50)
    croix_before = await all_pages(api, climber, CROIX_PAGE, "myCroixPage", 50)

    async def keep_logging() -> None:
        for day in range(10, 16):
            session = await create_session(api, climber, f"2026-03-{day:02d}")
            await create_croix(api, climber, photo, session_id=session["id"])

    sessions_seen, croix_seen, _ = await asyncio.gather(
        all_pages(api, climber, SESSIONS_PAGE, "mySessionsPage", 2),
        all_pages(api, climber, CROIX_PAGE, "myCroixPage", 2),
        keep_logging(),
    )
    for before, seen in ((sessions_before, sessions_seen), (croix_before, croix_seen)):
        assert len(seen) == len(set(seen)), "an item was repeated"
        assert [item for item in seen if item in before] == before, "an item was skipped"


async def test_bad_arguments_are_refused_by_name(api: Api) -> None:
    climber = await api.signup()
    await create_session(api, climber, "2026-03-01")
    sessions = await api.data(SESSIONS_PAGE, {"first": 1}, climber.token)
    session_cursor = sessions["mySessionsPage"]["edges"][0]["cursor"]
    cases: list[tuple[str, dict[str, Any], str]] = [
        (SESSIONS_PAGE, {"first": 0}, "first"),
        (SESSIONS_PAGE, {"first": 51}, "first"),
        (CROIX_PAGE, {"first": -1}, "first"),
        (SESSIONS_PAGE, {"after": "bm90IGEgY3Vyc29y"}, "after"),
        (CROIX_PAGE, {"after": "x" * 500}, "after"),
        # A session's cursor is no croix cursor.
        (CROIX_PAGE, {"after": session_cursor}, "after"),
    ]
    for query, variables, field in cases:
        error = await api.error(query, variables, climber.token)
        assert code_of(error) == "BAD_USER_INPUT", error
        assert error["extensions"]["field"] == field
    for query in (SESSIONS_PAGE, CROIX_PAGE):
        assert code_of(await api.error(query)) == "UNAUTHENTICATED"
