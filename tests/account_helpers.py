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


@dataclass
class Inbox:
    """aiosmtpd's handler: every message the server accepted, parsed."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    delay_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)  # a slow mail server
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.messages.append(parsed)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd, in its own thread) on a free loopback port."""
    inbox = Inbox()
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


async def eventually(check: Callable[[], Awaitable[T | None]], timeout: float = 10.0) -> T:
    """The first truthy answer of `check`, polled until `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still {result!r} after {timeout} s")
        await asyncio.sleep(0.05)
