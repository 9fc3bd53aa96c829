"""The bench data set's part for the new read paths (issue 28): one reader's comments,
inbox and synced logbook, written with the app's own models as bench/seed.py writes the
rest.

The reader is the second bench viewer (the feed is measured as the first, whose audience
stays empty, so its numbers stay comparable with the earlier rounds'). The reader
follows 10 climbers, blocks one and is blocked by another, so every filter the pages
apply has something to leave out:

- its newest video carries 40 comments in threads with replies, some mentioning it,
  some by the climbers blocked either way, two hidden by moderation (one its own);
- its inbox holds 34 entries: LIKE groups of 3 to 248 likers (one of only the
  climber who blocks it: not shown), FOLLOWs, COMMENTs, a REPLY, MENTIONs, MODERATION;
- its 20 sessions (100 croix) are stamped as synced ones are, the latest a few days
  ago, with 3 deletions (tombstones) in the last days: `logbook_since` is the pull of a
  phone last synced 10 days ago;
- the gym of `gym_id` holds the active climbers' sessions: its circuits over 28 days.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from beanie import Document, PydanticObjectId
from beanie.odm.utils.dump import get_dict
from pymongo.asynchronous.database import AsyncDatabase

from models.block import BlockEdge
from models.climb_session import ClimbSession
from models.comment import CommentDocument
from models.follow import FollowEdge
from models.logbook_clock import millis
from models.notification import NotificationDocument
from models.tombstone import TombstoneDocument
from models.user import UserDocument

READER = 1  # the bench viewer whose pages these are
SUSPENDED = 42  # a liker suspended since (its account only)
COMMENTS = 40
SINCE_DAYS = 10


@dataclass(frozen=True, slots=True)
class ReadsFixture:
    reader: int  # index among the fixture's viewers (and their tokens)
    comments_video_id: str
    logbook_since: float
    gym_id: str


def _dump(doc: Document) -> dict[str, Any]:
    dumped: dict[str, Any] = get_dict(doc, to_db=True)
    return dumped


def stamp_logbook(sessions: list[ClimbSession], reader: PydanticObjectId) -> None:
    """The reader's sessions and croix stamped as the sync stamps them (their creation
    instants as seqs), some known by a phone's ids."""
    for n, session in enumerate(s for s in sessions if s.user_id == reader):
        session.change_seq, session.updated_at = millis(session.created_at), session.created_at
        if n % 2 == 0:
            session.client_id = f"wm{n:014d}"
        for k, croix in enumerate(session.croix):
            croix.change_seq, croix.updated_at = millis(croix.created_at), croix.created_at
            if k % 2 == 0:
                croix.client_id = f"wm{n:06d}c{k:07d}"
        session.last_change_seq = max(
            [session.change_seq, *(c.change_seq or 0 for c in session.croix)]
        )


def _ids(users: list[UserDocument]) -> list[PydanticObjectId]:
    return [u.id for u in users if u.id is not None]


async def seed_reads(
    db: AsyncDatabase[dict[str, Any]],
    users: list[UserDocument],
    video_raws: list[dict[str, Any]],
    gym_id: PydanticObjectId,
    now: datetime,
) -> ReadsFixture:
    rng = random.Random(28)
    ids = _ids(users[:250])
    reader, blocked, blocker = ids[READER], ids[40], ids[41]
    mine = [raw for raw in video_raws if raw["user_id"] == reader]
    assert mine, "the reader has videos"
    video_id = mine[0]["_id"]
    edges = [
        FollowEdge(follower_id=reader, followee_id=ids[n], created_at=now) for n in range(2, 12)
    ]
    await db.follows.insert_many([_dump(e) for e in edges])
    blocks = [BlockEdge(blocker_id=reader, blocked_id=blocked, created_at=now),
              BlockEdge(blocker_id=blocker, blocked_id=reader, created_at=now)]  # fmt: skip
    await db.blocks.insert_many([_dump(b) for b in blocks])
    comments = _comments(rng, ids, video_id, mine[0]["user_id"], now)
    await db.comments.insert_many([_dump(c) for c in comments])
    await db.videos.update_one({"_id": video_id}, {"$set": {"comment_count": len(comments)}})
    entries = _inbox(rng, ids, [raw["_id"] for raw in mine], comments, now)
    # Only the account is marked (not its videos or comments): the feed's figures stay.
    await db.users.update_one({"_id": ids[SUSPENDED]}, {"$set": {"withheld": ["suspended"]}})
    await db.notifications.insert_many([_dump(e) for e in entries])
    graves = [
        TombstoneDocument(
            user_id=reader, table=table, record_id=f"gone{n:012d}",
            change_seq=millis(now - timedelta(days=n + 1)), deleted_at=now - timedelta(days=n + 1),
            expires_at=now + timedelta(days=90),
        )
        for n, table in enumerate(("croix", "croix", "sessions"))
    ]  # fmt: skip
    await db.logbook_tombstones.insert_many([_dump(g) for g in graves])
    return ReadsFixture(
        reader=READER,
        comments_video_id=str(video_id),
        logbook_since=float(millis(now - timedelta(days=SINCE_DAYS))),
        gym_id=str(gym_id),
    )


def _comments(
    rng: random.Random,
    ids: list[PydanticObjectId],
    video_id: PydanticObjectId,
    owner: PydanticObjectId,
    now: datetime,
) -> list[CommentDocument]:
    reader, blocked, blocker = ids[READER], ids[40], ids[41]
    authors = [*ids[2:30], blocked, blocker, reader]
    made: list[CommentDocument] = []
    thread: CommentDocument | None = None
    for n in range(COMMENTS):
        at = (now - timedelta(hours=COMMENTS - n)).replace(microsecond=0)
        comment_id = PydanticObjectId()
        reply = thread is not None and n % 3 != 0
        mentions = [reader] if n % 4 == 0 else ([ids[5]] if n % 7 == 0 else [])
        doc = CommentDocument(
            id=comment_id, video_id=video_id, video_owner_id=owner,
            user_id=authors[n % len(authors)], text=f"Comment {n}: heel hook, then the crimp",
            reply_to=thread.id if reply and thread else None,
            thread_id=thread.id if reply and thread and thread.id else comment_id,
            thread_at=thread.created_at if reply and thread else at,
            depth=1 if reply else 0, mentions=mentions, created_at=at,
            withheld=["moderation"] if n in (5, 12) else [],
        )  # fmt: skip
        if not reply:
            thread = doc
        made.append(doc)
    return made


def _inbox(
    rng: random.Random,
    ids: list[PydanticObjectId],
    videos: list[PydanticObjectId],
    comments: list[CommentDocument],
    now: datetime,
) -> list[NotificationDocument]:
    reader, blocked, blocker, suspended = ids[READER], ids[40], ids[41], ids[SUSPENDED]
    entries: list[tuple[str, list[PydanticObjectId], Any, Any, str | None]] = []
    for n in range(8):  # LIKE groups
        likers = rng.sample(ids[2:], min(3 + 60 * n, len(ids) - 2))
        likers = [liker for liker in likers if liker != suspended]
        if n % 2 == 1:  # the latest liker suspended since: not listed, the next ones are
            likers.append(suspended)
        entries.append(
            (
                "LIKE",
                [*likers, blocked] if n % 3 == 0 else likers,
                videos[n % len(videos)],
                None,
                None,
            )
        )
    entries.append(("LIKE", [blocker], videos[0], None, None))  # not shown to the reader
    entries += [("FOLLOW", [ids[n]], None, None, None) for n in (*range(12, 18), 40)]
    for comment in comments:
        kind = "MENTION" if reader in comment.mentions else "COMMENT"
        if comment.user_id != reader and len(entries) < 31:
            entries.append((kind, [comment.user_id], comment.video_id, comment.id, None))
    entries.append(("REPLY", [ids[3]], comments[1].video_id, comments[1].id, None))
    entries += [
        ("MODERATION", [], videos[0], None, "HIDE"),
        ("MODERATION", [], None, None, "DISMISS"),
    ]
    docs = []
    for n, (kind, actors, video_id, comment_id, action) in enumerate(entries):
        at = (now - timedelta(minutes=37 * n + rng.randint(0, 30))).replace(microsecond=0)
        docs.append(
            NotificationDocument(
                user_id=reader,
                kind=kind,
                group_key=f"{kind}:{n}",
                actors=actors,
                video_id=video_id,
                comment_id=comment_id,
                action=action,
                created_at=at - timedelta(hours=1),
                updated_at=at,
                read=n > 10,
                expires_at=now + timedelta(days=60),
            )
        )
    return docs
