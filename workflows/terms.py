"""The terms-of-use gate on publishing (a video, a caption, a comment, a gym; a pseudo,
bio or avatar change): the one place that asks whether the caller accepted them.

Only while `TERMS_VERSION` is set: without it (the development default) nothing waits.
The private logbook never does.
"""

from __future__ import annotations

from beanie import PydanticObjectId

from models.user import UserRepository
from workflows.errors import TermsRequired


class TermsGate:
    def __init__(self, users: UserRepository, version: str | None, url: str | None) -> None:
        self._users = users
        self._version = version
        self._url = url

    async def require(self, viewer: PydanticObjectId) -> None:
        """TermsRequired unless the viewer accepted the current terms (one small read,
        only when terms are configured)."""
        if self._version is None:
            return
        if await self._users.accepted_terms(viewer) != self._version:
            raise TermsRequired(self._version, self._url)
