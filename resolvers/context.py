"""The typed request context, built in exactly one place: `get_context`.

Resolvers get everything from here (viewer, repositories, loaders, services) and never
touch `request.state` or the lifespan state themselves.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from beanie import PydanticObjectId
from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import Info as StrawberryInfo

from kit.tokens import InvalidTokenError, TokenClaims
from models.audience import ANONYMOUS, Audience
from models.registry import Repositories
from resolvers.errors import Forbidden, Unauthenticated
from resolvers.loaders import Loaders, build_loaders
from workflows.croix_log import CroixLog
from workflows.gym_crowd import GymCrowd
from workflows.logbook_sync import LogbookSync
from workflows.services import Policy, Services


@dataclass(slots=True)
class Context:
    request: Request
    response: Response
    services: Services
    request_id: str
    claims: TokenClaims | None = None
    # Set when a bearer token was sent but cannot be trusted: any resolver that looks
    # at the viewer then fails with UNAUTHENTICATED rather than silently acting anonymous.
    token_error: str | None = None
    # This request's access-log line (see api.middleware): resolvers may add fields.
    log: dict[str, Any] = field(default_factory=dict)
    _loaders: Loaders | None = None
    _audience: Audience | None = None
    # Fields of one request resolve concurrently (aliases): the first reads, others wait.
    _audience_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    # Built when first asked for: most requests need neither.
    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = build_loaders(self.services.repos)
        return self._loaders

    @property
    def client_ip(self) -> str:
        """The address throttling counts against (see `throttle_address`)."""
        return _client_ip(self.request, self.services.policy.client_ip_header)

    @property
    def policy(self) -> Policy:
        return self.services.policy

    @property
    def repos(self) -> Repositories:
        return self.services.repos

    @property
    def croix_log(self) -> CroixLog:
        return CroixLog(self.services.repos)

    @property
    def gym_crowd(self) -> GymCrowd:
        policy = self.services.policy
        return GymCrowd(
            self.services.repos,
            min_climbers=policy.crowd_min_climbers,
            match_days=policy.circuit_match_days,
        )

    @property
    def logbook_sync(self) -> LogbookSync:
        return LogbookSync(self.services.repos, self.services.storage)

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

    async def audience(self) -> Audience:
        """Who the viewer is to the audience rule (models.audience): their role, blocks
        and followees, from the short-lived cache (workflows.audiences) or one query the
        first time a resolver asks, shared by every field of the request (concurrent
        ones too; only `require_moderator` may replace it with a fresher read)."""
        viewer = self.viewer_id
        if viewer is None:
            return ANONYMOUS
        if self._audience is None:
            # A lock, not a shared task: uncontended it costs a microsecond, a task 30 (bench/).
            async with self._audience_lock:
                if self._audience is None:
                    self._audience = await self.services.audiences.of(viewer)
        return self._audience

    async def require_moderator(self) -> Audience:
        viewer = self.require_viewer()
        audience = await self.audience()
        if not audience.moderator:
            # A kept audience may predate a role granted since (workflows.audiences).
            audience = self._audience = await self.services.audiences.fresh(viewer)
        if not audience.moderator:
            raise Forbidden("for moderators only")
        return audience


Info = StrawberryInfo[Context, None]


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return ""  # present but malformed: reported as an invalid token
    return token.strip()


def throttle_address(raw: str) -> str | None:
    """The address throttling counts against; None when `raw` is no IP address.

    An IPv6 client owns a whole /64 (2^64 addresses it can rotate through), so IPv6 is
    counted per /64 network, IPv4 per address.
    """
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


def _client_ip(request: Request, header: str | None) -> str:
    if header:
        forwarded = throttle_address(request.headers.get(header, ""))
        if forwarded:
            return forwarded
    peer = request.client.host if request.client else ""
    return throttle_address(peer) or peer or "unknown"


async def _verify(services: Services, token: str) -> TokenClaims:
    if not token:
        raise InvalidTokenError("malformed Authorization header, expected 'Bearer <token>'")
    claims = services.tokens.decode(token)
    user_id = PydanticObjectId(claims.user_id)
    try:
        current = await services.token_versions.current(user_id)
    except PyMongoError:
        # The database is down: every resolver needing data will say so with
        # SERVICE_UNAVAILABLE; failing here would turn that into a misleading 401.
        return claims
    if current is None:
        raise InvalidTokenError("this account no longer exists")
    if claims.token_version != current:
        raise InvalidTokenError("token revoked, log in again")
    return claims


class LifespanState(TypedDict):
    """What the lifespan (api.app.lifetime) hands every request's `request.state`."""

    services: Services


class RequestState(TypedDict, total=False):
    """What one request adds to its `request.state` (the ASGI scope's "state"), by whom:
    the keys are spelled once, here, and mypy checks every read and write."""

    request_id: str  # api.middleware.RequestLog: made per request, in every log record
    # The request's access-log line, which the GraphQL layer adds fields to (operation,
    # root field, user, outcome) and api.middleware.RequestMetrics labels from.
    request_log: dict[str, Any]
    graphql_errors: bool  # api.graphql_http: the answer holds errors (not cacheable)
    graphql_request_error: bool  # api.graphql_http: nothing ran (answered 4xx)


def request_state(scope: MutableMapping[str, Any]) -> RequestState:
    """The request's own state in `scope`, made empty if the server did not."""
    state: RequestState = scope.setdefault("state", {})
    return state


def services_of(request: Request) -> Services:
    """The lifespan's services: the one place that reads the request (lifespan) state."""
    services: Services = request.state.services
    return services


async def get_context(request: Request, response: Response) -> Context:
    services = services_of(request)
    state = request_state(request.scope)
    log = state.get("request_log", {})
    context = Context(
        request=request,
        response=response,
        services=services,
        request_id=state.get("request_id", "-"),
        log=log,
    )
    token = _bearer_token(request)
    if token is not None:
        try:
            context.claims = await _verify(services, token)
            log["user_id"] = str(context.claims.user_id)
        except InvalidTokenError as error:
            context.token_error = str(error)
    return context
