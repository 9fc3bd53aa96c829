"""Account documents as the app sends them, and a real SMTP server to receive mail."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, TypeVar

from aiosmtpd.controller import Controller

from workflows.email_verification import TEXTS as VERIFY_TEXTS

T = TypeVar("T")

MY_ACCOUNT = "{ myAccount { email created_at terms_version terms_accepted_at } }"
TERMS = "{ terms { version url } }"
ACCEPT_TERMS = "mutation Accept($v: String!) { acceptTerms(version: $v) { terms_version } }"
REQUEST_RESET = "mutation Forgot($email: String!) { requestPasswordReset(email: $email) }"
RESET = """
mutation Reset($token: String!, $password: String!) {
  resetPassword(token: $token, new_password: $password) { token user { id pseudo } }
}
"""
DELETE_ACCOUNT = "mutation Delete($password: String!) { deleteAccount(password: $password) }"
EXPORT = "mutation { exportMyData { download_url expires_at } }"
ME = "{ me { id pseudo } }"
LOGIN = "mutation Login($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"
SEARCH = "query Search($q: String!) { searchUsers(query: $q) { id pseudo } }"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


VERIFY_SUBJECTS = frozenset(text.subject for text in VERIFY_TEXTS.values())


@dataclass
class Inbox:
    """aiosmtpd's handler: every message the server accepted, parsed. The address
    verification mails every sign-up sends are kept apart (`verifications`), so that a
    test of other mail sees only that mail."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    # Messages the server has taken and not answered yet (while `held`).
    waiting: int = 0
    _answering: threading.Event = field(default_factory=threading.Event)
    verifications: list[EmailMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._answering.set()

    @contextmanager
    def held(self) -> Iterator[None]:
        """A mail server as slow as the test needs, without a clock: it takes each
        message and answers none until the block ends."""
        self._answering.clear()
        try:
            yield
        finally:
            self._answering.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self._answering.is_set():
            with self._lock:
                self.waiting += 1
            await asyncio.get_running_loop().run_in_executor(None, self._answering.wait)
            with self._lock:
                self.waiting -= 1
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        if parsed["Subject"] in VERIFY_SUBJECTS:
            with self._lock:
                self.verifications.append(parsed)
            return "250 Message accepted for delivery"
        with self._lock:
            self.messages.append(parsed)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def verifications_to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.verifications if m["To"] == address]


@contextmanager
def smtp_server(inbox: Inbox | None = None) -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd, in its own thread) on a free loopback port."""
    inbox = inbox or Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def token_in(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    found = re.search(r"token=([A-Za-z0-9_-]{20,})", text)
    assert found, text
    return found.group(1)


async def eventually(check: Callable[[], Awaitable[T | None]], within: float = 60.0) -> T:
    """The first truthy answer of `check`, polled until `within` seconds passed.

    `within` only ends a test that fails: a passing one returns as soon as `check` does,
    so it is far beyond what any loaded machine takes for the work polled."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still {result!r} after {within} s")
        await asyncio.sleep(0.05)


@dataclass
class Climbers:
    """Alice, the climber of the tests, among others: Bob and Carol follow her and she
    them; Bob likes her videos, she likes his; each keeps a logbook."""

    alice: Any
    bob: Any
    carol: Any
    alice_videos: list[str]
    alice_sessions: list[str]
    alice_croix: list[str]
    alice_media: list[str]
    bob_video: str
    bob_croix_notes: str


async def seed_climbers(api: Any) -> Climbers:
    from tests.support.client import upload_media
    from tests.support.logbook import create_croix, create_session
    from tests.support.social import follow
    from tests.support.videos import LIKE, post_video

    alice, bob, carol = [await api.signup(name) for name in ("Alice", "Bob", "Carol")]
    avatar = await upload_media(api, alice, "AVATAR")
    update = "mutation A($u: String) { updateProfile(avatar_url: $u) { avatar_url } }"
    stored_avatar = (await api.data(update, {"u": avatar}, alice.token))["updateProfile"]
    sessions, croix, media = [], [], [stored_avatar["avatar_url"]]
    for day in ("2025-05-01", "2025-05-08"):
        session = await create_session(api, alice, day, notes=f"alice's notes {day}")
        sessions.append(session["id"])
        for _ in range(3):
            photo = await upload_media(api, alice, "PHOTO")
            entry = await create_croix(
                api, alice, photo, session_id=session["id"], notes="alice croix"
            )
            croix.append(entry["id"])
            media.append(entry["photo_url"])
    videos = []
    for _ in range(2):
        video = await post_video(api, alice, caption="alice video")
        videos.append(video["id"])
        media.append(video["video_url"])
        await api.data(LIKE, {"id": video["id"]}, bob.token)
        await api.data(LIKE, {"id": video["id"]}, carol.token)
    bob_video = (await post_video(api, bob, caption="bob video"))["id"]
    await api.data(LIKE, {"id": bob_video}, alice.token)
    await api.data(LIKE, {"id": bob_video}, carol.token)
    bob_session = await create_session(api, bob, "2025-05-02", notes="bob's private notes")
    bob_photo = await upload_media(api, bob, "PHOTO")
    await create_croix(api, bob, bob_photo, session_id=bob_session["id"], notes="bob secret")
    for who, whom in ((alice, bob), (bob, alice), (carol, alice), (alice, carol), (bob, carol)):
        await follow(api, who, whom)
    return Climbers(alice, bob, carol, videos, sessions, croix, media, bob_video, "bob secret")
