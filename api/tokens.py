"""Bearer tokens: HS256 JWTs with pinned algorithm, issuer and audience."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from bson import ObjectId
from bson.errors import InvalidId

ALGORITHM = "HS256"


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

    def issue(self, user_id: ObjectId, token_version: int = 0) -> str:
        now = datetime.now(UTC)
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
        return TokenClaims(user_id=user_id, token_version=version)
