"""Nothing secret or personal leaves the process in an error event.

The events go to a Sentry ingest endpoint on a local port (a real DSN points at it), and
the test reads every byte the SDK sent: no reset token, e-mail address, password hash,
SMTP credential, JWT signing key or bearer token, whichever way it would have gone
(frame variables, an exception's message, a log line, a breadcrumb).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.error_scrubbing import Scrubber
from api.settings import Settings
from models.user import UserRepository
from tests.support.accounts import REQUEST_RESET, eventually, smtp_server
from tests.support.app import running_api
from tests.support.sentry import FakeSentry, sentry_endpoint

SMTP_USER = "mailer-account"
SMTP_PASSWORD = "smtp-pa55word-Xq7"
JWT_KEY = "a-jwt-signing-key-that-is-long-enough-for-hs256-0123456789"


@pytest.fixture
def fake_sentry() -> Iterator[FakeSentry]:
    with sentry_endpoint() as sentry:
        yield sentry


def _sent(sentry: FakeSentry) -> str:
    return b"\n".join(sentry.bodies).decode("utf-8", "replace")


async def test_a_failed_reset_mail_reports_no_token_address_hash_or_credential(
    settings: Settings, fake_sentry: FakeSentry
) -> None:
    # The mail server offers no AUTH, so a mailer holding credentials fails to send: the
    # failure is reported at ERROR, and reaches error tracking, while its frames held
    # the token, the account (with its hash) and the SMTP password.
    with smtp_server() as (_, port):
        configured = settings.model_copy(
            update={
                "sentry_dsn": fake_sentry.dsn,
                "jwt_secret": JWT_KEY,
                "smtp_url": f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{port}",
                "email_from": "Perfect Boulder <no-reply@perfect-boulder.test>",
            }
        )
        async with running_api(configured) as api:
            climber = await api.signup("AdaLovelace")
            response = await api.post(REQUEST_RESET, {"email": climber.email}, token=climber.token)
            assert response.json() == {"data": {"requestPasswordReset": True}}
            stored = await UserRepository().by_email(climber.email.lower())
            assert stored is not None
            password_hash = stored.password_hash

            async def reported() -> bool:
                return bool(fake_sentry.events)

            await eventually(reported)
    sent = _sent(fake_sentry)
    assert "password reset mail not delivered" in sent  # the report did arrive
    assert '"vars"' not in sent  # no frame variables at all
    for secret in (
        climber.email,
        climber.email.lower(),
        password_hash,
        password_hash.split("$")[-1],
        SMTP_PASSWORD,
        SMTP_USER,
        JWT_KEY,
        climber.token,
    ):
        assert secret not in sent, secret
    # And no reset token: nothing that looks like one (43 URL-safe characters).
    assert not re.search(r"(?<![\w-])[\w-]{43}(?![\w-])", sent.replace("[token]", ""))


async def test_an_error_message_quoting_a_document_is_scrubbed(
    settings: Settings, fake_sentry: FakeSentry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A database error quotes the document it refused (MongoDB's duplicate-key message
    # does), here with the viewer's address and hash; the request carried a bearer token.
    seen: dict[str, str] = {}

    async def broken(self: UserRepository, prefix: str, *_: object, **__: object) -> None:
        user = await self.by_email(seen["email"])
        assert user is not None
        seen["hash"] = user.password_hash
        raise RuntimeError(
            f"E11000 dup key: {{ email: {user.email!r}, password_hash: {user.password_hash!r} }}"
            f" while serving Authorization: Bearer {seen['token']}"
        )

    monkeypatch.setattr(UserRepository, "search_by_pseudo_prefix", broken)
    configured = settings.model_copy(update={"sentry_dsn": fake_sentry.dsn})
    async with running_api(configured) as api:
        climber = await api.signup("GraceHopper")
        seen.update(email=climber.email, token=climber.token)
        response = await api.post('query { searchUsers(query: "abc") { id } }', token=climber.token)
        assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    [event] = fake_sentry.events
    assert event["user"]["id"] == climber.id  # what a report is matched with stays
    assert event["exception"]["values"][0]["type"] == "RuntimeError"
    sent = _sent(fake_sentry)
    assert "E11000 dup key" in sent
    for secret in (climber.email, seen["hash"], climber.token, climber.token.split(".")[2]):
        assert secret not in sent, secret


# --- The scrubber by class: whatever surrounds a secret, it does not survive. ---

_around = st.text(alphabet=string.ascii_letters + string.digits + " :=,/'\"()\n<>", max_size=30)
_urlsafe = string.ascii_letters + string.digits + "-_"
_b64 = string.ascii_letters + string.digits + "+/"


def _argon2(salt: str, digest: str) -> str:
    return f"$argon2id$v=19$m=65536,t=3,p=4${salt}${digest}"


_secrets = st.one_of(
    st.emails(),
    # A reset token: 256 random bits, URL-safe.
    st.text(alphabet=_urlsafe, min_size=43, max_size=43).filter(
        lambda t: any(c.isdigit() for c in t) or t.lower() != t != t.upper()
    ),
    st.builds(
        _argon2,
        st.text(alphabet=_b64, min_size=22, max_size=22),
        st.text(alphabet=_b64, min_size=43, max_size=43),
    ),
    st.builds(
        lambda sub, key: jwt.encode({"sub": sub}, key, algorithm="HS256"),
        st.text(max_size=40),
        st.text(alphabet=_urlsafe, min_size=32, max_size=64),
    ),
)


@given(secret=_secrets, before=_around, after=_around, key=st.sampled_from(["value", "message"]))
def test_no_secret_survives_the_scrubber_in_any_text(
    secret: str, before: str, after: str, key: str
) -> None:
    event = {"exception": {"values": [{key: f"{before} {secret} {after}"}]}, "extra": [secret]}
    scrubbed = repr(Scrubber([]).scrub(event))
    assert secret not in scrubbed


@given(
    password=st.text(min_size=4, max_size=40).filter(str.strip),
    header=st.sampled_from(["Authorization", "cookie", "X-Api-Key", "smtp_password", "token"]),
    value=st.text(min_size=1, max_size=60),
)
def test_known_secrets_and_secret_keys_are_filtered(password: str, header: str, value: str) -> None:
    event = {"message": f"login as user:{password} failed", "request": {"headers": {header: value}}}
    scrubbed = Scrubber([password]).scrub(event)
    assert password not in scrubbed["message"]
    assert scrubbed["request"]["headers"][header] == "[Filtered]"


def test_identifiers_and_stack_trace_names_are_kept() -> None:
    event = {
        "event_id": "0123456789abcdef0123456789abcdef",
        "tags": {"request_id": "0123456789abcdef"},
        "user": {"id": "65f0c0ffee0123456789abcd"},
        "exception": {
            "values": [
                {
                    "type": "RuntimeError",
                    "stacktrace": {
                        "frames": [{"function": "test_an_error_reaches_sentry_with_request_id"}]
                    },
                }
            ]
        },
    }
    assert Scrubber(["unrelated-secret"]).scrub(event) == event
