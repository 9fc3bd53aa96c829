"""The ASGI application: its parts (api.parts, api.assembly), lifetime, routes and middleware."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api import error_tracking, wiring
from api.assembly import build_services
from api.database import ping
from api.graphiql_assets import ASSETS_PATH, graphiql_assets
from api.graphql_http import GraphQLApp
from api.metrics import MetricsServer
from api.middleware import BodyLimit, RequestLog, RequestMetrics
from api.parts import Parts, parts_from
from api.settings import Settings
from resolvers.context import LifespanState, services_of
from resolvers.schema import build_schema
from storage.local import LocalStorage
from storage.local_routes import local_storage_routes

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Starlette:
    parts = parts_from(settings or Settings())
    return Starlette(
        routes=_routes(parts),
        middleware=_middleware(parts),
        lifespan=functools.partial(lifetime, parts),
    )


@asynccontextmanager
async def lifetime(parts: Parts, app: Starlette) -> AsyncIterator[LifespanState]:
    """From start to shutdown: error tracking, metrics, the database and the services;
    everything closed in the reverse order at shutdown."""
    settings = parts.settings
    async with AsyncExitStack() as stack:
        if settings.sentry_dsn:
            stack.enter_context(
                error_tracking.start(
                    settings.sentry_dsn,
                    settings.app_env.value,
                    parts.build.release,
                    wiring.secrets_of(settings, parts.secret),
                )
            )
        stack.push_async_callback(parts.storage.close)
        if settings.metrics_port is not None:
            server = MetricsServer(
                parts.metrics, settings.metrics_host or settings.host, settings.metrics_port
            )
            server.start()
            stack.callback(server.stop)
        services = await build_services(parts, stack)
        log.info(
            "ready (%s, storage: %s; %s)",
            settings.app_env.value,
            parts.storage.backend.name,
            parts.build.describe(),
        )
        if not settings.is_production:
            # The first thing a newcomer looks for after `make start`.
            log.info("GraphiQL (the API in your browser): %s/graphql", _browsable(settings))
        # Starlette copies this into every request's `request.state`.
        yield {"services": services}


async def healthz(request: Request) -> Response:
    if await ping(services_of(request).mongo):
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)


def _routes(parts: Parts) -> list[BaseRoute]:
    settings = parts.settings
    schema = build_schema(
        production=settings.is_production,
        fast_executor=settings.graphql_executor == "fast",
        validation_seconds_per_minute=settings.graphql_validation_seconds_per_minute,
    )
    persisted = wiring.persisted_queries(settings, schema)
    parts.metrics.trust_operations(persisted.trusted_operation_names())
    ide_assets = None if settings.is_production else graphiql_assets(settings)
    graphql = GraphQLApp(
        schema,
        graphql_ide="graphiql" if not settings.is_production else None,
        allow_queries_via_get=True,
        persisted=persisted,
        ide_assets=ide_assets,
    )
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
    ]
    if ide_assets is not None:  # GraphiQL's scripts, once fetched (api/graphiql_assets.py)
        routes.append(Mount(ASSETS_PATH, app=StaticFiles(directory=ide_assets, check_dir=False)))
    if isinstance(parts.storage.backend, LocalStorage):
        routes.extend(local_storage_routes(parts.storage.backend))
    return routes


def _middleware(parts: Parts) -> list[Middleware]:
    # Outermost first: the log line and the metrics see the body cap's refusals.
    middleware = [
        Middleware(RequestLog),
        Middleware(RequestMetrics, metrics=parts.metrics),
        Middleware(BodyLimit),
    ]
    if parts.settings.cors_allow_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=parts.settings.cors_allow_origins,
                allow_methods=["GET", "POST", "PUT"],
                allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                max_age=600,
            )
        )
    return middleware


def _browsable(settings: Settings) -> str:
    """The base URL to open in a browser: a wildcard listening address is not one."""
    if settings.public_base_url:
        return settings.base_url
    host = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(settings.host)  # noqa: S104
    return f"http://{host or settings.host}:{settings.port}"
