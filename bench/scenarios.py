"""What the load sends: each scenario's request, to the API and (when it has one) to the
hand-written endpoint, built from the seeded data set's fixture."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

VIDEO_FIELDS = """
  id video_url caption color grade status like_count is_liked_by_me created_at
  user { id pseudo avatar_url }
"""
FEED_PAGE = f"""
query Feed($first: Int, $after: String) {{
  feedPage(first: $first, after: $after) {{
    edges {{ cursor node {{ {VIDEO_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
VIDEO = f"query Video($id: ID!) {{ video(id: $id) {{ {VIDEO_FIELDS} }} }}"
ME = "query Me { me { id pseudo avatar_url bio } }"
MY_CROIX = """
query MyCroix($limit: Int) {
  myCroix(limit: $limit) { id photo_url color grade status notes session_id created_at }
}
"""
LIKE = "mutation Like($id: ID!) { likeVideo(video_id: $id) }"
UNLIKE = "mutation Unlike($id: ID!) { unlikeVideo(video_id: $id) }"
LOGIN = """
mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token user { id pseudo } }
}
"""


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    body: bytes | None
    token: str | None


# (fixture, connection index, iteration, rng) -> request
Builder = Callable[[dict[str, Any], int, int, random.Random], Request]


def graphql(query: str, variables: dict[str, Any], token: str | None) -> Request:
    body = json.dumps({"query": query, "variables": variables}).encode()
    return Request("POST", "/graphql", body, token)


def _token(fx: dict[str, Any], conn: int) -> str:
    tokens: list[str] = fx["tokens"]
    return tokens[conn % len(tokens)]


def _feed(after_key: str | None) -> tuple[Builder, Builder]:
    def api(fx: dict[str, Any], conn: int, _: int, __: random.Random) -> Request:
        after = fx[after_key] if after_key else None
        return graphql(FEED_PAGE, {"first": 20, "after": after}, _token(fx, conn))

    def raw(fx: dict[str, Any], conn: int, _: int, __: random.Random) -> Request:
        query = f"?first=20&after={fx[after_key]}" if after_key else "?first=20"
        return Request("GET", "/feed" + query, None, _token(fx, conn))

    return api, raw


def _video_api(fx: dict[str, Any], conn: int, _: int, rng: random.Random) -> Request:
    return graphql(VIDEO, {"id": rng.choice(fx["video_ids"])}, _token(fx, conn))


def _video_raw(fx: dict[str, Any], conn: int, _: int, rng: random.Random) -> Request:
    return Request("GET", "/video/" + rng.choice(fx["video_ids"]), None, _token(fx, conn))


def _me_api(fx: dict[str, Any], conn: int, _: int, __: random.Random) -> Request:
    return graphql(ME, {}, _token(fx, conn))


def _me_raw(fx: dict[str, Any], conn: int, _: int, __: random.Random) -> Request:
    return Request("GET", "/me", None, _token(fx, conn))


def _my_croix(fx: dict[str, Any], conn: int, _: int, __: random.Random) -> Request:
    return graphql(MY_CROIX, {"limit": 50}, _token(fx, conn))


def _like_mix(fx: dict[str, Any], conn: int, k: int, _: random.Random) -> Request:
    """Like then unlike the same video, one connection walking its own slice of videos:
    every request changes something (no idempotent no-op answered for free)."""
    ids: list[str] = fx["video_ids"]
    video = ids[(conn * 97 + k // 2) % len(ids)]
    return graphql(LIKE if k % 2 == 0 else UNLIKE, {"id": video}, _token(fx, conn))


def _login(fx: dict[str, Any], conn: int, k: int, _: random.Random) -> Request:
    emails: list[str] = fx["login_emails"]
    email = emails[(conn + k) % len(emails)]
    return graphql(LOGIN, {"email": email, "password": fx["password"]}, None)


FEED_API, FEED_RAW = _feed(None)
HOT_API, HOT_RAW = _feed("hot_cursor")
COLD_API, COLD_RAW = _feed("cold_cursor")

# name -> (API request, hand-written endpoint request or None)
SCENARIOS: dict[str, tuple[Builder, Builder | None]] = {
    "feed": (FEED_API, FEED_RAW),
    "feed_10k_likes": (HOT_API, HOT_RAW),
    "feed_0_likes": (COLD_API, COLD_RAW),
    "video": (_video_api, _video_raw),
    "me": (_me_api, _me_raw),
    "my_croix": (_my_croix, None),
    "like_unlike": (_like_mix, None),
    "login": (_login, None),
}

# The new read paths (issue 28, round three): what the app asks, and what the
# hand-written equivalents of bench/raw_reads.py answer field for field.
USER_CARD = "id pseudo avatar_url"
COMMENTS_PAGE = f"""
query Comments($id: ID!, $first: Int) {{
  video(id: $id) {{
    id
    comments(first: $first) {{
      edges {{ cursor node {{ id text created_at reply_to hidden
        user {{ {USER_CARD} }} mentions {{ id pseudo }} }} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""
NOTIFICATIONS_PAGE = f"""
query Inbox($first: Int) {{
  notifications(first: $first) {{
    edges {{ cursor node {{ id kind created_at updated_at read actor_count action
      actors(first: 3) {{ {USER_CARD} }} video {{ id video_url }} comment {{ id text }} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
LOGBOOK_CHANGES = """
query Pull($since: Float) { logbookChanges(last_pulled_at: $since) { changes timestamp reset } }
"""
GYM_CIRCUITS = """
query Circuits($gym: ID!) { gymCircuits(gym_id: $gym) { color enough_data climber_count
  croix_count grades { grade count } crowd_grade flash_rate } }
"""
