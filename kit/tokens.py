"""Bearer tokens: HS256 JWTs with pinned algorithm, issuer and audience.

Every request of a signed-in climber carries the same token for days, and checking it
(base64, JSON, HMAC, claims) showed in every request's profile. A token that
passed every check is remembered, by its exact text, until it expires: the same bytes
carry the same signature and claims, so only the expiry can change its answer, and that
is checked on every use. Tokens that fail are never remembered, so junk cannot fill the
memo, which is bounded anyway. (Revocation is the token version's job, checked per
request by workflows.token_versions.)

Device tokens (`issue_device`) are no bearer tokens: a device keeps one from its last
log-in and shows it at the next, which then counts against that device's own log-in
throttle instead of the account's, so that guessers elsewhere cannot lock the owner out
(OWASP's "device cookies"). An HMAC of the user id, the token version and a random
nonce: only a log-in of that account mints one, and a password change, a reset or
`logoutEverywhere` (which bump the version) void them all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import jwt
from bson import ObjectId
from bson.errors import InvalidId

from kit.cache import Lru
from kit.clock import utcnow

ALGORITHM = "HS256"
# Distinct verified tokens remembered: far more than one machine's active climbers.
VERIFIED_MEMO_SIZE = 4096
_DEVICE_PREFIX = "d1"
_DEVICE_MAX = 100


class InvalidTokenError(Exception):
    """The token cannot be trusted; the message is safe to show the client."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: ObjectId
    token_version: int


class TokenService:
    def __init__(
        self, secret: str, *, issuer: str, audience: str, ttl_seconds: int, leeway_seconds: int
    ) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._ttl = timedelta(seconds=ttl_seconds)
        self._leeway = leeway_seconds
        # token -> (its claims, the epoch second after which it is expired)
        self._verified: Lru[str, tuple[TokenClaims, float]] = Lru(VERIFIED_MEMO_SIZE)
        # Its own key, derived: a device token's MAC is never a JWT signature.
        self._device_key = hmac.new(secret.encode(), b"device-token", hashlib.sha256).digest()

    def _device_mac(self, user_id: ObjectId, token_version: int, nonce: str) -> str:
        message = f"{user_id}|{token_version}|{nonce}".encode()
        digest = hmac.new(self._device_key, message, hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode()

    def issue_device(self, user_id: ObjectId, token_version: int = 0) -> str:
        nonce = secrets.token_urlsafe(16)
        return f"{_DEVICE_PREFIX}.{nonce}.{self._device_mac(user_id, token_version, nonce)}"

    def device_of(
        self, device_token: str | None, user_id: ObjectId, token_version: int
    ) -> str | None:
        """The device a device token names (its nonce) when it was minted for this
        account at this token version; None for anything else."""
        if not device_token or len(device_token) > _DEVICE_MAX:
            return None
        prefix, _, rest = device_token.partition(".")
        nonce, _, mac = rest.partition(".")
        if prefix != _DEVICE_PREFIX or not nonce or not mac:
            return None
        expected = self._device_mac(user_id, token_version, nonce)
        return nonce if hmac.compare_digest(mac.encode(), expected.encode()) else None

    def issue(self, user_id: ObjectId, token_version: int = 0) -> str:
        now = utcnow()
        claims = {
            "sub": str(user_id),
            "iat": now,
            "exp": now + self._ttl,
            "iss": self._issuer,
            "aud": self._audience,
            "ver": token_version,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def decode(self, token: str) -> TokenClaims:
        remembered = self._verified.get(token)
        if remembered is not None:
            claims, expires = remembered
            if time.time() < expires:
                return claims
            self._verified.pop(token)
            raise InvalidTokenError("token expired, log in again")
        claims, expires = self._verify(token)
        self._verified.put(token, (claims, expires))
        return claims

    def _verify(self, token: str) -> tuple[TokenClaims, float]:
        """Every check, as PyJWT makes it; the claims and when the token expires."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                # Pinned: never let the token's header choose (no "none", no RS/HS mixups).
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["sub", "iat", "exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidTokenError("token expired, log in again") from error
        except jwt.PyJWTError as error:
            raise InvalidTokenError("invalid token") from error
        try:
            user_id = ObjectId(claims["sub"])
        except (InvalidId, TypeError) as error:
            raise InvalidTokenError("invalid token") from error
        version = claims.get("ver", 0)
        if not isinstance(version, int):
            raise InvalidTokenError("invalid token")
        # PyJWT accepted `exp` as a number (required above); expired once past it plus
        # the leeway, as PyJWT itself judges.
        expires = float(claims["exp"]) + self._leeway
        return TokenClaims(user_id=user_id, token_version=version), expires
