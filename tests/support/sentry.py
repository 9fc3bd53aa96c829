"""A Sentry ingest endpoint on a free local port: a real DSN points at it, and the
SDK's envelopes arrive over HTTP as they would at sentry.io."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeSentry:
    """A Sentry ingest endpoint on a free local port, keeping the events it receives."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.bodies: list[bytes] = []  # every envelope as received, decompressed
        events, bodies = self.events, self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding", "")
                # The SDK compresses with gzip (brotli only when that module is installed).
                assert encoding in ("", "gzip"), encoding
                if encoding == "gzip":
                    body = gzip.decompress(body)
                bodies.append(body)
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


@contextmanager
def sentry_endpoint() -> Iterator[FakeSentry]:
    sentry = FakeSentry()
    sentry.thread.start()
    try:
        yield sentry
    finally:
        sentry.server.shutdown()
        sentry.server.server_close()
