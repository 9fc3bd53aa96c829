"""The gym's crowd (circuits, ladders, also topped, logbook visibility): GraphQL documents
as the app sends them, and climbers who log croix at a gym through the front door."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.support.client import Account, Api, upload_media
from tests.support.logbook import CREATE_CROIX, create_gym, create_session
from tests.support.safety import MODERATE, REPORT_USER, make_moderator, queue

CIRCUITS = """
query Circuits($gym: ID!, $days: Int) {
  gymCircuits(gym_id: $gym, days: $days) {
    color enough_data climber_count croix_count grades { grade count } crowd_grade flash_rate
  }
}
"""
LADDER = """
query Ladder($gym: ID!, $month: String!, $first: Int, $after: String) {
  gymLadder(gym_id: $gym, month: $month, first: $first, after: $after) {
    edges { cursor node { rank points sends hardest_grade user { id pseudo } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
MY_RANK = """
query Mine($gym: ID!, $month: String!) {
  myLadderRank(gym_id: $gym, month: $month) {
    rank points sends hardest_grade user { id }
  }
}
"""
SET_VISIBILITY = """
mutation Visibility($v: Visibility!) {
  updateLogbookVisibility(visibility: $v) { logbook_visibility }
}
"""
MY_ACCOUNT = "{ myAccount { logbook_visibility } }"
ALSO_TOPPED = """
query Also($first: Int, $after: String) {
  myCroix(limit: 1) {
    id also_topped_count
    also_topped(first: $first, after: $after) {
      edges { cursor sent_on node { id pseudo } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


@dataclass
class Climber:
    account: Account
    photo: str
    sessions: dict[tuple[str, str], str] = field(default_factory=dict)  # (gym, day) -> id

    @property
    def id(self) -> str:
        return self.account.id

    @property
    def token(self) -> str:
        return self.account.token


async def climber(api: Api, visibility: str | None = "PUBLIC") -> Climber:
    """A signed-up climber with a photo to log croix with; its logbook as `visibility`
    (None: left at the default)."""
    account = await api.signup()
    if visibility is not None:
        await api.data(SET_VISIBILITY, {"v": visibility}, account.token)
    return Climber(account, await upload_media(api, account, "PHOTO"))


async def climbers(api: Api, n: int, visibility: str | None = "PUBLIC") -> list[Climber]:
    return [await climber(api, visibility) for _ in range(n)]


async def gym(api: Api, founder: Climber, name: str = "Arkose") -> str:
    return await create_gym(api, founder.account, f"{name} {founder.account.pseudo}")


async def tick(
    api: Api, who: Climber, gym_id: str, day: str, color: str, grade: str, status: str = "TOP"
) -> dict[str, Any]:
    """Log one croix at `gym_id` on `day` (one session per climber, gym and day)."""
    session_id = who.sessions.get((gym_id, day))
    if session_id is None:
        session = await create_session(api, who.account, day, gym_id=gym_id)
        session_id = who.sessions[(gym_id, day)] = session["id"]
    variables = {"photo_url": who.photo, "color": color, "grade": grade, "status": status,
                 "session_id": session_id}  # fmt: skip
    croix: dict[str, Any] = (await api.data(CREATE_CROIX, variables, who.token))["createCroix"]
    return croix


async def circuits(api: Api, gym_id: str, token: str | None, days: int | None = None) -> Any:
    variables: dict[str, Any] = {"gym": gym_id}
    if days is not None:
        variables["days"] = days
    return (await api.data(CIRCUITS, variables, token))["gymCircuits"]


async def ladder(api: Api, gym_id: str, month: str, token: str | None, **page: Any) -> Any:
    found = await api.data(LADDER, {"gym": gym_id, "month": month, **page}, token)
    return found["gymLadder"]


def ladder_rows(connection: Any) -> list[tuple[int, str, int, int, str | None]]:
    """(rank, user id, points, sends, hardest grade) of a ladder page's rows."""
    return [
        (n["rank"], n["user"]["id"], n["points"], n["sends"], n["hardest_grade"])
        for n in (edge["node"] for edge in connection["edges"])
    ]


async def my_rank(api: Api, gym_id: str, month: str, who: Climber) -> Any:
    return (await api.data(MY_RANK, {"gym": gym_id, "month": month}, who.token))["myLadderRank"]


async def suspend(api: Api, target: Climber) -> None:
    """A moderator suspends `target` on a report, as the moderation queue does."""
    moderator, reporter = await api.signup(), await api.signup()
    await make_moderator(moderator)
    await api.data(REPORT_USER, {"id": target.id, "reason": "HARASSMENT"}, reporter.token)
    (case,) = await queue(api, moderator)
    await api.data(MODERATE, {"case": case["id"], "action": "SUSPEND_USER"}, moderator.token)
