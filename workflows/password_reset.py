"""Password reset by e-mail: issue a single-use token, mail it, and use it once.

The response to a request never depends on whether the address has an account: the
request only validates, throttles and hands the rest (looking the address up, storing
the token, mailing it) to a background task, so the answer and its timing are the same
either way, and a slow mail server never delays it.

Tokens are 256 random bits, stored only as their SHA-256 (models.password_reset), valid
for 30 minutes. A newer request does not void the older token (a stranger asking would
otherwise void the owner's link): a few stay valid at once, and using one deletes it in
the same operation that finds it, then the user's others. A password change and
`logoutEverywhere` void every pending token too (`revoke`).

Tokens are made, hashed and mailed as kit.mailed_tokens says: delivery is retried when
the failure may pass, RETRY_DELAYS apart; a failure that will not pass (a 5xx: the
address refused, SMTPUTF8 unsupported) or the last retry's is reported at ERROR and the
undelivered token is deleted.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from beanie import PydanticObjectId

from kit.background import Background
from kit.clock import utcnow
from kit.mail import Mail, Mailer
from kit.mailed_tokens import MailText, deliver, new_token, presented_hash, token_mail
from models.password_reset import PasswordResetRepository
from models.user import UserRepository

log = logging.getLogger(__name__)

LIFETIME = timedelta(minutes=30)
# Seconds between delivery attempts: three in all, within a minute.
RETRY_DELAYS = (5.0, 30.0)


# str.format fields: link, token, minutes.
TEXTS = {
    "en": MailText(
        subject="Reset your Perfect Boulder password",
        body=(
            "Someone (hopefully you) asked to reset the password of your Perfect Boulder "
            "account.\n\n"
            "Open this link on your phone to choose a new password:\n{link}\n\n"
            "Or enter this code in the app:\n{token}\n\n"
            "The link works once, for {minutes} minutes. If you did not ask for it, "
            "ignore this e-mail: your password stays as it is.\n"
        ),
    ),
    "fr": MailText(
        subject="Réinitialiser votre mot de passe Perfect Boulder",
        body=(
            "Quelqu'un (vous, espérons-le) a demandé à réinitialiser le mot de passe de "
            "votre compte Perfect Boulder.\n\n"
            "Ouvrez ce lien sur votre téléphone pour choisir un nouveau mot de passe :\n"
            "{link}\n\n"
            "Ou saisissez ce code dans l'application :\n{token}\n\n"
            "Le lien ne sert qu'une fois, pendant {minutes} minutes. Si vous n'avez rien "
            "demandé, ignorez cet e-mail : votre mot de passe ne change pas.\n"
        ),
    ),
}


def reset_mail(to: str, language: str, link_template: str, token: str) -> Mail:
    text = TEXTS.get(language, TEXTS["en"])
    minutes = int(LIFETIME.total_seconds() // 60)
    return token_mail(text, to, link_template, token, minutes=minutes)


class PasswordResets:
    def __init__(
        self,
        users: UserRepository,
        resets: PasswordResetRepository,
        mailer: Mailer,
        background: Background,
        link_template: str,
    ) -> None:
        if "{token}" not in link_template:
            raise ValueError("the reset link template must contain {token}")
        self._users = users
        self._resets = resets
        self._mailer = mailer
        self._background = background
        self._link_template = link_template

    def request(self, email_normalized: str, language: str) -> None:
        """Mail a reset link to the account of this address, if there is one, later."""
        self._background.spawn(self.send(email_normalized, language), name="password-reset")

    async def send(self, email_normalized: str, language: str) -> bool:
        """Issue a token and mail it; False (nothing stored or sent) for an unknown
        address. Run in the background by `request`."""
        user = await self._users.by_email(email_normalized)
        if user is None or user.id is None:
            log.info("password reset asked for an address without an account")
            return False
        token, digest = new_token()
        now = utcnow()
        await self._resets.add(user.id, digest, now=now, expires_at=now + LIFETIME)
        mail = reset_mail(user.email, language, self._link_template, token)
        if await deliver(self._mailer, mail, "password reset", RETRY_DELAYS):
            return True
        await self._resets.delete_token(digest)
        return False

    async def consume(self, token: str) -> PydanticObjectId | None:
        """The user a valid token was issued to, using it up (and the user's other
        pending tokens); None for a wrong, used or expired token (the caller cannot tell
        which)."""
        digest = presented_hash(token)
        if digest is None:
            return None
        user_id = await self._resets.consume(digest, utcnow())
        if user_id is not None:
            await self._resets.delete_for(user_id)
        return user_id

    async def revoke(self, user_id: PydanticObjectId) -> None:
        """Void every pending token of the user: the password changed, or every session
        was ended, so a reset link in a mailbox must not outlive that."""
        await self._resets.delete_for(user_id)
