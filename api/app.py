"""The ASGI application: routes, lifespan (database, storage) and the GraphQL endpoint."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from strawberry.asgi import GraphQL

from api import wiring
from api.database import connect, ping
from api.middleware import RequestMiddleware
from api.settings import Settings
from models.registry import Repositories
from resolvers.context import Context, get_context, services_of
from resolvers.schema import build_schema
from resolvers.services import Services
from storage.local import LocalStorage
from storage.local_routes import local_storage_routes
from workflows.blocking import Blocking
from workflows.moderation import Moderation
from workflows.passwords import PasswordHasher
from workflows.reporting import Reporting
from workflows.throttle import Throttle
from workflows.token_versions import TokenVersions

log = logging.getLogger(__name__)


class GraphQLApp(GraphQL[Context, None]):
    async def get_context(self, request: Any, response: Any) -> Context:
        return await get_context(request, response)

    # orjson instead of the json module: a feed page's answer is ~10 KB, and encoding it
    # was 4% of the page's CPU (bench/). Its decode error is a json.JSONDecodeError, which
    # Strawberry already answers with a 400.
    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    secret = settings.resolved_jwt_secret()
    storage = wiring.storage_from(settings, secret)
    policy = wiring.policy(settings)  # reads the word list: refused before anything starts

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        async with AsyncExitStack() as stack:
            stack.push_async_callback(storage.close)
            mongo = await connect(settings, stack)
            repos = Repositories()
            token_versions = TokenVersions(repos.users)
            moderation = Moderation(repos, token_versions)
            services = Services(
                policy=policy,
                mongo=mongo,
                repos=repos,
                passwords=PasswordHasher(settings.password_hash_concurrency),
                tokens=wiring.token_service(settings, secret),
                token_versions=token_versions,
                throttle=Throttle(repos.auth_attempts, wiring.throttle_rules(settings)),
                storage=storage,
                blocking=Blocking(repos),
                moderation=moderation,
                reporting=Reporting(repos, moderation, policy.reports_to_hide),
            )
            log.info("ready (%s, storage: %s)", settings.app_env.value, storage.backend.name)
            # Starlette copies this into every request's `request.state`.
            yield {"services": services}

    async def healthz(request: Request) -> Response:
        if await ping(services_of(request).mongo):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)

    graphql = GraphQLApp(
        build_schema(production=settings.is_production),
        graphql_ide="graphiql" if not settings.is_production else None,
        allow_queries_via_get=False,
    )
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
    ]
    if isinstance(storage.backend, LocalStorage):
        routes.extend(local_storage_routes(storage.backend))
    middleware = [Middleware(RequestMiddleware)]
    if settings.cors_allow_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_allow_origins,
                allow_methods=["GET", "POST", "PUT"],
                allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                max_age=600,
            )
        )
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
