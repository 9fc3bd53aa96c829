"""Verified e-mail: who proved they read mail at their address, and who gets an address.

Sign-up mails a link and a code (`EMAIL_VERIFY_URL`, over the same mail path as password
resets, in the background); `verify(token)` records the proof. Tokens are 256 random
bits stored as SHA-256 (models.email_verification), single use, valid 24 hours; a newer
mail supersedes the older token. A password reset proves the address as well.

Who holds an address (the unique index on `users.email_normalized`):
- a verified account keeps it: sign-up with it is refused;
- an unverified account holds it only until its owner shows up: a sign-up with an
  address an unverified account holds makes an account that *waits* for it (a
  placeholder key, `models.user.pending_key`), and mails the address. Whoever verifies
  from that mailbox takes the address: the unverified holder is released (its key
  becomes a placeholder, its tokens are revoked), then the waiting account claims the
  address. Both steps are guarded updates (a verified holder is never released; the
  unique index refuses a second claim), retried if a third sign-up slips in between, so
  at every instant at most one account holds the address and never a squatter over a
  verified owner;
- the owner may instead reset the password of the account holding their address: the
  reset mail reaches them, so the account becomes theirs, verified, and every token of
  the squatter's is revoked.

Accounts made before this release are unverified: nobody ever proved their addresses,
and counting them as verified would keep every squat made before it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from beanie import PydanticObjectId

from kit.background import Background
from kit.clock import utcnow
from kit.mail import Mail, Mailer
from kit.mailed_tokens import MailText, deliver, new_token, presented_hash, token_mail
from models.email_verification import EmailVerificationRepository
from models.user import DuplicateAccountError, UserDocument, UserRepository, holds_an_address
from workflows.errors import InvalidInput
from workflows.throttle import Rule, Throttle
from workflows.token_versions import TokenVersions

log = logging.getLogger(__name__)

LIFETIME = timedelta(hours=24)
# resendVerification: three mails an hour per account, then minutes apart.
RESEND = Rule("verify-resend", 3, timedelta(hours=1), timedelta(minutes=1))
_CLAIM_ATTEMPTS = 3


# Seconds between delivery attempts (kit.mailed_tokens.deliver): three in all.
RETRY_DELAYS = (5.0, 30.0)

# str.format fields: link, token, hours.
TEXTS = {
    "en": MailText(
        subject="Confirm your Perfect Boulder e-mail address",
        body=(
            "Welcome to Perfect Boulder! Open this link on your phone to confirm that this "
            "address is yours:\n{link}\n\n"
            "Or enter this code in the app:\n{token}\n\n"
            "The link works once, for {hours} hours. If you did not sign up, ignore this "
            "e-mail: nobody can use your address without it.\n"
        ),
    ),
    "fr": MailText(
        subject="Confirmez votre adresse e-mail Perfect Boulder",
        body=(
            "Bienvenue sur Perfect Boulder ! Ouvrez ce lien sur votre téléphone pour "
            "confirmer que cette adresse est la vôtre :\n{link}\n\n"
            "Ou saisissez ce code dans l'application :\n{token}\n\n"
            "Le lien ne sert qu'une fois, pendant {hours} heures. Si vous ne vous êtes pas "
            "inscrit, ignorez cet e-mail : personne ne peut utiliser votre adresse sans lui.\n"
        ),
    ),
}


class AddressTaken(Exception):
    """The address belongs to a verified account."""


def verify_mail(to: str, language: str, link_template: str, token: str) -> Mail:
    text = TEXTS.get(language, TEXTS["en"])
    hours = int(LIFETIME.total_seconds() // 3600)
    return token_mail(text, to, link_template, token, hours=hours)


class EmailVerification:
    def __init__(
        self,
        users: UserRepository,
        verifications: EmailVerificationRepository,
        mailer: Mailer,
        background: Background,
        throttle: Throttle,
        token_versions: TokenVersions,
        link_template: str,
    ) -> None:
        if "{token}" not in link_template:
            raise ValueError("the verification link template must contain {token}")
        self._users = users
        self._verifications = verifications
        self._mailer = mailer
        self._background = background
        self._throttle = throttle
        self._token_versions = token_versions
        self._link_template = link_template

    async def sign_up(
        self,
        *,
        email: str,
        email_normalized: str,
        pseudo: str,
        pseudo_normalized: str,
        password_hash: str,
        terms_version: str | None,
        language: str,
    ) -> UserDocument:
        """A new account, its verification mail on its way. DuplicateAccountError when the
        pseudo is taken or a verified account holds the address."""

        async def create(pending: bool) -> UserDocument:
            return await self._users.create(
                email=email,
                email_normalized=email_normalized,
                pseudo=pseudo,
                pseudo_normalized=pseudo_normalized,
                password_hash=password_hash,
                terms_version=terms_version,
                pending=pending,
            )

        try:
            user = await create(pending=False)
        except DuplicateAccountError as taken:
            if taken.field != "email":
                raise
            holder = await self._users.by_email(email_normalized)
            if holder is not None and holder.email_verified:
                raise
            # An unverified account holds it: this one waits, and the mail decides.
            user = await create(pending=True)
        await self.request(user, language)
        return user

    async def request(self, user: UserDocument, language: str) -> None:
        """Issue a link for the address the account holds or waits for, and mail it later.
        The token is stored before the request answers, so links supersede each other in
        the order they were asked for; only the mail waits for the background."""
        assert user.id is not None
        address, key = user.email, user.email_normalized
        if user.pending_email and user.pending_email_normalized:
            address, key = user.pending_email, user.pending_email_normalized
        token, digest = new_token()
        now = utcnow()
        await self._verifications.replace(user.id, key, digest, now=now, expires_at=now + LIFETIME)
        mail = verify_mail(address, language, self._link_template, token)
        self._background.spawn(self._mail(mail, digest), name="email-verification")

    async def _mail(self, mail: Mail, digest: str) -> None:
        if not await deliver(self._mailer, mail, "address verification", RETRY_DELAYS):
            # Nobody received it: `resendVerification` makes another.
            await self._verifications.delete_token(digest)

    async def resend(self, user: UserDocument, language: str) -> bool:
        """Mail a new link (throttled: RESEND); False when the address is verified."""
        if user.email_verified:
            return False
        await self._throttle.reserve([(RESEND, str(user.id))])
        await self.request(user, language)
        return True

    async def verify(self, token: str) -> PydanticObjectId:
        """Record the proof a mailed token carries; the account it was for. InvalidInput
        for a wrong, used or expired token; AddressTaken when a verified account took the
        address meanwhile."""
        digest = presented_hash(token)
        used = None if digest is None else await self._verifications.consume(digest, utcnow())
        if used is None:
            raise InvalidInput("token", "is not valid (wrong, already used or expired)")
        user_id, key = used
        if await self._users.mark_verified(user_id, key):
            return user_id
        user = await self._users.get(user_id)
        if user is None or user.pending_email_normalized != key:  # released, or gone
            raise InvalidInput("token", "is not valid (wrong, already used or expired)")
        for _ in range(_CLAIM_ATTEMPTS):
            released = await self._users.release_unverified(key)
            if released is not None:
                self._token_versions.forget(released)
                log.info("an unverified account lost its address to its verified owner")
            if await self._users.claim_pending(user_id, key):
                return user_id
            holder = await self._users.by_email(key)
            if holder is not None and holder.email_verified:
                raise AddressTaken()
        raise InvalidInput("token", "is not valid (wrong, already used or expired)")

    async def proven_by_reset(self, user: UserDocument) -> None:
        """A password reset mailed to the address the account holds proves it."""
        if user.id is not None and holds_an_address(user.email_normalized):
            await self._users.mark_verified(user.id, user.email_normalized)
