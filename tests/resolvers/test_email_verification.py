"""Verified e-mail through the front door, with mail through a real SMTP server.

A sign-up mails a link; verifying it proves the address. An address a verified account
holds is taken; one an unverified account holds is not: its owner's verification (or
password reset) wins, and the squatter's account loses it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from bson import ObjectId

import workflows.email_verification
import workflows.unverified_posts
from api.settings import Settings
from kit.clock import utcnow
from kit.mailed_tokens import token_hash
from tests.support.accounts import LOGIN, ME, REQUEST_RESET, RESET, Inbox, eventually, smtp_server
from tests.support.app import running_api
from tests.support.client import SIGNUP, Account, Api, code_of, upload_media
from tests.support.videos import POST_VIDEO, video_vars

MY_ACCOUNT = "{ myAccount { email email_verified } }"
VERIFY = "mutation Verify($token: String!) { verifyEmail(token: $token) }"
RESEND = "mutation { resendVerification }"
VERIFY_URL = "https://app.perfect-boulder.test/verify?token={token}"
UPDATE_VIDEO = """
mutation Update($id: ID!, $visibility: Visibility) {
  updateVideo(id: $id, visibility: $visibility) { id visibility }
}
"""


@pytest.fixture
def inbox_and_port() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def mail_api(settings: Settings, inbox_and_port: tuple[Inbox, int]) -> AsyncIterator[Api]:
    _, port = inbox_and_port
    configured = settings.model_copy(
        update={
            "smtp_url": f"smtp://127.0.0.1:{port}",
            "email_from": "Perfect Boulder <no-reply@perfect-boulder.test>",
            "email_verify_url": VERIFY_URL,
            "unverified_posts_per_day": 3,
        }
    )
    async with running_api(configured) as api:
        yield api


@pytest.fixture
def inbox(inbox_and_port: tuple[Inbox, int]) -> Inbox:
    return inbox_and_port[0]


def _token(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    _, _, after = text.partition(VERIFY_URL.replace("{token}", ""))
    token: str = after.split()[0]
    return token


async def _verification(inbox: Inbox, address: str, count: int = 1) -> str:
    async def arrived() -> list[EmailMessage] | None:
        found = inbox.verifications_to(address)
        return found if len(found) >= count else None

    return _token((await eventually(arrived))[count - 1])


async def _token_of(inbox: Inbox, db: Any, account: Account, address: str) -> str:
    """The token of the verification mail sent for `account` (several accounts may wait
    for one address: each mail's token is stored, hashed, under its account)."""

    async def mailed() -> str | None:
        stored = await db.email_verifications.find_one({"user_id": ObjectId(account.id)})
        for mail in inbox.verifications_to(address):
            token = _token(mail)
            if stored is not None and token_hash(token) == stored["token_hash"]:
                return token
        return None

    return await eventually(mailed)


async def _signup(api: Api, email: str, pseudo: str, password: str = "correct horse 1") -> Account:
    data = await api.data(SIGNUP, {"email": email, "password": password, "pseudo": pseudo})
    payload = data["signup"]
    return Account(payload["token"], payload["user"]["id"], pseudo, email, password)


async def _verified(api: Api, token: str) -> bool:
    return bool((await api.data(MY_ACCOUNT, token=token))["myAccount"]["email_verified"])


async def test_signup_mails_a_link_that_verifies_the_address_once(
    mail_api: Api, inbox: Inbox, db: Any
) -> None:
    climber = await _signup(mail_api, "Lea@Example.com", "lea")
    assert not await _verified(mail_api, climber.token)
    token = await _verification(inbox, "Lea@Example.com")
    mail = inbox.verifications_to("Lea@Example.com")[0]
    assert mail["Subject"] == "Confirm your Perfect Boulder e-mail address"
    assert token in mail.get_content()  # the bare code too, for typing in the app

    assert (await mail_api.data(VERIFY, {"token": token}))["verifyEmail"] is True  # no sign-in
    assert await _verified(mail_api, climber.token)
    again = await mail_api.error(VERIFY, {"token": token})
    assert (code_of(again), again["extensions"]["field"]) == ("BAD_USER_INPUT", "token")
    stored = await db.email_verifications.count_documents({})
    assert stored == 0  # used: gone
    assert await mail_api.data(RESEND, token=climber.token) == {"resendVerification": False}


async def test_tokens_are_stored_hashed_and_expire_after_a_day(
    mail_api: Api, inbox: Inbox, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    climber = await _signup(mail_api, "tom@example.com", "tom")
    token = await _verification(inbox, "tom@example.com")
    stored = await db.email_verifications.find_one({})
    assert token not in str(stored)  # only its hash
    later = utcnow() + dt.timedelta(hours=24, minutes=1)
    monkeypatch.setattr(workflows.email_verification, "utcnow", lambda: later)
    expired = await mail_api.error(VERIFY, {"token": token})
    assert code_of(expired) == "BAD_USER_INPUT"
    assert not await _verified(mail_api, climber.token)
    for junk in ("", " ", "x" * 5000, token + "x"):
        assert code_of(await mail_api.error(VERIFY, {"token": junk})) == "BAD_USER_INPUT"


async def test_resending_supersedes_the_older_link_and_is_throttled(
    mail_api: Api, inbox: Inbox, db: Any
) -> None:
    climber = await _signup(mail_api, "ana@example.com", "ana")
    first = await _verification(inbox, "ana@example.com")
    codes = []
    for _ in range(4):
        body = await mail_api.execute(RESEND, token=climber.token)
        codes.append(code_of(body["errors"][0]) if body.get("errors") else "OK")
    assert codes == ["OK", "OK", "OK", "RATE_LIMITED"]
    await _verification(inbox, "ana@example.com", count=4)
    # The mails may arrive in any order; the link asked for last is the one stored.
    latest = await _token_of(inbox, db, climber, "ana@example.com")
    assert latest != first
    tokens = [_token(mail) for mail in inbox.verifications_to("ana@example.com")]
    for older in tokens:
        if older != latest:
            assert code_of(await mail_api.error(VERIFY, {"token": older})) == "BAD_USER_INPUT"
    await mail_api.data(VERIFY, {"token": latest})
    assert await db.email_verifications.count_documents({}) == 0
    assert await _verified(mail_api, climber.token)


async def test_a_verified_address_cannot_be_taken(mail_api: Api, inbox: Inbox) -> None:
    owner = await _signup(mail_api, "owner@example.com", "owner")
    await mail_api.data(VERIFY, {"token": await _verification(inbox, "owner@example.com")})
    taken = await mail_api.error(
        SIGNUP, {"email": "OWNER@example.com", "password": "correct horse 1", "pseudo": "thief"}
    )
    assert (code_of(taken), taken["extensions"]["field"]) == ("BAD_USER_INPUT", "email")
    assert await _verified(mail_api, owner.token)


async def test_the_owners_verified_signup_wins_and_the_squatter_loses_the_address(
    mail_api: Api, inbox: Inbox, db: Any
) -> None:
    squatter = await _signup(mail_api, "mia@example.com", "squatter", "squatter pass 1")
    # The owner signs up with her address: not refused, her account waits for it.
    owner = await _signup(mail_api, "mia@example.com", "mia", "owner pass 12")
    theirs = await _token_of(inbox, db, squatter, "mia@example.com")
    ours = await _token_of(inbox, db, owner, "mia@example.com")  # only she reads that mailbox
    assert (await mail_api.data(VERIFY, {"token": ours}))["verifyEmail"] is True

    mine = await mail_api.data(MY_ACCOUNT, token=owner.token)
    assert mine["myAccount"] == {"email": "mia@example.com", "email_verified": True}
    logged = await mail_api.data(LOGIN, {"e": "mia@example.com", "p": "owner pass 12"})
    assert (await mail_api.data(ME, token=logged["login"]["token"]))["me"]["id"] == owner.id
    # The squatter's tokens are revoked and the address no longer logs them in.
    assert code_of(await mail_api.error(ME, token=squatter.token)) == "UNAUTHENTICATED"
    refused = await mail_api.error(LOGIN, {"e": "mia@example.com", "p": "squatter pass 1"})
    assert code_of(refused) == "UNAUTHENTICATED"
    stored = await db.users.find_one({"_id": ObjectId(squatter.id)})
    placeholder = stored["email_normalized"]
    assert placeholder == f"released:{squatter.id}"
    sneaky = await mail_api.error(LOGIN, {"e": placeholder, "p": "squatter pass 1"})
    assert code_of(sneaky) == "UNAUTHENTICATED"
    assert await db.users.count_documents({"email_normalized": "mia@example.com"}) == 1
    # The squatter's own link (had they had it) proves nothing now.
    stale = await mail_api.error(VERIFY, {"token": theirs})
    assert code_of(stale) == "BAD_USER_INPUT"


async def test_of_two_accounts_waiting_for_one_address_one_gets_it(
    mail_api: Api, inbox: Inbox, db: Any
) -> None:
    await _signup(mail_api, "zoe@example.com", "holder")
    waiting = [await _signup(mail_api, "zoe@example.com", f"zoe{n}") for n in range(2)]
    tokens = [await _token_of(inbox, db, account, "zoe@example.com") for account in waiting]
    answers = await asyncio.gather(*(mail_api.execute(VERIFY, {"token": t}) for t in tokens))
    won = [a for a in answers if not a.get("errors")]
    lost = [a for a in answers if a.get("errors")]
    assert len(won) == len(lost) == 1, answers
    assert code_of(lost[0]["errors"][0]) == "BAD_USER_INPUT"
    holders = await db.users.find({"email_normalized": "zoe@example.com"}).to_list()
    assert len(holders) == 1
    assert holders[0]["email_verified"] is True
    assert str(holders[0]["_id"]) in {w.id for w in waiting}


async def test_a_password_reset_proves_the_address_and_locks_the_squatter_out(
    mail_api: Api, inbox: Inbox
) -> None:
    squatter = await _signup(mail_api, "sam@example.com", "squat", "squatter pass 1")
    await mail_api.data(REQUEST_RESET, {"email": "sam@example.com"})

    async def reset_mail() -> list[EmailMessage] | None:
        return inbox.to("sam@example.com") or None

    (mail,) = await eventually(reset_mail)
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    token = body.get_content().split("token=")[1].split()[0]
    reset = await mail_api.data(RESET, {"token": token, "password": "the owner's own"})
    fresh = reset["resetPassword"]["token"]
    assert await _verified(mail_api, fresh)
    assert code_of(await mail_api.error(ME, token=squatter.token)) == "UNAUTHENTICATED"


async def test_an_unverified_account_publishes_three_videos_a_day(
    mail_api: Api, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    climber = await _signup(mail_api, "eve@example.com", "eve")

    async def post(visibility: str = "PUBLIC") -> dict[str, Any]:
        url = await upload_media(mail_api, climber, "VIDEO")
        return await mail_api.execute(
            POST_VIDEO, video_vars(url, visibility=visibility), climber.token
        )

    for _ in range(3):
        assert "errors" not in await post()
    fourth = await post()
    assert code_of(fourth["errors"][0]) == "RATE_LIMITED"
    assert "verify your e-mail" in fourth["errors"][0]["message"]
    private = await post("PRIVATE")  # seen by nobody else: not counted
    assert "errors" not in private
    # ... until it is published: widening it is a post like any other.
    for visibility in ("PUBLIC", "FOLLOWERS"):
        widened = await mail_api.execute(
            UPDATE_VIDEO, {"id": private["data"]["postVideo"]["id"], "visibility": visibility},
            climber.token,
        )  # fmt: skip
        assert code_of(widened["errors"][0]) == "RATE_LIMITED", widened
    concurrent = await asyncio.gather(*(post() for _ in range(3)))
    assert all(code_of(body["errors"][0]) == "RATE_LIMITED" for body in concurrent)

    tomorrow = utcnow() + dt.timedelta(days=1, minutes=1)
    monkeypatch.setattr(workflows.unverified_posts, "utcnow", lambda: tomorrow)
    assert "errors" not in await post()
    monkeypatch.undo()
    await mail_api.data(VERIFY, {"token": await _verification(inbox, "eve@example.com")})
    for _ in range(4):
        assert "errors" not in await post()


class RefusingVerifications(Inbox):
    """A mail server answering the first `failures` verification mails with `reply`."""

    def __init__(self, failures: int, reply: str) -> None:
        super().__init__()
        self.failures, self.reply, self.refused = failures, reply, 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refused < self.failures:
            self.refused += 1
            return self.reply
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.parametrize(
    ("failures", "reply", "delivered"),
    [
        (2, "451 4.3.0 try again later", True),  # passes: the third try goes through
        (1, "550 5.1.1 no such mailbox", False),  # lasting: not tried again
        (10, "451 4.3.0 try again later", False),  # passing, but past the last try
    ],
)
async def test_a_verification_mail_is_retried_and_a_lost_one_reported_without_its_token(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    db: Any,
    failures: int,
    reply: str,
    delivered: bool,
) -> None:
    monkeypatch.setattr(workflows.email_verification, "RETRY_DELAYS", (0.01, 0.01))
    server = RefusingVerifications(failures, reply)
    with smtp_server(server) as (inbox, port), caplog.at_level(logging.ERROR):
        configured = settings.model_copy(
            update={"smtp_url": f"smtp://127.0.0.1:{port}", "email_verify_url": VERIFY_URL}
        )
        async with running_api(configured) as api:
            climber = await _signup(api, "zoe@example.com", "zoe")
            if delivered:
                token = await _verification(inbox, "zoe@example.com")
                assert (await api.data(VERIFY, {"token": token}))["verifyEmail"] is True
                assert server.refused == 2
                return

            async def reported() -> bool:
                return any("not delivered" in r.getMessage() for r in caplog.records)

            await eventually(reported)
            assert server.refused == (1 if reply.startswith("5") else 3)
            # The token nobody received is gone; asking again mails a new one.
            assert await db.email_verifications.count_documents({}) == 0
            assert "zoe@example.com" not in caplog.text  # no address in the report
            server.failures = 0  # the server is back
            assert await api.data(RESEND, token=climber.token) == {"resendVerification": True}
            token = await _verification(inbox, "zoe@example.com")
            assert (await api.data(VERIFY, {"token": token}))["verifyEmail"] is True
