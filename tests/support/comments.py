"""Comments and the notifications inbox: GraphQL documents as the app sends them."""

from __future__ import annotations

from typing import Any

from tests.support.client import Account, Api

COMMENT_FIELDS = "id text created_at reply_to hidden user { id pseudo } mentions { id pseudo }"

COMMENT = f"""
mutation Comment($video: ID!, $text: String!, $reply_to: ID) {{
  commentVideo(video_id: $video, text: $text, reply_to: $reply_to) {{
    {COMMENT_FIELDS} video {{ id comment_count }}
  }}
}}
"""
DELETE_COMMENT = "mutation Delete($id: ID!) { deleteComment(id: $id) }"
COMMENTS = f"""
query Comments($id: ID!, $first: Int, $after: String) {{
  video(id: $id) {{
    comment_count
    comments(first: $first, after: $after) {{
      edges {{ cursor node {{ {COMMENT_FIELDS} video {{ id }} }} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""
REPORT_COMMENT = """
mutation Report($id: ID!, $reason: ReportReason!, $details: String) {
  reportComment(comment_id: $id, reason: $reason, details: $details)
}
"""

NOTIFICATION_FIELDS = """
  id kind read actor_count created_at updated_at action
  actors { id pseudo } video { id } comment { id text }
"""
INBOX = """
query Inbox($first: Int, $after: String, $actors: Int = 3) {
  notifications(first: $first, after: $after) {
    edges { cursor node {
      id kind read actor_count created_at updated_at action
      actors(first: $actors) { id pseudo } video { id } comment { id text }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
UNREAD = "{ unreadNotificationCount }"
MARK_READ = "mutation Mark($up_to: ID) { markNotificationsRead(up_to: $up_to) }"
SETTINGS = "{ notificationSettings { kind inbox push } }"
UPDATE_SETTINGS = """
mutation Switch($settings: [NotificationSettingInput!]!) {
  updateNotificationSettings(settings: $settings) { kind inbox push }
}
"""


async def comment(
    api: Api, who: Account, video_id: str, text: str = "Belle croix !", reply_to: str | None = None
) -> dict[str, Any]:
    variables = {"video": video_id, "text": text, "reply_to": reply_to}
    made: dict[str, Any] = (await api.data(COMMENT, variables, who.token))["commentVideo"]
    return made


async def comment_ids(api: Api, video_id: str, who: Account | None, first: int = 50) -> list[str]:
    """The ids of the video's comments `who` sees, in order (every page)."""
    ids: list[str] = []
    after = None
    while True:
        variables = {"id": video_id, "first": first, "after": after}
        video = (await api.data(COMMENTS, variables, None if who is None else who.token))["video"]
        assert video is not None
        page = video["comments"]
        ids += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


async def inbox(api: Api, who: Account, first: int = 50) -> list[dict[str, Any]]:
    page = (await api.data(INBOX, {"first": first}, who.token))["notifications"]
    return [edge["node"] for edge in page["edges"]]


async def unread(api: Api, who: Account) -> int:
    count: int = (await api.data(UNREAD, None, who.token))["unreadNotificationCount"]
    return count
