"""Unexpected errors reach Sentry (`SENTRY_DSN`) tagged with the request id and the user."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sentry_sdk

from api.settings import Settings
from models.user import UserRepository
from tests.support.app import running_api


class FakeSentry:
    """A Sentry ingest endpoint on a free local port, keeping the events it receives."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        events = self.events

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding", "")
                # The SDK compresses with gzip (brotli only when that module is installed).
                assert encoding in ("", "gzip"), encoding
                if encoding == "gzip":
                    body = gzip.decompress(body)
                lines = body.split(b"\n")
                # An envelope: its header, then (item header, payload) pairs.
                for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                    if header and json.loads(header).get("type") == "event":
                        events.append(json.loads(payload))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://public-key@127.0.0.1:{self.server.server_address[1]}/1"


@pytest.fixture
def fake_sentry() -> Iterator[FakeSentry]:
    sentry = FakeSentry()
    sentry.thread.start()
    yield sentry
    sentry.server.shutdown()
    sentry.server.server_close()


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
