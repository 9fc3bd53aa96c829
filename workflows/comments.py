"""Commenting on videos: posting (with replies and @mentions), deleting, and what goes
with a deleted video or account.

The audience rule (models.audience) decides throughout: one comments only on a video
one may see, replies only to a comment one may see; listings leave out, inside their
query, the comments of climbers blocked either way and hidden ones.

`videos.comment_count` moves with `$inc` after each insert and deletion, so the feed
reads it with the video, never counting. A reply whose thread is deleted while it is
being posted would be left under nothing: the reply looks for its thread after its
insert and removes itself if the thread went (a thread's deletion removes the replies
inserted before it), so the count and the listing agree.

What these answer with comes `Shown` (workflows.related): the comments with the videos
they are on and the climbers they name, read for the whole page at once.
"""

from __future__ import annotations

from beanie import PydanticObjectId

from models.audience import SUSPENDED, Audience
from models.comment import CommentKey, CommentView, Removed
from models.registry import Repositories
from rules.blocked_words import BlockedWords
from rules.comments import MENTIONS_MAX, clean_comment, mentioned_pseudos
from workflows.errors import InvalidInput, Missing, Refused
from workflows.events import Events
from workflows.hourly_cap import HourlyCap
from workflows.related import RelatedReads, Shown
from workflows.terms import TermsGate


class Comments:
    def __init__(
        self,
        repos: Repositories,
        cap: HourlyCap,
        blocked_words: BlockedWords,
        events: Events,
        terms: TermsGate,
    ) -> None:
        self._repos = repos
        self._cap = cap
        self._blocked_words = blocked_words
        self._events = events
        self._terms = terms  # a comment is published text
        self._related = RelatedReads(repos)

    async def page(
        self,
        audience: Audience,
        video_id: PydanticObjectId,
        first: int,
        after: CommentKey | None,
    ) -> Shown[CommentView]:
        """Up to `first` of a video's comments after `after` (a video the reader sees:
        the caller shows it, so only the people are read with them)."""
        views, has_next = await self._repos.comments.page(
            video_id=video_id, first=first, after=after, audience=audience
        )
        related = await self._related.read(audience, comments=views, comments_videos=False)
        return Shown(views, related, has_next)

    async def shown(self, audience: Audience, views: list[CommentView]) -> Shown[CommentView]:
        """Comments of any videos, with those videos (the ones the reader may see) and
        the climbers they name."""
        return Shown(views, await self._related.read(audience, comments=views))

    async def post(
        self,
        audience: Audience,
        video_id: PydanticObjectId,
        raw_text: str,
        reply_to: PydanticObjectId | None = None,
    ) -> Shown[CommentView]:
        """Comment on a video the author may see (or reply to one of its comments); the
        comment as its author sees it."""
        comment = await self._post(audience, video_id, raw_text, reply_to)
        return await self.shown(audience, [comment])

    async def _post(
        self,
        audience: Audience,
        video_id: PydanticObjectId,
        raw_text: str,
        reply_to: PydanticObjectId | None,
    ) -> CommentView:
        author = _viewer(audience)
        await self._terms.require(author)
        text = clean_comment(raw_text)
        self._blocked_words.check(text, "text")
        repos = self._repos
        owner = await repos.videos.owner_of(video_id, audience)
        if owner is None:
            raise Missing("no video has this id")
        answered, thread = await self._thread(audience, video_id, reply_to)
        await self._cap.spend(str(author))  # counted once the comment can be posted
        mentions = await self._mentions(text, audience, author)
        comment = await repos.comments.create(
            video_id=video_id,
            video_owner_id=owner,
            user_id=author,
            text=text,
            thread=thread,
            mentions=mentions,
        )
        await repos.videos.count_comments(video_id, 1)
        if thread is not None and not await repos.comments.exists(thread.id):
            if await repos.comments.delete_one(comment.id):
                await repos.videos.count_comments(video_id, -1)
            raise Missing("no comment has this id")
        # A suspension that landed while this comment was posted applies to it too.
        if await repos.users.is_withheld(author, SUSPENDED):
            await repos.comments.withhold(comment.id, SUSPENDED)
        await self._events.commented(comment, answered)
        return comment

    async def _thread(
        self, audience: Audience, video_id: PydanticObjectId, reply_to: PydanticObjectId | None
    ) -> tuple[CommentView | None, CommentView | None]:
        """(the comment answered, the top-level comment whose thread the reply joins)."""
        if reply_to is None:
            return None, None
        answered = await self._repos.comments.visible(reply_to, audience)
        if answered is None or answered.video_id != video_id:
            raise Missing("no comment has this id")
        if answered.depth == 0:
            return answered, answered
        thread = await self._repos.comments.get(answered.thread_id)
        if thread is None:
            raise Missing("no comment has this id")
        return answered, thread

    async def _mentions(
        self, text: str, audience: Audience, author: PydanticObjectId
    ) -> list[PydanticObjectId]:
        """The climbers the text mentions whom the author may see, in order, not the
        author, at most MENTIONS_MAX."""
        names = mentioned_pseudos(text)
        found = await self._repos.users.visible_ids_by_pseudo(names, audience)
        mentioned = [found[name] for name in names if name in found]
        wanted = [user for user in dict.fromkeys(mentioned) if user != author]
        return wanted[:MENTIONS_MAX]

    async def delete(self, audience: Audience, comment_id: PydanticObjectId) -> None:
        """Delete a comment (and, for a top-level one, its replies): by its author, the
        video's owner or a moderator. NOT_FOUND for a comment the caller may not see."""
        viewer = _viewer(audience)
        # Blocks aside: a video's owner who blocked a climber no longer sees their earlier
        # comments under it, which everyone else still does, and must be able to remove them.
        comment = await self._repos.comments.visible(comment_id, audience.ignoring_blocks())
        if comment is None or not await self._repos.videos.exists(comment.video_id, audience):
            raise Missing("no comment has this id")
        if viewer not in (comment.user_id, comment.video_owner_id) and not audience.moderator:
            if comment.user_id in audience.hidden_users:
                raise Missing("no comment has this id")  # what a block hides stays hidden
            raise Refused("only its author, the video's owner or a moderator may delete it")
        removed = await self._repos.comments.delete_thread(comment)
        await self._removed(removed)

    async def _removed(self, removed: Removed) -> None:
        await self._repos.videos.count_comments(removed.video_id, -removed.count)
        await self._events.comments_removed(removed.ids)

    async def video_deleted(self, video_id: PydanticObjectId) -> None:
        """Delete the comments of a video just deleted (its count went with it)."""
        ids = await self._repos.comments.delete_for_video(video_id)
        await self._events.comments_removed(ids)


async def erase_batch(
    repos: Repositories, events: Events, user_id: PydanticObjectId, limit: int
) -> int:
    """An account's erasure (workflows.account_deletion): delete up to `limit` comments
    under the user's videos, or failing those, of the user's own (with their threads,
    uncounted from their videos), with what they noted in inboxes; how many. Zero: none
    left."""
    under = await repos.comments.delete_under_owner_batch(user_id, limit)
    if under:
        await events.comments_removed(under)
        return len(under)
    authored = await repos.comments.authored_batch(user_id, limit)
    for comment in authored:
        removed = await repos.comments.delete_thread(comment)
        await repos.videos.count_comments(removed.video_id, -removed.count)
        await events.comments_removed(removed.ids)
    return len(authored)


def _viewer(audience: Audience) -> PydanticObjectId:
    if audience.viewer_id is None:  # the GraphQL layer requires a viewer first
        raise InvalidInput("viewer", "sign in to comment")
    return audience.viewer_id
