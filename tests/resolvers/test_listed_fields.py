"""A listing reads the stored fields its query's selection needs (resolvers.video_fields):
whatever the selection's shape (a field alone, fragments named or inline, aliases, a
field asked twice), every selected field answers what a listing reading every field
answers; and every field of `Video` is classified, so a new one cannot answer a default.
"""

from __future__ import annotations

from typing import Any

from strawberry.types.base import StrawberryObjectDefinition

from models.video import LISTING_OPTIONAL
from resolvers.schema import build_schema
from resolvers.video_fields import FREE, STORED
from tests.support.client import Api
from tests.support.safety import UPDATE_VIDEO
from tests.support.social import follow
from tests.support.videos import LIKE, accounts, post_video

EVERY = """
  id video_url caption color grade status like_count is_liked_by_me created_at sent_at
  visibility hidden comment_count media_state media_error duration_ms width height
  poster_url user { id pseudo }
"""
ALIASES = {"state": "media_state", "likes": "like_count"}
SHAPES = {
    "one field": "{ feedPage(first: 10) { edges { node { like_count } } } }",
    "a named fragment": """
        query { feedPage(first: 10) { edges { node { ...V } } } }
        fragment V on Video { is_liked_by_me visibility }""",
    "an inline fragment and an alias": """
        { feedPage(first: 10) { edges { node { ... on Video { state: media_state
          likes: like_count } caption } } } }""",
    # The operation of "a named fragment", another fragment: what a listing remembers of
    # one document (by its nodes) must not answer for the other.
    "the same operation, another fragment": """
        query { feedPage(first: 10) { edges { node { ...V } } } }
        fragment V on Video { caption comment_count like_count }""",
    "the offset feed": "{ feed(limit: 10) { hidden comment_count duration_ms } }",
    "a field under @include": """
        query ($f: Boolean = true) { feedPage(first: 10) { edges { node {
          id poster_url @include(if: $f) } } } }""",
    "a profile's videos": """
        query ($id: ID!) { user(id: $id) { videos(first: 10) { edges { node {
          caption width height } } } } }""",
    "the following feed": "{ followingFeed(first: 10) { edges { node { sent_at like_count } } } }",
}


def test_every_video_field_is_classified() -> None:
    video = build_schema().get_type_by_name("Video")
    assert isinstance(video, StrawberryObjectDefinition)
    names = {field.graphql_name or field.python_name for field in video.fields}
    assert names == FREE - {"__typename"} | set(STORED)
    assert {stored for fields in STORED.values() for stored in fields} == set(LISTING_OPTIONAL)


def _videos(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The listed videos of an answer, whatever the query's shape."""
    data = body["data"]
    if "feed" in data:
        listed: list[dict[str, Any]] = data["feed"]
        return listed
    page = data.get("feedPage") or data.get("followingFeed") or data["user"]["videos"]
    return [edge["node"] for edge in page["edges"]]


async def test_each_selection_answers_what_reading_every_field_answers(api: Api) -> None:
    owner, viewer = await accounts(api, 2)
    await follow(api, viewer, owner)
    posted = [await post_video(api, owner) for _ in range(3)]
    await api.media_settled()
    await api.data(LIKE, {"id": posted[0]["id"]}, viewer.token)
    await api.data(UPDATE_VIDEO, {"id": posted[1]["id"], "visibility": "FOLLOWERS"}, owner.token)

    query = f"query ($id: ID!) {{ user(id: $id) {{ videos(first: 10) {{ edges {{ node {{ {EVERY} }} }} }} }} }}"  # noqa: E501
    whole = _videos({"data": await api.data(query, {"id": owner.id}, viewer.token)})
    assert [video["id"] for video in whole] == [p["id"] for p in reversed(posted)]
    assert whole[2]["is_liked_by_me"] is True
    assert whole[1]["visibility"] == "FOLLOWERS"
    # Twice over: the second time each listing answers from what it remembered.
    for shape, query in [*SHAPES.items(), *SHAPES.items()]:
        variables = {"id": owner.id} if "$id" in query else None
        body = await api.execute(query, variables, viewer.token)
        assert "errors" not in body, (shape, body)
        listed = _videos(body)
        assert len(listed) == len(whole), shape
        for video, reference in zip(listed, whole, strict=True):
            for key, value in video.items():
                assert value == reference[ALIASES.get(key, key)], (shape, key)
