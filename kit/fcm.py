"""Firebase Cloud Messaging's HTTP v1 API, as a transport: one message to one device.

Authenticated as a Google service account (its JSON key: `client_email`, `private_key`,
`private_key_id`, `project_id`, `token_uri`): an OAuth 2 access token is obtained with
the JWT-bearer grant (RFC 7523), an assertion signed RS256 with the account's key
naming the FCM scope, and kept until a minute before it expires; concurrent sends
share one token request.

`send` answers what FCM said, for the caller to decide (workflows.push):
- accepted, with the message's name;
- a token to drop: UNREGISTERED (the app was uninstalled, the token expired) or
  INVALID_ARGUMENT about the token;
- worth retrying: 429 (QUOTA_EXCEEDED) and 5xx (UNAVAILABLE, INTERNAL), with the
  server's `Retry-After` in seconds when it sent one; a network failure too;
- anything else: a failure not worth repeating.
A 401 drops the cached access token, so the retry asks for a fresh one.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt

# aiohttp and cryptography cost a third of the service's imports (~0.3 s): imported when
# push is configured and used, not by every start (issue 28's cold start).
if TYPE_CHECKING:
    import aiohttp
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
DEFAULT_ENDPOINT = "https://fcm.googleapis.com"
DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_ASSERTION_SECONDS = 3600  # the longest Google accepts
_EARLY_SECONDS = 60  # renew a token this long before it expires
_TIMEOUT_SECONDS = 15


class FcmConfigError(ValueError):
    """The service account key cannot be used (the message says why)."""


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    client_email: str
    private_key: RSAPrivateKey
    private_key_id: str | None
    project_id: str
    token_uri: str

    @classmethod
    def from_json(cls, raw: str) -> ServiceAccount:
        """The key's fields, its private key parsed now: a key that cannot sign stops the
        service at start, not at the first push."""
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        try:
            key = json.loads(raw)
            private_key = load_pem_private_key(key["private_key"].encode(), password=None)
            if not isinstance(private_key, RSAPrivateKey):
                raise TypeError("the private key is not an RSA key")
            return cls(
                client_email=str(key["client_email"]),
                private_key=private_key,
                private_key_id=key.get("private_key_id"),
                project_id=str(key["project_id"]),
                token_uri=key.get("token_uri") or DEFAULT_TOKEN_URL,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise FcmConfigError(f"not a usable service account key ({error!r})") from None

    @classmethod
    def from_file(cls, path: Path) -> ServiceAccount:
        try:
            return cls.from_json(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise FcmConfigError(f"cannot read {path}: {error}") from None


@dataclass(frozen=True, slots=True)
class Sent:
    """FCM's answer to one message."""

    accepted: bool
    name: str | None = None  # the message's name, once accepted
    status: int = 200
    error: str | None = None  # FCM's error code (UNREGISTERED...) or status
    retry_after: float | None = None  # seconds, from the `Retry-After` header

    @property
    def drop_token(self) -> bool:
        return self.error in ("UNREGISTERED", "INVALID_ARGUMENT") and self.status in (400, 404)

    @property
    def retryable(self) -> bool:
        # 401: the access token was refused (and dropped); the next try asks a fresh one.
        return not self.accepted and (self.status in (0, 401, 429) or self.status >= 500)


class FcmClient:
    def __init__(
        self,
        account: ServiceAccount,
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        token_url: str | None = None,
    ) -> None:
        self.account = account
        self.endpoint = endpoint.rstrip("/")
        self.token_url = token_url or account.token_uri
        self._session: aiohttp.ClientSession | None = None
        self._token: tuple[str, float] | None = None  # (access token, monotonic expiry)
        self._token_lock = asyncio.Lock()

    def _http(self) -> aiohttp.ClientSession:
        import aiohttp

        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=_TIMEOUT_SECONDS)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _assertion(self) -> str:
        now = int(time.time())
        claims = {
            "iss": self.account.client_email,
            "scope": SCOPE,
            "aud": self.token_url,
            "iat": now,
            "exp": now + _ASSERTION_SECONDS,
        }
        headers = {"kid": self.account.private_key_id} if self.account.private_key_id else None
        return jwt.encode(claims, self.account.private_key, algorithm="RS256", headers=headers)

    async def access_token(self) -> str:
        """A valid access token: the cached one, or a fresh one (one request at a time)."""
        import aiohttp

        async with self._token_lock:
            if self._token is not None and time.monotonic() < self._token[1]:
                return self._token[0]
            form = {"grant_type": _GRANT, "assertion": self._assertion()}
            async with self._http().post(self.token_url, data=form) as response:
                body = await response.json(content_type=None)
                if response.status != 200 or "access_token" not in body:
                    raise aiohttp.ClientResponseError(
                        response.request_info, (), status=response.status, message=str(body)
                    )
            lifetime = float(body.get("expires_in", 3600))
            expiry = time.monotonic() + max(0.0, lifetime - _EARLY_SECONDS)
            self._token = (str(body["access_token"]), expiry)
            return self._token[0]

    async def send(self, message: dict[str, Any]) -> Sent:
        """Send one message (its `token`, `notification`, `data`...): what FCM answered."""
        import aiohttp

        url = f"{self.endpoint}/v1/projects/{self.account.project_id}/messages:send"
        try:
            token = await self.access_token()
            headers = {"Authorization": f"Bearer {token}"}
            async with self._http().post(url, json={"message": message}, headers=headers) as reply:
                body = await reply.json(content_type=None)
                if reply.status == 200:
                    return Sent(accepted=True, name=body.get("name"))
                if reply.status == 401:
                    self._token = None
                return Sent(
                    accepted=False,
                    status=reply.status,
                    error=_error_code(body),
                    retry_after=_retry_after(reply.headers.get("Retry-After")),
                )
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            status = getattr(error, "status", 0)
            code = status if isinstance(status, int) and status >= 500 else 0
            return Sent(accepted=False, status=code, error=type(error).__name__)


def _error_code(body: Any) -> str | None:
    """FCM's own code (details[].errorCode), else the canonical status."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    for detail in error.get("details") or ():
        if isinstance(detail, dict) and detail.get("errorCode"):
            return str(detail["errorCode"])
    status = error.get("status")
    return None if status is None else str(status)


def _retry_after(raw: str | None) -> float | None:
    """`Retry-After` in seconds (FCM sends seconds; an HTTP date is not worth parsing)."""
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None
