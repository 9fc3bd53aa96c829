"""Single-use tokens that travel by mail: made, stored as a hash, recognised when typed
back, and their mail delivered with retries. Password resets and address verification
(workflows.password_reset, workflows.email_verification) both speak through it, so a
token looks, hashes and travels the same whatever it proves.

A token is 256 random bits, URL-safe (43 characters): it goes into a link and can be
typed into the app. Only its SHA-256 is stored, so a copy of the database opens nothing.

Delivery is retried when the failure may pass (kit.mail.may_pass: the server
unreachable, a 4xx answer), `delays` apart; a failure that will not pass, or the last
try's, is reported at ERROR (error tracking receives it, without the token: the mail's
text is never logged) and the caller is told, to drop the token nobody received.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from kit.mail import Mail, Mailer, may_pass

log = logging.getLogger(__name__)

TOKEN_BYTES = 32
# A token is 43 characters; anything much longer is not one (and is not hashed).
TOKEN_MAX = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh token and the hash to store for it."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def presented_hash(token: str) -> str | None:
    """The hash to look up for a token as a client sent it (spaces around it, from a
    copy and paste, are forgiven); None when it cannot be one."""
    token = token.strip()
    if not token or len(token) > TOKEN_MAX:
        return None
    return token_hash(token)


@dataclass(frozen=True, slots=True)
class MailText:
    subject: str
    body: str  # str.format fields: link, token, and those the mail's kind adds


def token_mail(text: MailText, to: str, link_template: str, token: str, **fields: object) -> Mail:
    """The mail carrying `token`, as a link (`link_template`'s `{token}`) and as a code."""
    link = link_template.replace("{token}", token)
    return Mail(
        to=to, subject=text.subject, text=text.body.format(link=link, token=token, **fields),
        link=link,
    )  # fmt: skip


async def deliver(mailer: Mailer, mail: Mail, what: str, delays: Sequence[float]) -> bool:
    """Send `mail`, retrying what may pass; False (reported) when it was not sent.
    `what` names the mail in the log ("password reset")."""
    for attempt, delay in enumerate((*delays, None), start=1):
        try:
            await mailer.send(mail)
            return True
        except Exception as error:  # any failure of the mail path is reported below
            if delay is None or not may_pass(error):
                log.error(
                    "%s mail not delivered after %d attempt(s): %s",
                    what,
                    attempt,
                    type(error).__name__,
                    exc_info=error,
                )
                return False
            log.warning(
                "%s mail attempt %d failed (%s), retrying in %g s",
                what,
                attempt,
                type(error).__name__,
                delay,
            )
            await asyncio.sleep(delay)
    return False  # not reached: the last attempt returns above
