"""Follows, the following feed, stats and projects: GraphQL documents as the app sends them."""

from __future__ import annotations

from typing import Any

from tests.support.client import Account, Api

USER_FIELDS = "id pseudo follower_count following_count is_followed_by_me"

FOLLOW = f"mutation Follow($id: ID!) {{ follow(user_id: $id) {{ {USER_FIELDS} }} }}"
UNFOLLOW = f"mutation Unfollow($id: ID!) {{ unfollow(user_id: $id) {{ {USER_FIELDS} }} }}"

USER = f"query One($id: ID!) {{ user(id: $id) {{ {USER_FIELDS} }} }}"

_CONNECTION = f"""
  edges {{ cursor followed_at node {{ {USER_FIELDS} }} }}
  pageInfo {{ hasNextPage endCursor hasPreviousPage startCursor }}
"""

FOLLOWERS = f"""
query Followers($id: ID!, $first: Int, $after: String) {{
  user(id: $id) {{ followers(first: $first, after: $after) {{ {_CONNECTION} }} }}
}}
"""

FOLLOWING = f"""
query Following($id: ID!, $first: Int, $after: String) {{
  user(id: $id) {{ following(first: $first, after: $after) {{ {_CONNECTION} }} }}
}}
"""

FOLLOWING_FEED = """
query FollowingFeed($first: Int, $after: String) {
  followingFeed(first: $first, after: $after) {
    edges { cursor node { id user { id } is_liked_by_me like_count } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

STATS_FIELDS = """
  sessions_count average_feeling sends flashes flash_rate hardest_top hardest_top_v
  grade_pyramid { grade sends flashes }
  grade_pyramid_v { grade sends flashes }
  by_color { color sends flashes }
  sessions { session_id date feeling sends hardest_send hardest_send_v }
"""

MY_STATS = f"""
query MyStats($from: String, $to: String) {{ myStats(from: $from, to: $to) {{ {STATS_FIELDS} }} }}
"""

USER_STATS = f"""
query UserStats($id: ID!, $from: String, $to: String) {{
  user(id: $id) {{ id stats(from: $from, to: $to) {{ {STATS_FIELDS} }} }}
}}
"""

PROJECT_FIELDS = """
  id color grade sent attempts sessions_spent days_spent days_to_send first_tried_on
  last_tried_on sent_on sent_at sent_croix_id sent_in_session_id gym { id name }
"""

MY_PROJECTS = f"""
query MyProjects($limit: Int) {{
  myProjects(limit: $limit) {{ open {{ {PROJECT_FIELDS} }} sent {{ {PROJECT_FIELDS} }} }}
}}
"""

SEND_PROJECT = f"""
mutation Send($croix_id: ID!, $session_id: ID) {{
  sendProject(croix_id: $croix_id, session_id: $session_id) {{ {PROJECT_FIELDS} }}
}}
"""


async def follow(api: Api, who: Account, whom: Account) -> dict[str, Any]:
    user: dict[str, Any] = (await api.data(FOLLOW, {"id": whom.id}, who.token))["follow"]
    return user


async def page_all(
    api: Api, query: str, field: str, variables: dict[str, Any], token: str | None, first: int
) -> list[dict[str, Any]]:
    """Every edge of a connection, following `endCursor` page after page."""
    edges: list[dict[str, Any]] = []
    after = None
    while True:
        data = await api.data(query, {**variables, "first": first, "after": after}, token)
        for key in field.split("."):
            data = data[key]
        edges += data["edges"]
        if not data["pageInfo"]["hasNextPage"]:
            return edges
        after = data["pageInfo"]["endCursor"]
