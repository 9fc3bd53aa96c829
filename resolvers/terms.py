"""The terms-of-use gate, for the resolvers that publish without a workflow of their own
(a pseudo, bio or avatar change; a gym). The gate itself is workflows.terms."""

from __future__ import annotations

from beanie import PydanticObjectId

from resolvers.context import Info


async def require_terms(info: Info, viewer: PydanticObjectId) -> None:
    """TERMS_NOT_ACCEPTED unless the viewer accepted the current terms."""
    await info.context.services.terms.require(viewer)
