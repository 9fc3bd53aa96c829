"""A climber's public profile: pseudo, bio and avatar, as they change them.

Each shows on the public profile: published, so behind the terms of use
(workflows.terms) and the blocked words; an avatar is an upload of the climber's own,
vouched for by the storage.
"""

from __future__ import annotations

from beanie import PydanticObjectId

from models.user import DuplicateAccountError, ProfileChanges, UserDocument, UserRepository
from rules import accounts as account_rules
from rules.blocked_words import BlockedWords
from storage.kinds import MediaKind
from storage.service import MediaStorage
from workflows.errors import InvalidInput, Missing
from workflows.terms import TermsGate


class Profiles:
    def __init__(
        self,
        users: UserRepository,
        storage: MediaStorage,
        terms: TermsGate,
        blocked_words: BlockedWords,
    ) -> None:
        self._users = users
        self._storage = storage
        self._terms = terms
        self._blocked_words = blocked_words

    async def update(
        self,
        viewer: PydanticObjectId,
        pseudo: str | None,
        bio: str | None,
        avatar_url: str | None,
    ) -> UserDocument:
        """Change the pseudo, bio or avatar; None keeps one, an empty bio or avatar_url
        clears it. Cheap checks first, then the terms, then the storage."""
        words = self._blocked_words
        changes: ProfileChanges = {}
        if pseudo is not None:
            changes["pseudo"], changes["pseudo_normalized"] = account_rules.normalize_pseudo(pseudo)
            words.check(changes["pseudo"], "pseudo")
        if bio is not None:
            changes["bio"] = account_rules.clean_bio(bio)
            words.check(changes["bio"], "bio")
        if pseudo is not None or bio is not None or avatar_url is not None:
            await self._terms.require(viewer)
        if avatar_url is not None:
            changes["avatar_url"] = await self._avatar(viewer, avatar_url)
        try:
            user = await self._users.update_profile(viewer, changes)
        except DuplicateAccountError as error:
            raise InvalidInput(error.field, f"this {error.field} is already taken") from error
        if user is None:
            raise Missing("this account no longer exists")
        return user

    async def _avatar(self, viewer: PydanticObjectId, url: str) -> str | None:
        """An uploaded avatar of the viewer's, vouched for by the storage; None clears it."""
        url = url.strip()
        if not url:
            return None
        return await self._storage.verify_media_url(
            url, kind=MediaKind.AVATAR, owner_id=str(viewer), field="avatar_url"
        )
