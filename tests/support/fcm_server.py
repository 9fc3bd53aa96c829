"""A local HTTP server speaking FCM's HTTP v1 send endpoint and Google's OAuth 2 token
endpoint, as far as the API uses them: real HTTP on a random loopback port, real JSON,
and a real JWT-bearer assertion, checked against the test service account's public key.

Tests script its answers per registration token (429 with Retry-After, 500,
UNREGISTERED...), make it hang (a delivery cut short by a crash), and read what it got.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROJECT = "perfect-boulder-test"
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


@dataclass
class ServiceAccountKey:
    """A service account made for the tests: its JSON key, and the public half."""

    private_pem: str
    public_key: rsa.RSAPublicKey

    @classmethod
    def generate(cls) -> ServiceAccountKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return cls(pem, key.public_key())

    def account_json(self, token_uri: str) -> str:
        return json.dumps(
            {
                "type": "service_account",
                "project_id": PROJECT,
                "private_key_id": "test-key-1",
                "private_key": self.private_pem,
                "client_email": f"push@{PROJECT}.iam.gserviceaccount.com",
                "token_uri": token_uri,
            }
        )


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def fcm_error(status: int, code: str, canonical: str) -> Reply:
    """An error as FCM v1 shapes it: canonical status, and FCM's own code in details."""
    details = [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}]
    body = {"error": {"code": status, "message": code, "status": canonical, "details": details}}
    return Reply(status, body)


UNREGISTERED = fcm_error(404, "UNREGISTERED", "NOT_FOUND")
INVALID_TOKEN = fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT")
UNAVAILABLE = fcm_error(503, "UNAVAILABLE", "UNAVAILABLE")
INTERNAL = fcm_error(500, "INTERNAL", "INTERNAL")


def quota_exceeded(retry_after: int) -> Reply:
    reply = fcm_error(429, "QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED")
    reply.headers["Retry-After"] = str(retry_after)
    return reply


@dataclass
class FcmServer:
    key: ServiceAccountKey
    url: str = ""
    # Every message received (accepted or not), in order.
    received: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)  # verified claims
    # Answers to give, per registration token, before accepting.
    scripts: dict[str, list[Reply]] = field(default_factory=dict)
    hang: asyncio.Event | None = None  # given: every send waits until it is set
    delay: float = 0.0
    in_flight: int = 0
    most_in_flight: int = 0
    issued: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    def accepted(self) -> list[dict[str, Any]]:
        return [m for m in self.received if m.get("_accepted")]

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        try:
            claims = jwt.decode(
                str(form["assertion"]),
                self.key.public_key,
                algorithms=["RS256"],
                audience=self.token_url,
            )
        except (KeyError, jwt.InvalidTokenError) as error:
            return web.json_response({"error": "invalid_grant", "detail": str(error)}, status=400)
        if claims.get("scope") != SCOPE or not str(claims.get("iss", "")).startswith("push@"):
            return web.json_response({"error": "invalid_scope"}, status=400)
        self.token_requests.append(claims)
        token = f"ya29.test-{next(self._ids)}"
        self.issued.add(token)
        return web.json_response(
            {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        )

    async def _send(self, request: web.Request) -> web.Response:
        if request.match_info["project"] != PROJECT:
            mismatch = fcm_error(404, "SENDER_ID_MISMATCH", "NOT_FOUND")
            return web.json_response(mismatch.body, status=404)
        scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or bearer not in self.issued:
            refused = {"error": {"code": 401, "status": "UNAUTHENTICATED"}}
            return web.json_response(refused, status=401)
        message = (await request.json())["message"]
        self.received.append(message)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.hang is not None:
                await self.hang.wait()
            script = self.scripts.get(message["token"]) or []
            if script:
                reply = script.pop(0)
                return web.json_response(reply.body, status=reply.status, headers=reply.headers)
            message["_accepted"] = True
            name = f"projects/{PROJECT}/messages/0:{next(self._ids)}"
            return web.json_response({"name": name})
        finally:
            self.in_flight -= 1


@asynccontextmanager
async def fcm_server(key: ServiceAccountKey) -> AsyncIterator[FcmServer]:
    """The server on a random loopback port, in this event loop."""
    server = FcmServer(key)
    app = web.Application()
    app.router.add_post("/token", server._token)
    app.router.add_post("/v1/projects/{project}/messages:send", server._send)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        if server.hang is not None:
            server.hang.set()
        await runner.cleanup()
