"""Sending mail: over SMTP in production, into an outbox folder in development.

`SMTP_URL` names the server and how to reach it:
- `smtps://user:pass@host:465`: TLS from the first byte (implicit TLS);
- `smtp://user:pass@host:587`: plain connection upgraded with STARTTLS, which is then
  *required*: a server (or a man in the middle) that does not offer it gets no password
  and no mail. Only a loopback host (a mail catcher on the same machine) may answer
  without STARTTLS, as development tools such as Mailpit or aiosmtpd do.
User and password are percent-decoded, so `@` or `:` in them are written `%40`, `%3A`.

Addresses beyond ASCII: the domain is sent in its IDNA form (`exämple.com` as
`xn--exmple-cua.com`), which every server takes; a local part beyond ASCII (`josé@…`)
needs a server that offers SMTPUTF8 (aiosmtplib then asks for it), and one that does
not refuses it for good (`may_pass` is False).

Without `SMTP_URL` (development only: production refuses to start without it) mail goes
to `OutboxMailer`: one `.eml` file per message under `DATA_DIR/outbox/`, and a log line
with its subject and link, so whoever runs `make start` can follow a reset link.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import anyio.to_thread

from kit.clock import utcnow

log = logging.getLogger(__name__)

_DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str
    # The link the mail is about (a password reset), logged by the development outbox.
    link: str | None = None


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    require_starttls: bool

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """Parse `SMTP_URL`; ValueError says what is wrong with it (never its password)."""
        parts = urlsplit(url.strip())
        if parts.scheme not in _DEFAULT_PORTS:
            raise ValueError("SMTP_URL must start with smtp:// (STARTTLS) or smtps:// (TLS)")
        try:
            port = parts.port or _DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise ValueError("SMTP_URL has an invalid port") from None
        if not parts.hostname:
            raise ValueError("SMTP_URL names no host")
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit,
            require_starttls=not implicit and not _is_loopback(parts.hostname),
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_sender(sender: str) -> str:
    """`EMAIL_FROM` as given ("Name <addr@host>" or "addr@host"); ValueError if bad."""
    _, address = parseaddr(sender)
    if "@" not in address or "\n" in sender or "\r" in sender:
        raise ValueError("EMAIL_FROM must be an address, e.g. 'Perfect Boulder <no-reply@…>'")
    return sender


def deliverable(address: str) -> str:
    """`address` with its domain in IDNA (ASCII) form; the local part as it is."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return address  # not a domain IDNA can write: the server will say so
    return f"{local}@{ascii_domain}"


def may_pass(error: BaseException) -> bool:
    """Whether a failure to send may pass if tried again: the server unreachable, slow or
    answering 4xx; not a 5xx (the address or the sender refused for good) nor a feature
    the server lacks (SMTPUTF8)."""
    import aiosmtplib  # see SmtpMailer.send: loaded by the send that failed

    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(400 <= refusal.code < 500 for refusal in error.recipients)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return 400 <= error.code < 500
    # Unreachable, disconnected or slow; any other failure (SMTPUTF8 or AUTH not offered,
    # STARTTLS refused) is the configuration's or the address's, and stays.
    return isinstance(error, OSError | TimeoutError)


def message_of(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = deliverable(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(mail.text)
    return message


class SmtpMailer:
    def __init__(self, config: SmtpConfig, sender: str, timeout_seconds: float = 30) -> None:
        self.config = config
        self.sender = check_sender(sender)
        self._timeout = timeout_seconds

    async def send(self, mail: Mail) -> None:
        # Imported on the first mail, not at start (issue 28's cold start): a process
        # may serve for hours before anyone signs up or asks for a reset.
        import aiosmtplib

        config = self.config
        await aiosmtplib.send(
            message_of(mail, self.sender),
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.implicit_tls,
            # True: STARTTLS or nothing. None (loopback only): STARTTLS when offered.
            start_tls=None if config.implicit_tls or not config.require_starttls else True,
            timeout=self._timeout,
        )


class OutboxMailer:
    """Development: each mail becomes an `.eml` file, and a log line says where."""

    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = directory
        self.sender = check_sender(sender)

    async def send(self, mail: Mail) -> None:
        message = message_of(mail, self.sender)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        path = self.directory / f"{stamp}-{secrets.token_hex(4)}.eml"

        def write() -> None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path.write_bytes(message.as_bytes())

        await anyio.to_thread.run_sync(write)
        log.info("mail written to the outbox subject=%r link=%s file=%s", mail.subject,
                 mail.link, path)  # fmt: skip
