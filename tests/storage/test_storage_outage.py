"""When R2 is down, media mutations fail fast with SERVICE_UNAVAILABLE (issue 23), as a
database outage does: whether its port is closed (a stopped server), it accepts and
never answers, or it answers 503. The app keeps serving everything else."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api.settings import Settings
from storage.r2 import CALL_DEADLINE
from tests.support.accounts import free_port
from tests.support.app import running_api
from tests.support.client import CREATE_UPLOAD, code_of
from tests.support.videos import POST_VIDEO, video_vars

AVATAR = "mutation A($u: String) { updateProfile(avatar_url: $u) { avatar_url } }"


@contextmanager
def closed_port() -> Iterator[str]:
    yield f"http://127.0.0.1:{free_port()}"  # nothing listens there


@contextmanager
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in held:
            connection.close()
        listener.close()


@contextmanager
def failing_server() -> Iterator[str]:
    """Answers every request 503, as an S3 endpoint in trouble does."""

    class Handler(BaseHTTPRequestHandler):
        def _fail(self) -> None:
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            body = b"<Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_HEAD = do_GET = do_PUT = do_POST = do_DELETE = _fail

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


OUTAGES = {"closed port": closed_port, "silent": silent_server, "503": failing_server}


@pytest.mark.parametrize("outage", list(OUTAGES))
async def test_media_mutations_fail_fast_with_service_unavailable(
    settings: Settings, outage: str
) -> None:
    with OUTAGES[outage]() as endpoint:
        configured = settings.model_copy(
            update={
                "r2_endpoint_url": endpoint,
                "r2_access_key": "test-access-key",
                "r2_secret_key": "test-secret-key",
                "r2_bucket": "media",
                "r2_public_url": "https://media.perfect-boulder.test",
            }
        )
        async with running_api(configured) as api:
            climber = await api.signup()
            for kind, content_type, document, variables in (
                ("VIDEO", "video/mp4", POST_VIDEO, lambda url: video_vars(url)),
                ("AVATAR", "image/png", AVATAR, lambda url: {"u": url}),
            ):
                # Signing needs no network: the ticket comes, the upload never lands.
                ticket = await api.data(
                    CREATE_UPLOAD, {"kind": kind, "type": content_type, "size": 100},
                    climber.token,
                )  # fmt: skip
                url = ticket["createUpload"]["upload_url"].split("?", 1)[0]
                started = time.perf_counter()
                error = await api.error(document, variables(url), climber.token)
                elapsed = time.perf_counter() - started
                assert code_of(error) == "SERVICE_UNAVAILABLE", error
                assert elapsed < CALL_DEADLINE + 2, elapsed
            # Everything that needs no storage still answers.
            assert (await api.data("{ me { id } }", token=climber.token))["me"]["id"]
