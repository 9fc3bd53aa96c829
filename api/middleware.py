"""ASGI middleware, one job each, outermost first (api.app lists them in this order):

- `RequestLog`: the request's id (made here, on the response and in every log record)
  and its one access-log line, which the GraphQL layer adds fields to;
- `RequestMetrics`: requests in flight, and each GraphQL request's duration by
  operation and outcome (api.metrics), from the fields of that log line;
- `BodyLimit`: the request body cap, answered 413 (through the two above, so the refusal
  is logged, counted and carries its request id).

Pure ASGI (not BaseHTTPMiddleware) so streaming uploads pass through untouched and
nothing is buffered.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.graphql_http import BAD_REQUEST, request_error
from api.logging_setup import REQUEST_ID
from api.metrics import Metrics
from resolvers.context import request_state
from resolvers.extensions.document_gate import MAX_BODY_BYTES

log = logging.getLogger("api.access")

# A client-supplied request id is kept only if short and plain, so it cannot inject
# anything into log lines.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Uploads to the local storage backend carry media, capped by their signed length.
_UNCAPPED_PREFIXES = ("/uploads/",)
GRAPHQL_PATH = "/graphql"


class BodyTooLarge(Exception):
    pass


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return ""


class RequestLog:
    """The request id, and one access-log line per request (health checks left out)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = _header(scope, b"x-request-id")
        # Always a server-made part, so ids stay unique in the logs; a sane client id is
        # kept after it, so the app can still find its own requests.
        request_id = secrets.token_hex(8)
        if _CLIENT_REQUEST_ID.match(supplied):
            request_id = f"{request_id}-{supplied}"
        # Shared with get_context (through request.state) so that the GraphQL layer can
        # add the operation name and user id to this request's log line.
        record: dict[str, Any] = {"request_id": request_id}
        state = request_state(scope)
        state["request_id"] = request_id
        state["request_log"] = record
        started = time.perf_counter()
        status = 500
        context_token = REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            if path != "/healthz" or status != 200:  # health checks every few seconds: noise
                log.info(
                    "%s %s %s",
                    scope.get("method"),
                    path,
                    status,
                    extra={
                        "method": scope.get("method"),
                        "path": path,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        **record,
                    },
                )
            REQUEST_ID.reset(context_token)


class RequestMetrics:
    """Requests in flight; a GraphQL request's duration, labelled from its log line."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        metrics = self.metrics
        metrics.in_flight.inc()

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        finally:
            metrics.in_flight.dec()
            if scope.get("path", "") == GRAPHQL_PATH:
                record = request_state(scope).get("request_log", {})
                outcome = record.get("outcome") or ("ok" if status < 400 else f"HTTP_{status}")
                label = metrics.label(record.get("operation"), record.get("root_field"))
                metrics.observe(label, outcome, time.perf_counter() - started)


class BodyLimit:
    """Refuse a request body over `max_body_bytes` (413): declared, or as it arrives.
    GET requests carry none; uploads to the local storage backend are capped by their
    signed length instead."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._capped(scope):
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        try:
            await self.app(scope, self._counting(receive), send)
        except BodyTooLarge:
            await self._too_large(scope, receive, send)

    def _capped(self, scope: Scope) -> bool:
        return scope.get("method") != "GET" and not scope.get("path", "").startswith(
            _UNCAPPED_PREFIXES
        )

    def _counting(self, receive: Receive) -> Receive:
        received = 0
        limit = self.max_body_bytes

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        return counted

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = request_error(
            413, f"request body larger than {self.max_body_bytes} bytes", BAD_REQUEST, scope
        )
        await response(scope, receive, send)
