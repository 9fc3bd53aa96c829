"""Posting: a video posted, changed, deleted, with its checks and settlements.

Posting publishes: it goes through the terms of use (workflows.terms) and the blocked
words, and counts against an unverified account's daily posts, unless the video is
PRIVATE. Cheap checks come first, so a typo is reported before any storage or database
round trip. A post answers at once: its file is probed later by the media worker
(workflows.media), and until then only its owner sees it.

A post races the account's deletion and suspension: the deletion or suspension that
landed while it was in flight applies to it too (`settle_new_video` of each).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from beanie import PydanticObjectId

from models.audience import MODERATION, PRIVATE, Audience
from models.registry import Repositories
from models.video import PROCESSING, VideoChanges, VideoView
from rules import climbing as climb_rules
from rules.blocked_words import BlockedWords
from rules.ids import parse_optional_id
from rules.text import text_block
from storage.kinds import MediaKind
from storage.service import MediaStorage
from workflows.account_deletion import AccountDeletion
from workflows.comments import Comments
from workflows.errors import InvalidInput, Missing, NotSignedIn, Refused
from workflows.media import MediaWork
from workflows.moderation import Moderation
from workflows.terms import TermsGate
from workflows.unverified_posts import UnverifiedPosts

log = logging.getLogger(__name__)

_NO_VIDEO = "no video has this id"


@dataclass(frozen=True, slots=True)
class NewVideo:
    """A video as the caller posts it (fields still raw: checked by `Posting.post`)."""

    video_url: str
    color: str
    grade: str
    status: str
    caption: str | None
    session_id: str | None
    croix_id: str | None
    visibility: str


@dataclass(frozen=True, slots=True)
class PostingParts:
    """What posting works with (built once by the composition root)."""

    repos: Repositories
    storage: MediaStorage
    terms: TermsGate
    blocked_words: BlockedWords
    unverified_posts: UnverifiedPosts
    media: MediaWork
    account_deletion: AccountDeletion
    moderation: Moderation
    comments: Comments


class Posting:
    def __init__(self, parts: PostingParts) -> None:
        self._parts = parts

    async def post(self, author: PydanticObjectId, video: NewVideo) -> VideoView:
        """Post a video of the author's: PROCESSING until its file is probed."""
        parts = self._parts
        color = climb_rules.normalize_color(video.color)
        grade = climb_rules.normalize_grade(video.grade)
        caption = text_block(video.caption, "caption", climb_rules.CAPTION_MAX)
        await parts.terms.require(author)
        parts.blocked_words.check(caption, "caption")
        session_id = await self._owned_session(author, video.session_id)
        croix_id = await self._owned_croix(author, video.croix_id)
        url = await parts.storage.verify_media_url(
            video.video_url, kind=MediaKind.VIDEO, owner_id=str(author), field="video_url"
        )
        # Posting again what moderation hid would bring it back under a new id.
        if await parts.repos.videos.media_withheld(author, url, MODERATION):
            raise Refused("this video was hidden by moderation and cannot be posted again")
        if video.visibility != PRIVATE:  # published: counted until verified
            await parts.unverified_posts.spend(author)
        view = await parts.repos.videos.create(
            user_id=author,
            video_url=url,
            caption=caption,
            color=color,
            grade=grade,
            status=video.status,
            session_id=session_id,
            croix_id=croix_id,
            visibility=video.visibility,
            media_state=PROCESSING,
        )
        # Shown to others once its file is probed (workflows.media); queued now, worked
        # on by the media worker, so the post answers at once.
        await parts.media.enqueue_new(view.id)
        if not await parts.account_deletion.settle_new_video(view.id, author):
            raise NotSignedIn("this account no longer exists")
        await parts.moderation.settle_new_video(view.id, author)
        return view

    async def update(
        self,
        audience: Audience,
        video_id: PydanticObjectId,
        caption: str | None,
        visibility: str | None,
    ) -> VideoView:
        """Change the caption or the visibility of one of the viewer's videos; None keeps
        a field, an empty caption clears it."""
        owner = _viewer(audience)
        # Publishing goes through the terms, as a post does: a new caption, or any
        # audience wider than the owner's own.
        if caption is not None or (visibility is not None and visibility != PRIVATE):
            await self._parts.terms.require(owner)
        changes: VideoChanges = {}
        if caption is not None:
            changes["caption"] = text_block(caption, "caption", climb_rules.CAPTION_MAX)
            self._parts.blocked_words.check(changes["caption"], "caption")
        if visibility is not None:
            changes["visibility"] = visibility
        videos = self._parts.repos.videos
        if visibility is not None and visibility != PRIVATE:
            # Publishing a private video is a post for the unverified accounts' daily
            # limit: else posting PRIVATE, then widening, would go round it.
            current = await videos.get_view(video_id, audience)
            if current is not None and current.user_id == owner and current.visibility == PRIVATE:
                await self._parts.unverified_posts.spend(owner)
        if not await videos.update_owned(video_id, owner, changes):
            await self._must_see(audience, video_id)
            raise Refused("you can only change your own videos")
        view = await videos.get_view(video_id, audience)
        if view is None:  # deleted meanwhile
            raise Missing(_NO_VIDEO)
        return view

    async def delete(self, audience: Audience, video_id: PydanticObjectId, request_id: str) -> None:
        """Delete one of the viewer's videos, its comments and its stored file
        (`request_id` names the request in the log line of a file left behind)."""
        owner = _viewer(audience)
        video_url = await self._parts.repos.videos.delete_owned(video_id, owner)
        if video_url is None:
            await self._must_see(audience, video_id)  # NOT_FOUND: nothing to delete
            raise Refused("you can only delete your own videos")
        await self._parts.comments.video_deleted(video_id)
        await self._discard_media(owner, video_url, request_id)

    async def _must_see(self, audience: Audience, video_id: PydanticObjectId) -> None:
        """Missing unless the video exists and the viewer may see it."""
        if not await self._parts.repos.videos.exists(video_id, audience):
            raise Missing(_NO_VIDEO)

    async def _owned_session(
        self, author: PydanticObjectId, raw: str | None
    ) -> PydanticObjectId | None:
        owner_of = self._parts.repos.sessions.owner_of
        return await _owned_by(author, raw, "session_id", owner_of, "sessions")

    async def _owned_croix(
        self, author: PydanticObjectId, raw: str | None
    ) -> PydanticObjectId | None:
        owner_of = self._parts.repos.sessions.croix_owner
        return await _owned_by(author, raw, "croix_id", owner_of, "croix")

    async def _discard_media(
        self, owner: PydanticObjectId, video_url: str, request_id: str
    ) -> None:
        """Delete a deleted video's file, unless another of the owner's videos shows it
        (the owner may post a stored URL again). The video is gone whatever happens here:
        a storage failure leaves an orphan file, logged for the operator, not a failed
        delete."""
        if await self._parts.repos.videos.owner_uses_media(owner, video_url):
            return
        try:
            await self._parts.storage.discard(video_url)
        except Exception:
            log.warning(
                "deleted video's media left in storage request_id=%s url=%s",
                request_id,
                video_url,
                exc_info=True,
            )


async def _owned_by(
    author: PydanticObjectId,
    raw: str | None,
    field: str,
    owner_of: Callable[[PydanticObjectId], Awaitable[PydanticObjectId | None]],
    what: str,
) -> PydanticObjectId | None:
    """The logbook entry a video names (`raw`, optional), if it is the author's own."""
    entry_id = parse_optional_id(raw, field)
    if entry_id is not None and await owner_of(entry_id) != author:
        raise InvalidInput(field, f"must be one of your {what}")
    return entry_id


def _viewer(audience: Audience) -> PydanticObjectId:
    if audience.viewer_id is None:  # the GraphQL layer requires a viewer first
        raise NotSignedIn("sign in required")
    return audience.viewer_id
