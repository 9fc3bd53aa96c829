"""The ASGI application: routes, lifespan (database, storage) and the GraphQL endpoint."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from api import error_tracking, wiring
from api.database import connect, ping
from api.graphql_http import GraphQLApp
from api.metrics import Metrics, MetricsServer
from api.middleware import RequestMiddleware
from api.settings import Settings
from kit.background import Background
from kit.passwords import PasswordHasher
from models.registry import Repositories
from resolvers.context import services_of
from resolvers.schema import build_schema
from storage.local import LocalStorage
from storage.local_routes import local_storage_routes
from workflows.account_deletion import AccountDeletion
from workflows.audiences import Audiences
from workflows.blocking import Blocking
from workflows.data_export import DataExports
from workflows.moderation import Moderation
from workflows.password_reset import PasswordResets
from workflows.reporting import Reporting
from workflows.services import Services
from workflows.throttle import Throttle
from workflows.token_versions import TokenVersions
from workflows.upload_quota import UploadQuota

log = logging.getLogger(__name__)

# At shutdown, background work (mail, erasure batches) gets this long before it is
# cancelled: within Fly's kill_timeout, after uvicorn's drain. Erasures resume later.
SHUTDOWN_GRACE_SECONDS = 3.0


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    secret = settings.resolved_jwt_secret()
    storage = wiring.storage_from(settings, secret)
    mailer = wiring.mailer(settings)
    policy = wiring.policy(settings)  # reads the word list: refused before anything starts
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        async with AsyncExitStack() as stack:
            if settings.sentry_dsn:
                stack.enter_context(
                    error_tracking.start(
                        settings.sentry_dsn,
                        settings.app_env.value,
                        wiring.secrets_of(settings, secret),
                    )
                )
            stack.push_async_callback(storage.close)
            if settings.metrics_port is not None:
                server = MetricsServer(
                    metrics, settings.metrics_host or settings.host, settings.metrics_port
                )
                server.start()
                stack.callback(server.stop)
            mongo = await connect(settings, stack, listeners=[metrics.database_listener()])
            repos = Repositories()
            background = Background()
            # Closed before the database client (the stack unwinds last in, first out).
            stack.push_async_callback(background.close, SHUTDOWN_GRACE_SECONDS)
            token_versions = TokenVersions(repos.users)
            audiences = Audiences(repos.audience)
            throttle = Throttle(repos.auth_attempts, wiring.throttle_rules(settings))
            deletion = AccountDeletion(
                repos,
                storage,
                throttle,
                token_versions,
                # An upload URL signed just before the deletion may still be used.
                settle_after=timedelta(seconds=storage.expires_in + 60),
            )
            exports = DataExports(
                repos, storage, timedelta(seconds=settings.export_interval_seconds)
            )
            moderation = Moderation(repos, token_versions)
            passwords = PasswordHasher(settings.password_hash_concurrency)
            passwords.warm_up()
            services = Services(
                policy=policy,
                mongo=mongo,
                repos=repos,
                passwords=passwords,
                tokens=wiring.token_service(settings, secret),
                token_versions=token_versions,
                audiences=audiences,
                throttle=throttle,
                upload_quota=UploadQuota(repos.auth_attempts, wiring.upload_budget(settings)),
                storage=storage,
                background=background,
                password_resets=PasswordResets(
                    repos.users,
                    repos.password_resets,
                    mailer,
                    background,
                    settings.password_reset_url,
                ),
                account_deletion=deletion,
                data_exports=exports,
                blocking=Blocking(repos, audiences),
                moderation=moderation,
                reporting=Reporting(repos, moderation, policy.reports_to_hide),
            )
            # At once (a deletion cut short by the last stop resumes now), then periodically.
            background.every(settings.deletion_sweep_seconds, deletion.sweep, "erasure-sweep")
            background.every(settings.deletion_sweep_seconds, exports.sweep, "export-sweep")
            # Moderation decisions a crash left half done (workflows/moderation.py).
            background.every(settings.deletion_sweep_seconds, moderation.sweep, "moderation-sweep")
            log.info("ready (%s, storage: %s)", settings.app_env.value, storage.backend.name)
            # Starlette copies this into every request's `request.state`.
            yield {"services": services}

    async def healthz(request: Request) -> Response:
        if await ping(services_of(request).mongo):
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)

    schema = build_schema(
        production=settings.is_production,
        fast_executor=settings.graphql_executor == "fast",
        validation_seconds_per_minute=settings.graphql_validation_seconds_per_minute,
    )
    persisted = wiring.persisted_queries(settings, schema)
    metrics.trust_operations(persisted.trusted_operation_names())
    graphql = GraphQLApp(
        schema,
        graphql_ide="graphiql" if not settings.is_production else None,
        allow_queries_via_get=True,
        persisted=persisted,
    )
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
    ]
    if isinstance(storage.backend, LocalStorage):
        routes.extend(local_storage_routes(storage.backend))
    middleware = [Middleware(RequestMiddleware, metrics=metrics)]
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
