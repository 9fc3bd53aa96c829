"""Unexpected errors reach Sentry (`SENTRY_DSN`) tagged with the request id and the user."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sentry_sdk

from api.settings import Settings
from models.user import UserRepository
from tests.support.app import running_api
from tests.support.sentry import FakeSentry, sentry_endpoint


@pytest.fixture
def fake_sentry() -> Iterator[FakeSentry]:
    with sentry_endpoint() as sentry:
        yield sentry


async def test_an_unexpected_error_reaches_sentry_with_request_and_user(
    settings: Settings, fake_sentry: FakeSentry, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("the search index fell over")

    monkeypatch.setattr(UserRepository, "search_by_pseudo_prefix", broken)
    release = "3f2c9a1be07d4c5e8f6a7b8c9d0e1f2a3b4c5d6e"
    tracked = settings.model_copy(update={"sentry_dsn": fake_sentry.dsn, "git_sha": release})
    async with running_api(tracked) as api:
        # Strawberry's per-field integration would bypass the fast executor.
        assert "strawberry" not in sentry_sdk.get_client().integrations
        account = await api.signup()
        response = await api.post('query { searchUsers(query: "abc") { id } }', token=account.token)
        assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    # Leaving the app flushed the queue: the event has arrived.
    [event] = fake_sentry.events
    assert event["tags"]["request_id"] == response.headers["x-request-id"]
    assert event["user"]["id"] == account.id
    assert event["release"] == release  # the commit the image was built from
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert not sentry_sdk.get_client().is_active()  # the next app starts without it


async def test_without_a_dsn_nothing_is_sent(settings: Settings) -> None:
    async with running_api(settings):
        assert not sentry_sdk.get_client().is_active()
