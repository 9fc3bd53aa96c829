"""What lands in a climber's notifications inbox, and what is taken back.

The inbox listens to the use cases' events (workflows.events: likes, relations,
comments, moderation tell it, through the `Events` protocol it implements); it decides:

- none for one's own actions;
- never across a block: the actor could act only on what their audience let them see
  (a video, a comment, a profile: models.audience), and the inbox's query leaves out
  actors the reader may not see, so a block made afterwards hides them too;
- none of a kind the recipient switched off for the inbox (models.notification_settings);
- LIKEs grouped per video and per day (models.notification); an unlike, an unfollow, a
  deleted comment withdraws what it caused.

Writing an entry is one upsert after one read of the recipient's settings; what a push
needs is added by workflows.push when push is configured. Reading a page is four
queries whatever it holds: the entries, their comments, every video they or their
comments are on, every climber any of them shows (workflows.related).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from beanie import PydanticObjectId

from kit.clock import utcnow, utcnow_ms
from models.audience import Audience
from models.comment import CommentView
from models.keyset import PageKey
from models.notification import (
    COMMENT,
    FOLLOW,
    KINDS,
    LIKE,
    MENTION,
    MODERATION,
    REPLY,
    Event,
    NotificationView,
)  # fmt: skip
from models.notification_settings import Switches
from models.registry import Repositories
from workflows.errors import InvalidInput, Missing
from workflows.related import RelatedReads, Shown, distinct

DEFAULT_TTL = timedelta(days=90)


@dataclass(frozen=True, slots=True)
class Switch:
    """One kind switched on (True) or off (False) for the inbox, push, or both (None:
    unchanged)."""

    kind: str
    inbox: bool | None = None
    push: bool | None = None


class Pusher(Protocol):
    """What delivers a noted event to the recipient's phones (workflows.push)."""

    async def enqueue(self, event: Event, entry_id: PydanticObjectId | None) -> None: ...


class Notifications:
    def __init__(
        self, repos: Repositories, ttl: timedelta = DEFAULT_TTL, pusher: Pusher | None = None
    ) -> None:
        self._repos = repos
        self._ttl = ttl
        self._pusher = pusher
        self._related = RelatedReads(repos)

    async def _note(self, event: Event) -> None:
        if event.actor is not None and event.actor == event.user_id:
            return
        switches = await self._repos.notification_settings.of(event.user_id)
        entry_id = None
        if event.kind not in switches.inbox_off:
            entry_id = await self._repos.notifications.note(event, utcnow() + self._ttl)
            if entry_id is None:
                return  # a repeat (the actor was in the group already): nothing new
        if self._pusher is not None and event.kind not in switches.push_off:
            await self._pusher.enqueue(event, entry_id)

    # --- the reader's side ---------------------------------------------------------------

    async def page(
        self, audience: Audience, first: int, after: PageKey | None, *, actors_ahead: int
    ) -> Shown[NotificationView]:
        """A page of the reader's inbox, newest first, with what its entries name: the
        comments the reader may see, the videos they may see of the entries and of those
        comments (a comment shows with its video only), and the climbers: the videos' and
        comments' authors, the mentioned, and each entry's first `actors_ahead` actors
        (what an inbox shows of them by default)."""
        entries, has_next = await self._repos.notifications.page(
            audience=audience, first=first, after=after
        )
        comment_ids = [entry.comment_id for entry in entries if entry.comment_id is not None]
        comments = await self._repos.comments.visible_many(distinct(comment_ids), audience)
        related = await self._related.read(
            audience,
            comments=comments,
            video_ids=[entry.video_id for entry in entries if entry.video_id is not None],
            user_ids=[actor for entry in entries for actor in entry.actors[:actors_ahead]],
        )
        return Shown(entries, related, has_next)

    async def mark_read(self, user_id: PydanticObjectId, up_to: PydanticObjectId | None) -> int:
        """Mark the reader's entries read (up to `up_to` and older, when given); how many
        changed. Missing for an entry that is not theirs."""
        key = None
        if up_to is not None:
            key = await self._repos.notifications.position(user_id, up_to)
            if key is None:
                raise Missing("no notification has this id")
        return await self._repos.notifications.mark_read(user_id, key)

    async def switch(self, user_id: PydanticObjectId, changes: Sequence[Switch]) -> Switches:
        """Switch kinds on or off, for the inbox and for push separately."""
        named: set[str] = set()
        for change in changes:
            if change.kind not in KINDS:
                raise InvalidInput("kind", "must be one of " + ", ".join(KINDS))
            if change.kind in named:  # on and off at once: which one was meant?
                raise InvalidInput("settings", f"names {change.kind} more than once")
            named.add(change.kind)

        def kinds(pick: Callable[[Switch], bool | None], value: bool) -> list[str]:
            return [c.kind for c in changes if pick(c) is value]

        return await self._repos.notification_settings.switch(
            user_id,
            inbox_on=kinds(lambda c: c.inbox, True),
            inbox_off=kinds(lambda c: c.inbox, False),
            push_on=kinds(lambda c: c.push, True),
            push_off=kinds(lambda c: c.push, False),
        )

    # --- likes and follows --------------------------------------------------------------

    async def liked(
        self, video_id: PydanticObjectId, owner: PydanticObjectId, actor: PydanticObjectId
    ) -> None:
        day = utcnow_ms().date().isoformat()
        key = f"{LIKE}:{video_id}:{day}"
        await self._note(Event(owner, LIKE, key, actor=actor, video_id=video_id))

    async def unliked(
        self, video_id: PydanticObjectId, owner: PydanticObjectId, actor: PydanticObjectId
    ) -> None:
        await self._repos.notifications.withdraw_like(owner, video_id, actor)

    async def followed(self, follower: PydanticObjectId, followee: PydanticObjectId) -> None:
        await self._note(Event(followee, FOLLOW, f"{FOLLOW}:{follower}", actor=follower))

    async def unfollowed(self, follower: PydanticObjectId, followee: PydanticObjectId) -> None:
        await self._repos.notifications.withdraw(followee, f"{FOLLOW}:{follower}", follower)

    # --- comments -----------------------------------------------------------------------

    async def commented(self, comment: CommentView, answered: CommentView | None) -> None:
        """COMMENT to the video's owner, REPLY to whom it answers, MENTION to those it
        names: each recipient once, the most specific kind winning."""
        author = comment.user_id
        kinds: dict[PydanticObjectId, str] = {}
        for user in comment.mentions:
            kinds[user] = MENTION
        if answered is not None:
            kinds[answered.user_id] = REPLY
        kinds.setdefault(comment.video_owner_id, COMMENT)
        for user, kind in kinds.items():
            key = f"{kind}:{comment.id}"
            event = Event(user, kind, key, author, comment.video_id, comment.id)
            await self._note(event)

    async def comments_removed(self, comment_ids: Sequence[PydanticObjectId]) -> None:
        await self._repos.notifications.delete_for_comments(comment_ids)

    # --- moderation ---------------------------------------------------------------------

    async def moderated(
        self,
        user_id: PydanticObjectId,
        action: str,
        *,
        video_id: PydanticObjectId | None = None,
        comment_id: PydanticObjectId | None = None,
        case_id: PydanticObjectId,
    ) -> None:
        """Tell `user_id` what a moderator did (to their content, or on their report)."""
        key = f"{MODERATION}:{case_id}:{action}:{PydanticObjectId()}"
        event = Event(user_id, MODERATION, key, None, video_id, comment_id, action)
        await self._note(event)
