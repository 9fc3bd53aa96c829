"""Who sees what: the one place that decides whether viewer V may see something of author A.

The rule (issue 16), applied *inside* every query that lists or looks up someone's
videos, profile or follow edges, never by filtering a page afterwards (so pages stay
full and cursors stable):

- neither V nor A has blocked the other;
- the item is not withheld: `withheld` (on users and videos) lists why it is hidden —
  any reason hides it, absent or [] hides nothing. A suspended user carries SUSPENDED,
  and so do all their videos (one `update_many`), so a video query never joins users;
  a video whose media is not READY (being probed, or rejected) carries MEDIA;
- a video's `visibility` admits V: PUBLIC everyone, FOLLOWERS A's followers, PRIVATE
  nobody else (absent: PUBLIC, as every video was before visibility existed);
- owners always see their own (withheld or not); moderators see everything.

A logbook (sessions and their croix) is named to others only as its owner's
`logbook_visibility` admits them, under the same blocks and suspensions (`logbook_filter`).

What this needs to know of V (its blocks both ways, whom it follows, its role) is read
in one query (`AudienceRepository.of`, in models.user where users are read), whatever V
has blocked or follows, and kept a few seconds by workflows.audiences: a feed page costs
that round trip once in a while, not on every request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from beanie import PydanticObjectId

# Why a user or a video is withheld (the strings stored in `withheld`).
MODERATION = "moderation"  # a video hidden by reports or a moderator's HIDE
SUSPENDED = "suspended"  # its user is suspended (on the user and all their videos)
DELETING = "deleting"  # its account is being deleted (set by account deletion only)
# Its media is not shown yet: being probed, or rejected (workflows.media). Its owner sees
# it with its `media_state`; nobody else until it is READY.
MEDIA = "media"
WITHHELD_REASONS = (MODERATION, SUSPENDED, DELETING, MEDIA)

# Video visibility (stored as is in `videos.visibility`).
PUBLIC = "PUBLIC"
FOLLOWERS = "FOLLOWERS"
PRIVATE = "PRIVATE"
VISIBILITIES = (PUBLIC, FOLLOWERS, PRIVATE)

MODERATOR = "MODERATOR"  # the one role (`users.role`); absent: an ordinary climber

# Matches a document nothing withholds: `withheld` absent or empty.
NOT_WITHHELD: dict[str, Any] = {"withheld.0": {"$exists": False}}


@dataclass(frozen=True, slots=True)
class Audience:
    """What the rule needs to know of one viewer, read once per request."""

    viewer_id: PydanticObjectId | None = None
    moderator: bool = False
    # Users the viewer blocked or who blocked the viewer: invisible either way.
    hidden_users: frozenset[PydanticObjectId] = field(default_factory=frozenset)
    # Whom the viewer follows: their FOLLOWERS videos are for the viewer too.
    followees: tuple[PydanticObjectId, ...] = ()
    # Of `hidden_users`, those who blocked the viewer.
    blocked_by: frozenset[PydanticObjectId] = field(default_factory=frozenset)

    def ignoring_blocks(self) -> Audience:
        """The same viewer as if their own blocks did not stand: what may be *reported*
        (one blocks, then reports) without revealing anything else. Blocks against the
        viewer still hide: a blocked climber cannot report (nor find) their blocker."""
        return replace(self, hidden_users=self.blocked_by)


ANONYMOUS = Audience()


def _not_hidden(audience: Audience, user_field: str) -> dict[str, Any]:
    if not audience.hidden_users:
        return {}
    return {user_field: {"$nin": sorted(audience.hidden_users)}}


def _or_own(audience: Audience, owner_field: str, others: dict[str, Any]) -> dict[str, Any]:
    """`others`, or anything the viewer owns (owners see their own, withheld or not)."""
    if audience.viewer_id is None:
        return others
    return {"$or": [{owner_field: audience.viewer_id}, others]}


def video_filter(audience: Audience) -> dict[str, Any]:
    """The clauses a videos query adds to its `$match` for this viewer."""
    if audience.moderator:
        return {}
    admitted: list[dict[str, Any]] = [{"visibility": {"$nin": [FOLLOWERS, PRIVATE]}}]
    if audience.followees:
        admitted.append({"visibility": FOLLOWERS, "user_id": {"$in": list(audience.followees)}})
    others: dict[str, Any] = {**NOT_WITHHELD}
    others["$or"] = admitted
    clauses = [_not_hidden(audience, "user_id"), _or_own(audience, "user_id", others)]
    return {"$and": [clause for clause in clauses if clause]}


def user_filter(audience: Audience) -> dict[str, Any]:
    """The clauses a users query adds to its `$match` for this viewer."""
    if audience.moderator:
        return {}
    clauses = [_not_hidden(audience, "_id"), _or_own(audience, "_id", dict(NOT_WITHHELD))]
    return {"$and": [clause for clause in clauses if clause]}


def logbook_filter(audience: Audience, prefix: str = "") -> dict[str, Any]:
    """The clauses on a *user* document (its fields under `prefix`) whose logbook this
    viewer may see by name (issue 27): its `logbook_visibility` admits V (PUBLIC everyone,
    FOLLOWERS A's followers, PRIVATE or absent nobody else), no block stands either way,
    A is not withheld; V's own always. A moderator sees no more logbooks than anyone: a
    logbook is a private diary, not published content, and moderation never needs it."""
    user_id, visibility = f"{prefix}_id", f"{prefix}logbook_visibility"
    admitted: list[dict[str, Any]] = [{visibility: PUBLIC}]
    if audience.followees:
        admitted.append({visibility: FOLLOWERS, user_id: {"$in": list(audience.followees)}})
    clauses = [
        {f"{prefix}{path}": condition for path, condition in NOT_WITHHELD.items()},
        {"$or": admitted},
        _not_hidden(audience, user_id),
    ]
    others = {"$and": [clause for clause in clauses if clause]}
    return _or_own(audience, user_id, others)


def visible_logbook_stages(audience: Audience, user_field: str) -> list[dict[str, Any]]:
    """Pipeline stages keeping the rows whose climber (the user id in `user_field`) the
    viewer may see by name (`logbook_filter`): a `$lookup` of each row's user, so place
    them after the rows are grouped per climber. Blocked users go before the lookup.
    `$unwind` rather than `$elemMatch` on the looked-up array: the embedded database
    refuses `$or` inside `$elemMatch`."""
    stages: list[dict[str, Any]] = []
    if audience.hidden_users:
        stages.append({"$match": _not_hidden(audience, user_field)})
    stages += [
        {"$lookup": {"from": "users", "localField": user_field, "foreignField": "_id",
                     "as": "_climber"}},
        # A climber whose account is gone has no document: the row goes with it.
        {"$unwind": "$_climber"},
        {"$match": logbook_filter(audience, "_climber.")},
        {"$project": {"_climber": 0}},
    ]  # fmt: skip
    return stages


def comment_filter(audience: Audience) -> dict[str, Any]:
    """The clauses a comments query adds for this viewer: not by someone blocked either
    way, not withheld (hidden by moderation, or its author suspended) unless the
    viewer wrote it. Whether the viewer may see the video is the video's query."""
    if audience.moderator:
        return {}
    clauses = [_not_hidden(audience, "user_id"), _or_own(audience, "user_id", dict(NOT_WITHHELD))]
    return {"$and": [clause for clause in clauses if clause]}


def edge_stages(audience: Audience, other_field: str) -> list[dict[str, Any]]:
    """Pipeline stages keeping the follow (or block) edges whose other end, the user in
    `other_field`, the viewer may see. Placed after the `$sort` and before the
    `$limit`, the `$lookup` runs for the edges a page reads, not for all of them."""
    if audience.moderator:
        return []
    stages: list[dict[str, Any]] = []
    if audience.hidden_users:
        stages.append({"$match": _not_hidden(audience, other_field)})
    stages += [
        {"$lookup": {"from": "users", "localField": other_field, "foreignField": "_id",
                     "as": "_other"}},
        # A user gone altogether stays listed (shown as a stand-in); a withheld one not.
        {"$match": {"_other": {"$not": {"$elemMatch": {"withheld.0": {"$exists": True}}}}}},
    ]  # fmt: skip
    return stages


def ids_of(raw: Iterable[Any]) -> list[PydanticObjectId]:
    return [PydanticObjectId(value) for value in raw]
