"""The app behind its front door, as the tests run it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from api.app import create_app
from api.settings import Settings
from tests.support.client import BASE_URL, Api

TEST_JWT_SECRET = "test-secret-" + "x" * 40


@asynccontextmanager
async def running_api(settings: Settings, peer: str = "127.0.0.1") -> AsyncIterator[Api]:
    """The app with its lifespan run, behind an httpx client, as the app talks to it;
    `peer` is the client's TCP address as the app sees it."""
    app = create_app(settings)
    # asgi-lifespan's default 5 s start-up bound was missed on a loaded CI machine (two
    # passes side by side): only a broken start reaches this one.
    async with (
        LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app, client=(peer, 40_000)), base_url=BASE_URL
        ) as http,
    ):
        # The lifespan's state, as asgi-lifespan keeps it (it has no public accessor).
        yield Api(http, services=manager._state.get("services"))
