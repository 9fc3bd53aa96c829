"""Blocking, reporting, moderation and visibility: GraphQL documents as the app sends them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bson import ObjectId

from kit.clock import utcnow
from models.audience import MODERATOR
from models.user import UserDocument, UserRepository
from tests.support.client import Account, Api
from tests.support.social import FOLLOWING_FEED
from tests.support.videos import FEED, FEED_PAGE, USER_VIDEOS, VIDEO

BLOCK = "mutation Block($id: ID!) { blockUser(user_id: $id) }"
UNBLOCK = "mutation Unblock($id: ID!) { unblockUser(user_id: $id) }"
BLOCKED_USERS = """
query Blocked($first: Int, $after: String) {
  blockedUsers(first: $first, after: $after) {
    edges { cursor followed_at node { id pseudo } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
SEARCH = "query Search($q: String!) { searchUsers(query: $q) { id pseudo } }"
USER_ID = "query One($id: ID!) { user(id: $id) { id pseudo } }"

REPORT_VIDEO = """
mutation Report($id: ID!, $reason: ReportReason!, $details: String) {
  reportVideo(video_id: $id, reason: $reason, details: $details)
}
"""
REPORT_USER = """
mutation Report($id: ID!, $reason: ReportReason!, $details: String) {
  reportUser(user_id: $id, reason: $reason, details: $details)
}
"""
CASE_FIELDS = """
  id target_type state report_count first_report_at last_report_at resolution resolved_at
  reasons { reason count } details { reason details reported_at }
  video { id hidden user { id } } user { id pseudo }
"""
QUEUE = f"""
query Queue($first: Int, $after: String) {{
  moderationQueue(first: $first, after: $after) {{
    edges {{ cursor node {{ {CASE_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
MODERATE = f"""
mutation Moderate($case: ID!, $action: ModerationAction!, $note: String) {{
  moderate(case_id: $case, action: $action, note: $note) {{ {CASE_FIELDS} }}
}}
"""
LOG = """
query Log($first: Int, $after: String) {
  moderationLog(first: $first, after: $after) {
    edges { node { id at action note case_id target_type target_id
                   moderator { id } target_user { id } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
STATS = """
query { moderationStats { open_cases oldest_open_report_at oldest_open_report_age_seconds } }
"""
UPDATE_VIDEO = """
mutation Update($id: ID!, $caption: String, $visibility: Visibility) {
  updateVideo(id: $id, caption: $caption, visibility: $visibility) {
    id caption visibility hidden
  }
}
"""
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
ME = "{ me { id } }"


async def make_moderator(account: Account) -> None:
    """What `make moderator EMAIL=...` does (tools.moderator), through the running app's
    database binding (the command itself runs in its own process: test_moderator_command)."""
    await UserRepository().set_role(account.email.casefold(), MODERATOR)


async def established(*accounts: Account, days_old: int = 30, verified: bool = True) -> None:
    """Give accounts just signed up the standing of climbers who joined `days_old` days
    ago (one day apart each: accounts made together count once) with a verified
    e-mail, as the app's own database binding stores it (the tests cannot wait a week)."""
    users = UserDocument.get_pymongo_collection()
    for n, account in enumerate(accounts):
        made = utcnow() - dt.timedelta(days=days_old + n)
        await users.update_one(
            {"_id": ObjectId(account.id)},
            {"$set": {"created_at": made, "email_verified": verified}},
        )


async def feed_ids(api: Api, token: str | None) -> list[str]:
    return [video["id"] for video in (await api.data(FEED, {"limit": 50}, token))["feed"]]


async def feed_page_ids(api: Api, token: str | None) -> list[str]:
    page = (await api.data(FEED_PAGE, {"first": 50}, token))["feedPage"]
    return [edge["node"]["id"] for edge in page["edges"]]


async def following_feed_ids(api: Api, token: str) -> list[str]:
    page = (await api.data(FOLLOWING_FEED, {"first": 50}, token))["followingFeed"]
    return [edge["node"]["id"] for edge in page["edges"]]


async def user_video_ids(api: Api, user_id: str, token: str | None) -> list[str] | None:
    user = (await api.data(USER_VIDEOS, {"id": user_id, "first": 50}, token))["user"]
    return None if user is None else [edge["node"]["id"] for edge in user["videos"]["edges"]]


async def video_shown(api: Api, video_id: str, token: str | None) -> bool:
    return (await api.data(VIDEO, {"id": video_id}, token))["video"] is not None


async def everywhere(api: Api, token: str | None, author_id: str) -> dict[str, list[str]]:
    """The video ids a viewer sees in each listing that could show `author_id`'s videos."""
    seen = {
        "feed": await feed_ids(api, token),
        "feedPage": await feed_page_ids(api, token),
        "User.videos": await user_video_ids(api, author_id, token) or [],
    }
    if token is not None:
        seen["followingFeed"] = await following_feed_ids(api, token)
    return seen


# The header a proxy sets with the client's address (CLIENT_IP_HEADER): tests of reports
# that weigh who reports turn it on, so that each climber reports from a place of theirs.
CLIENT_IP_HEADER = "Fly-Client-IP"


def address_of(who: Account) -> str:
    """A network address of the climber's own (the last bytes of their id)."""
    raw = bytes.fromhex(who.id)
    return f"10.{raw[-3]}.{raw[-2]}.{raw[-1]}"


async def report_video(
    api: Api,
    who: Account,
    video_id: str,
    reason: str = "SPAM",
    details: str | None = None,
    address: str | None = None,
) -> Any:
    """Report from the climber's own address (`CLIENT_IP_HEADER`), or from `address`."""
    variables = {"id": video_id, "reason": reason, "details": details}
    response = await api.post(
        REPORT_VIDEO, variables, who.token, {CLIENT_IP_HEADER: address or address_of(who)}
    )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]["reportVideo"]


async def queue(api: Api, moderator: Account) -> list[dict[str, Any]]:
    page = (await api.data(QUEUE, {"first": 50}, moderator.token))["moderationQueue"]
    return [edge["node"] for edge in page["edges"]]
