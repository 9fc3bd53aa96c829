"""The terms-of-use gate on publishing (postVideo; a pseudo, bio or avatar change).

Only while `TERMS_VERSION` is set: without it (the development default) nothing waits.
The private logbook never does.
"""

from __future__ import annotations

from beanie import PydanticObjectId

from resolvers.context import Info
from resolvers.errors import TermsNotAccepted


async def require_terms(info: Info, viewer: PydanticObjectId) -> None:
    """TERMS_NOT_ACCEPTED unless the viewer accepted the current terms (one small read,
    only when terms are configured)."""
    policy = info.context.policy
    if policy.terms_version is None:
        return
    if await info.context.repos.users.accepted_terms(viewer) != policy.terms_version:
        raise TermsNotAccepted(policy.terms_version, policy.terms_url)
