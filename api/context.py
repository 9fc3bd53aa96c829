"""The typed request context, built in exactly one place: `get_context`.

Resolvers get everything from here (viewer, repositories, loaders, services) and never
touch `request.state` or the lifespan state themselves.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from beanie import PydanticObjectId
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from api.errors import Unauthenticated
from api.loaders import Loaders, build_loaders
from api.services import Services
from api.settings import Settings
from api.tokens import InvalidTokenError, TokenClaims
from models.registry import Repositories

# A client-supplied request id is echoed only if it is short and plain, so it cannot
# inject anything into log lines.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@dataclass(slots=True)
class Context:
    request: Request
    response: Response
    services: Services
    loaders: Loaders
    request_id: str
    claims: TokenClaims | None = None
    # Set when a bearer token was sent but cannot be trusted: any resolver that looks
    # at the viewer then fails with UNAUTHENTICATED rather than silently acting anonymous.
    token_error: str | None = None

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def repos(self) -> Repositories:
        return self.services.repos

    @property
    def viewer_id(self) -> PydanticObjectId | None:
        """The signed-in user's id, None when anonymous; raises on a bad token."""
        if self.token_error is not None:
            raise Unauthenticated(self.token_error)
        return None if self.claims is None else PydanticObjectId(self.claims.user_id)

    def require_viewer(self) -> PydanticObjectId:
        viewer = self.viewer_id
        if viewer is None:
            raise Unauthenticated()
        return viewer


Info = StrawberryInfo[Context, None]


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return ""  # present but malformed: reported as an invalid token
    return token.strip()


async def get_context(request: Request, response: Response) -> Context:
    services: Services = request.state.services
    supplied_id = request.headers.get("x-request-id", "")
    request_id = supplied_id if _REQUEST_ID.match(supplied_id) else secrets.token_hex(8)
    response.headers["x-request-id"] = request_id
    context = Context(
        request=request,
        response=response,
        services=services,
        loaders=build_loaders(services.repos),
        request_id=request_id,
    )
    token = _bearer_token(request)
    if token is not None:
        try:
            if not token:
                raise InvalidTokenError("malformed Authorization header, expected 'Bearer <token>'")
            context.claims = services.tokens.decode(token)
        except InvalidTokenError as error:
            context.token_error = str(error)
    return context
