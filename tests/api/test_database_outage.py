"""While MongoDB is down: clean, quick errors; when it returns: service resumes, no restart."""

from __future__ import annotations

from pathlib import Path

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from api.app import create_app
from api.settings import Settings
from tests.support.accounts import eventually
from tests.support.app import TEST_JWT_SECRET
from tests.support.client import BASE_URL, Api, code_of
from tools.embedded_db import EmbeddedMongo

ME = "query { me { id pseudo } }"
SEARCH = 'query { searchUsers(query: "clim") { id } }'


async def test_an_outage_gives_clean_errors_then_service_resumes(tmp_path: Path) -> None:
    server = EmbeddedMongo(tmp_path / "db")
    server.start()
    try:
        settings = Settings(
            _env_file=None,
            mongodb_url=server.url,
            data_dir=tmp_path,
            jwt_secret=TEST_JWT_SECRET,
            public_base_url=BASE_URL,
            # The production default (2 s): with 0.5 s, a loaded CI machine sometimes had
            # not rediscovered the restarted server by the first health check.
            mongodb_server_selection_timeout_ms=2000,
        )
        app = create_app(settings)
        async with (
            LifespanManager(app) as manager,
            AsyncClient(transport=ASGITransport(app=manager.app), base_url=BASE_URL) as http,
        ):
            api = Api(http)
            account = await api.signup("climber")

            server.stop()
            assert (await http.get("/healthz")).status_code == 503
            for query in (ME, SEARCH):
                response = await api.post(query, token=account.token)
                assert response.status_code == 200
                error = response.json()["errors"][0]
                assert code_of(error) == "SERVICE_UNAVAILABLE"
                assert "mongodb://" not in response.text

            server.start()

            async def healthy() -> bool:
                return (await http.get("/healthz")).status_code == 200

            # However long the client takes to find the server again on this machine
            # (within one server selection, 2 s, when the machine is not loaded).
            await eventually(healthy)
            me = await api.data(ME, token=account.token)
            assert me["me"]["pseudo"] == "climber"
    finally:
        server.stop()
