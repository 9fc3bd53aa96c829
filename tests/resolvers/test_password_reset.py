"""Forgot password: a mail through a real SMTP server, a token that works once.

The SMTP server is aiosmtpd running in-process on a loopback port; the API reaches it
with `SMTP_URL=smtp://127.0.0.1:<port>` exactly as it would reach a provider.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from api.settings import Settings
from kit.mail import SmtpConfig
from resolvers.languages import preferred_language
from tests.support.accounts import (
    LOGIN,
    ME,
    REQUEST_RESET,
    RESET,
    Inbox,
    eventually,
    smtp_server,
    token_in,
)
from tests.support.app import running_api
from tests.support.client import Api, code_of

NEW_PASSWORD = "a brand new password"


@pytest.fixture
def inbox_and_port() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def inbox(inbox_and_port: tuple[Inbox, int]) -> Inbox:
    return inbox_and_port[0]


@pytest.fixture
async def mail_api(settings: Settings, inbox_and_port: tuple[Inbox, int]) -> AsyncIterator[Api]:
    _, port = inbox_and_port
    configured = settings.model_copy(
        update={
            "smtp_url": f"smtp://127.0.0.1:{port}",
            "email_from": "Perfect Boulder <no-reply@perfect-boulder.test>",
            "password_reset_url": "https://app.perfect-boulder.test/reset?token={token}",
        }
    )
    async with running_api(configured) as api:
        yield api


async def _ask(api: Api, email: str, language: str | None = None) -> dict[str, Any]:
    headers = {"Accept-Language": language} if language else None
    response = await api.post(REQUEST_RESET, {"email": email}, headers=headers)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def _mail_to(inbox: Inbox, address: str, count: int = 1) -> Any:
    async def arrived() -> Any:
        found = inbox.to(address)
        return found if len(found) >= count else None

    return (await eventually(arrived))[count - 1]


async def test_forgot_password_mail_reaches_smtp_and_the_token_works_once(
    mail_api: Api, inbox: Inbox
) -> None:
    climber = await mail_api.signup()
    assert await _ask(mail_api, climber.email) == {"data": {"requestPasswordReset": True}}

    mail = await _mail_to(inbox, climber.email)
    assert mail["From"] == "Perfect Boulder <no-reply@perfect-boulder.test>"
    assert mail["Subject"] == "Reset your Perfect Boulder password"
    token = token_in(mail)
    assert f"https://app.perfect-boulder.test/reset?token={token}" in mail.get_content()
    assert inbox.envelopes[0][1] == [climber.email]

    reset = await mail_api.data(RESET, {"token": token, "password": NEW_PASSWORD})
    fresh = reset["resetPassword"]["token"]
    assert reset["resetPassword"]["user"]["id"] == climber.id
    assert (await mail_api.data(ME, token=fresh))["me"]["id"] == climber.id

    # Every earlier login token is refused; the old password too; the new one works.
    assert code_of(await mail_api.error(ME, token=climber.token)) == "UNAUTHENTICATED"
    old_login = await mail_api.error(LOGIN, {"e": climber.email, "p": climber.password})
    assert code_of(old_login) == "UNAUTHENTICATED"
    await mail_api.data(LOGIN, {"e": climber.email, "p": NEW_PASSWORD})

    # Once only.
    again = await mail_api.error(RESET, {"token": token, "password": "yet another one"})
    assert code_of(again) == "BAD_USER_INPUT"
    assert again["extensions"]["field"] == "token"


async def test_an_unknown_email_gets_the_same_answer_and_no_mail(
    mail_api: Api, inbox: Inbox
) -> None:
    climber = await mail_api.signup()
    unknown = await _ask(mail_api, "nobody-here@example.com")
    known = await _ask(mail_api, climber.email)
    assert unknown == known == {"data": {"requestPasswordReset": True}}
    await _mail_to(inbox, climber.email)
    await asyncio.sleep(0.3)  # the unknown address's background work ended long ago
    assert [m["To"] for m in inbox.messages] == [climber.email]


async def test_the_answer_never_waits_for_the_mail_server(mail_api: Api, inbox: Inbox) -> None:
    climber = await mail_api.signup()

    async def held_at_the_server() -> int:
        return inbox.waiting

    with inbox.held():
        # Answered while the mail server holds the message, which it does until the
        # answer came: a request that waited for the mail would only be answered when
        # the mail client gives up (30 s, workflows/mail.py). The bound is far below that
        # and far above any machine's time for one request; only a failure meets it.
        answer = await asyncio.wait_for(_ask(mail_api, climber.email), timeout=20)
        assert answer == {"data": {"requestPasswordReset": True}}
        await eventually(held_at_the_server)  # the message is there, unanswered
        assert inbox.to(climber.email) == []
    await _mail_to(inbox, climber.email)  # and the mail still goes out


async def test_the_mail_speaks_french_when_the_phone_does(mail_api: Api, inbox: Inbox) -> None:
    climber = await mail_api.signup()
    await _ask(mail_api, climber.email, "fr-FR,fr;q=0.9,en;q=0.8")
    mail = await _mail_to(inbox, climber.email)
    assert mail["Subject"] == "Réinitialiser votre mot de passe Perfect Boulder"
    assert "Ou saisissez ce code" in mail.get_content()


async def test_a_newer_request_keeps_the_older_token_and_only_hashes_are_stored(
    mail_api: Api, inbox: Inbox, db: Any
) -> None:
    # Someone else asking for a reset must not void the link the owner is about to open
    # (issue 23): both are valid until one is used, which voids the other.
    climber = await mail_api.signup()
    await _ask(mail_api, climber.email)
    first = token_in(await _mail_to(inbox, climber.email, 1))
    await _ask(mail_api, climber.email)
    second = token_in(await _mail_to(inbox, climber.email, 2))
    assert first != second

    stored = await db.password_resets.find().to_list()
    assert {s["token_hash"] for s in stored} == {
        hashlib.sha256(token.encode()).hexdigest() for token in (first, second)
    }
    assert first not in str(stored)
    assert second not in str(stored)

    await mail_api.data(RESET, {"token": first, "password": NEW_PASSWORD})
    used = await mail_api.error(RESET, {"token": second, "password": "yet another one"})
    assert (code_of(used), used["extensions"]["field"]) == ("BAD_USER_INPUT", "token")
    assert await db.password_resets.count_documents({}) == 0


async def test_an_expired_token_is_refused_like_a_wrong_one(
    mail_api: Api, inbox: Inbox, db: Any
) -> None:
    climber = await mail_api.signup()
    await _ask(mail_api, climber.email)
    token = token_in(await _mail_to(inbox, climber.email))
    # 31 minutes later (the TTL monitor may not have removed it yet).
    past = datetime.now(UTC) - timedelta(minutes=1)
    await db.password_resets.update_many({}, {"$set": {"expires_at": past}})
    expired = await mail_api.error(RESET, {"token": token, "password": NEW_PASSWORD})
    wrong = await mail_api.error(RESET, {"token": "x" * 43, "password": NEW_PASSWORD})
    assert expired["message"] == wrong["message"]
    assert code_of(expired) == code_of(wrong) == "BAD_USER_INPUT"


async def test_bad_input_names_the_field(mail_api: Api) -> None:
    bad_email = await mail_api.error(REQUEST_RESET, {"email": "not an address"})
    assert (code_of(bad_email), bad_email["extensions"]["field"]) == ("BAD_USER_INPUT", "email")
    short = await mail_api.error(RESET, {"token": "whatever", "password": "short"})
    assert (code_of(short), short["extensions"]["field"]) == ("BAD_USER_INPUT", "new_password")
    for token in ("", " ", "a" * 10_000, "\x00", "🧗" * 50):
        error = await mail_api.error(RESET, {"token": token, "password": NEW_PASSWORD})
        assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", "token")


async def test_requests_are_throttled_per_address_known_or_not(mail_api: Api, inbox: Inbox) -> None:
    climber = await mail_api.signup()
    for email in (climber.email, "nobody-here@example.com"):
        answers = [await _ask(mail_api, email) for _ in range(4)]
        assert all(a == {"data": {"requestPasswordReset": True}} for a in answers[:3])
        [limited] = answers[3]["errors"]
        assert code_of(limited) == "RATE_LIMITED"
        assert limited["extensions"]["retry_after"] > 0
    await _mail_to(inbox, climber.email, 3)


async def test_development_writes_the_mail_to_the_outbox_and_logs_the_link(
    api: Api, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    climber = await api.signup()
    caplog.set_level(logging.INFO, logger="kit.mail")
    await _ask(api, climber.email)
    outbox = Path(settings.data_dir) / "outbox"

    async def written() -> list[Path] | None:  # (the sign-up's verification mail aside)
        return [p for p in sorted(outbox.glob("*.eml")) if b"Reset your" in p.read_bytes()]

    [eml] = await eventually(written)
    mail = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert mail["To"] == climber.email
    token = token_in(mail)
    lines = [r.getMessage() for r in caplog.records if "outbox" in r.getMessage()]
    [line] = [line for line in lines if "verify-email" not in line]
    assert "Reset your Perfect Boulder password" in line
    assert f"perfectboulder://reset-password?token={token}" in line
    await api.data(RESET, {"token": token, "password": NEW_PASSWORD})


@pytest.mark.parametrize(
    ("url", "host", "port", "user", "password", "implicit", "starttls"),
    [
        ("smtp://u:p@smtp.example.com", "smtp.example.com", 587, "u", "p", False, True),
        ("smtps://u:p@smtp.example.com", "smtp.example.com", 465, "u", "p", True, False),
        ("smtp://a%40b.c:p%3Aw@mx.example.com:2525", "mx.example.com", 2525, "a@b.c", "p:w",
         False, True),
        ("smtp://127.0.0.1:1025", "127.0.0.1", 1025, None, None, False, False),
        ("smtp://localhost:1025", "localhost", 1025, None, None, False, False),
    ],
)  # fmt: skip
def test_smtp_url_says_how_to_connect(
    url: str, host: str, port: int, user: str | None, password: str | None,
    implicit: bool, starttls: bool,
) -> None:  # fmt: skip
    config = SmtpConfig.from_url(url)
    assert (config.host, config.port, config.username, config.password) == (
        host, port, user, password,
    )  # fmt: skip
    assert (config.implicit_tls, config.require_starttls) == (implicit, starttls)


@pytest.mark.parametrize("url", ["http://smtp.example.com", "smtp://", "smtp://h:notaport"])
def test_a_bad_smtp_url_is_refused_without_echoing_it(url: str) -> None:
    with pytest.raises(ValueError, match="SMTP_URL") as caught:
        SmtpConfig.from_url(url)
    assert url not in str(caught.value)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("de-DE, fr;q=0.5, en;q=0.4", "fr"),
        ("en-GB,en;q=0.9,fr;q=0.8", "en"),
        ("de", "en"),
        ("fr;q=bogus, en", "en"),
        ("*", "en"),
    ],
)
def test_the_mail_language_follows_accept_language(header: str | None, language: str) -> None:
    assert preferred_language(header) == language
