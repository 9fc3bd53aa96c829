"""Reset tokens nobody else can void or outlive, mails that reach addresses beyond ASCII,
and delivery failures that are retried and reported (issue 23)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workflows.password_reset
import workflows.throttle
from api.settings import Settings
from tests.support.accounts import (
    REQUEST_RESET,
    RESET,
    VERIFY_SUBJECTS,
    Inbox,
    eventually,
    free_port,
    token_in,
)
from tests.support.app import running_api
from tests.support.client import Api, code_of

NEW_PASSWORD = "a brand new password"
CHANGE = """
mutation Change($old: String!, $new: String!) {
  changePassword(current_password: $old, new_password: $new) { token }
}
"""
LOGOUT_EVERYWHERE = "mutation { logoutEverywhere }"
SIGNUP = """
mutation S($e: String!, $p: String!, $pw: String!) {
  signup(email: $e, password: $pw, pseudo: $p) { token }
}
"""
_serial = itertools.count()
HEADER = "X-Test-Client"


class Flaky(Inbox):
    """A mail server answering `failures` DATA commands with `reply`, then accepting."""

    def __init__(self, failures: int = 0, reply: str = "451 4.3.0 try again later") -> None:
        super().__init__()
        self.failures = failures
        self.reply = reply
        self.refused = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # A sign-up's address verification goes through: only the mail under test fails.
        subject = message_from_bytes(envelope.content, policy=policy.default)["Subject"]
        if subject not in VERIFY_SUBJECTS and self.refused < self.failures:
            self.refused += 1
            return self.reply
        return await super().handle_DATA(server, session, envelope)


@contextmanager
def mail_server(inbox: Inbox, *, smtputf8: bool = True) -> Iterator[int]:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def configured(settings: Settings, port: int) -> Settings:
    return settings.model_copy(
        update={
            "smtp_url": f"smtp://127.0.0.1:{port}",
            "email_from": "Perfect Boulder <no-reply@perfect-boulder.test>",
            "password_reset_url": "https://app.perfect-boulder.test/reset?token={token}",
            "client_ip_header": HEADER,
        }
    )


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
async def mail_api(settings: Settings, inbox: Inbox) -> AsyncIterator[Api]:
    with mail_server(inbox) as port:
        async with running_api(configured(settings, port)) as api:
            yield api


async def ask(api: Api, email: str, client: str = "192.0.2.1") -> dict[str, Any]:
    response = await api.http.post(
        "/graphql", json={"query": REQUEST_RESET, "variables": {"email": email}},
        headers={HEADER: client},
    )  # fmt: skip
    body: dict[str, Any] = response.json()
    return body


async def mails_to(inbox: Inbox, address: str, count: int) -> list[Any]:
    async def arrived() -> list[Any] | None:
        found = [m for m in inbox.messages if m["To"] == address]
        return found if len(found) >= count else None

    return await eventually(arrived)


@pytest.mark.parametrize("revoking", ["changePassword", "logoutEverywhere"])
async def test_a_pending_token_dies_with_a_password_change_or_logout_everywhere(
    mail_api: Api, inbox: Inbox, revoking: str
) -> None:
    climber = await mail_api.signup()
    await ask(mail_api, climber.email)
    [mail] = await mails_to(inbox, climber.email, 1)
    if revoking == "changePassword":
        await mail_api.data(CHANGE, {"old": climber.password, "new": "changed 12345"},
                            climber.token)  # fmt: skip
    else:
        await mail_api.data(LOGOUT_EVERYWHERE, token=climber.token)
    refused = await mail_api.error(RESET, {"token": token_in(mail), "password": NEW_PASSWORD})
    assert (code_of(refused), refused["extensions"]["field"]) == ("BAD_USER_INPUT", "token")


async def test_nobody_can_void_the_owners_pending_reset_by_asking(
    mail_api: Api, inbox: Inbox, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await mail_api.signup()
    await ask(mail_api, owner.email, "192.0.2.1")
    [first] = await mails_to(inbox, owner.email, 1)
    # A stranger asks for the owner's address as often as the throttle lets them over the
    # token's 30 minutes (moving the throttle's clock by each retry_after), from many
    # addresses.
    elapsed, asked, n = timedelta(), 1, 0
    start = datetime.now(UTC)
    while True:
        n += 1
        body = await ask(mail_api, owner.email, f"203.0.113.{n}")
        if "errors" not in body:
            asked += 1
            continue
        assert code_of(body["errors"][0]) == "RATE_LIMITED"
        elapsed += timedelta(seconds=body["errors"][0]["extensions"]["retry_after"])
        if elapsed >= workflows.password_reset.LIFETIME:
            break
        moved = start + elapsed
        monkeypatch.setattr(workflows.throttle, "utcnow", lambda moved=moved: moved)
    await mails_to(inbox, owner.email, asked)
    assert asked > 3  # the back-off let some through
    # Every one of them is still valid, the owner's first among them.
    assert await db.password_resets.count_documents({}) == asked
    reset = await mail_api.data(RESET, {"token": token_in(first), "password": NEW_PASSWORD})
    assert reset["resetPassword"]["user"]["id"] == owner.id
    assert await db.password_resets.count_documents({}) == 0  # the others died with it


# Letters as people type them in addresses: accented Latin, Cyrillic, Greek, Han.
_LETTERS = "abcdeéèàçöüñøåæœабвгдежзαβγδεζ用户例子邮件"  # noqa: RUF001 - on purpose
_label = st.text(alphabet=_LETTERS, min_size=1, max_size=10)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(local=_label, domain=_label, top=st.sampled_from(["com", "fr", "рф", "中国"]))
async def test_reset_mail_reaches_addresses_beyond_ascii(
    mail_api: Api, inbox: Inbox, local: str, domain: str, top: str
) -> None:
    n = next(_serial)
    email = f"{local}.{n}@{domain}.{top}"
    signup = await mail_api.post(SIGNUP, {"e": email, "p": f"intl{n}", "pw": "long enough 1"})
    assert "errors" not in signup.json(), signup.json()
    before = len(inbox.envelopes)
    assert await ask(mail_api, email) == {"data": {"requestPasswordReset": True}}

    async def delivered() -> list[str] | None:
        return inbox.envelopes[before][1] if len(inbox.envelopes) > before else None

    [recipient] = await eventually(delivered)
    got_local, _, got_domain = recipient.rpartition("@")
    assert got_local == f"{local}.{n}"
    # The domain travels in its IDNA form, which reads back as the one typed.
    assert got_domain.isascii()
    assert got_domain.encode().decode("idna").casefold() == f"{domain}.{top}".casefold()


async def test_an_address_beyond_ascii_domain_reaches_a_server_without_smtputf8(
    settings: Settings,
) -> None:
    inbox = Inbox()
    with mail_server(inbox, smtputf8=False) as port:
        async with running_api(configured(settings, port)) as api:
            await api.http.post(
                "/graphql",
                json={"query": 'mutation { signup(email: "jose@exämple.com", password: '
                      '"long enough 1", pseudo: "jose") { token } }'},
            )  # fmt: skip
            await ask(api, "jose@exämple.com")

            async def delivered() -> Any:
                return inbox.envelopes or None

            [(_, recipients)] = await eventually(delivered)
    assert recipients == ["jose@xn--exmple-cua.com"]


async def test_a_passing_failure_is_retried_until_the_mail_goes(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workflows.password_reset, "RETRY_DELAYS", (0.05, 0.05))
    inbox = Flaky(failures=2)
    with mail_server(inbox) as port:
        async with running_api(configured(settings, port)) as api:
            climber = await api.signup()
            await ask(api, climber.email)
            [mail] = await mails_to(inbox, climber.email, 1)
            assert inbox.refused == 2
            await api.data(RESET, {"token": token_in(mail), "password": NEW_PASSWORD})


@pytest.mark.parametrize(
    ("failures", "reply"),
    [(1, "550 5.1.1 no such mailbox"), (10, "451 4.3.0 try again later")],
)
async def test_a_lasting_failure_is_reported_and_leaves_no_token(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    db: Any,
    failures: int,
    reply: str,
) -> None:
    monkeypatch.setattr(workflows.password_reset, "RETRY_DELAYS", (0.05, 0.05))
    inbox = Flaky(failures=failures, reply=reply)
    with mail_server(inbox) as port:
        async with running_api(configured(settings, port)) as api:
            climber = await api.signup()
            with caplog.at_level(logging.ERROR, logger="workflows.password_reset"):
                await ask(api, climber.email)

                async def reported() -> bool:
                    return any("not delivered" in r.getMessage() for r in caplog.records)

                await eventually(reported)
    # A 5xx is not tried again; a 4xx three times in all.
    assert inbox.refused == (1 if reply.startswith("5") else 3)
    assert await db.password_resets.count_documents({}) == 0
    await asyncio.sleep(0)
