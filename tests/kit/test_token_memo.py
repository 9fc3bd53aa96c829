"""kit.tokens remembers verified tokens: never a token that failed, never past expiry."""

from __future__ import annotations

import time

import pytest
from bson import ObjectId

from kit import tokens
from kit.tokens import InvalidTokenError, TokenService

SECRET = "s" * 40


def _service(ttl: int = 3600, leeway: int = 0) -> TokenService:
    return TokenService(
        SECRET, issuer="perfect-boulder", audience="perfect-boulder-app",
        ttl_seconds=ttl, leeway_seconds=leeway,
    )  # fmt: skip


def _counting(service: TokenService) -> list[str]:
    calls: list[str] = []
    verify = service._verify

    def counted(token: str) -> tuple[tokens.TokenClaims, float]:
        calls.append(token)
        return verify(token)

    service._verify = counted  # type: ignore[method-assign]
    return calls


def test_a_verified_token_is_checked_once_then_remembered() -> None:
    service = _service()
    user = ObjectId()
    token = service.issue(user, 3)
    calls = _counting(service)
    first, second = service.decode(token), service.decode(token)
    assert first == second
    assert (first.user_id, first.token_version) == (user, 3)
    assert calls == [token]


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    service = _service(ttl=60, leeway=5)
    token = service.issue(ObjectId())
    service.decode(token)
    now = time.time()
    # kit.tokens reads the clock through the time module: moving it moves the memo's.
    monkeypatch.setattr(time, "time", lambda: now + 64)  # within the leeway
    service.decode(token)
    monkeypatch.setattr(time, "time", lambda: now + 66)
    with pytest.raises(InvalidTokenError, match="expired"):
        service.decode(token)


def test_a_token_that_fails_is_never_remembered() -> None:
    service = _service()
    token = service.issue(ObjectId())
    head, payload, signature = token.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    calls = _counting(service)
    for _ in range(2):
        with pytest.raises(InvalidTokenError):
            service.decode(forged)
    assert calls == [forged, forged]
    assert service.decode(token).user_id is not None


def test_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "VERIFIED_MEMO_SIZE", 10)
    service = _service()
    issued = [service.issue(ObjectId()) for _ in range(15)]
    for token in issued:
        service.decode(token)
    calls = _counting(service)
    service.decode(issued[-1])  # recent: remembered
    service.decode(issued[0])  # the oldest: forgotten, verified again
    assert calls == [issued[0]]
