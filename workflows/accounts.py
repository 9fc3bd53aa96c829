"""Accounts: sign-up, log-in, password change and reset, logging out everywhere,
deletion (the public profile: workflows.profiles). Two rules live here once:

- every password is checked the same way (`_password_matches`): one verification always,
  against a dummy hash when there is no account, so timing tells nothing; a password
  change and a deletion count against log-in's throttles (`_attempt`);
- a suspended account gets no token (`_signed_in`): told only to whoever proved to own
  it (the password, or a reset link), to others it is a failed log-in.
"""

from __future__ import annotations

from dataclasses import dataclass

from beanie import PydanticObjectId

from kit.background import Background
from kit.passwords import PasswordHasher
from kit.tokens import TokenService
from models.audience import SUSPENDED
from models.registry import Repositories
from models.user import DuplicateAccountError, UserDocument
from rules import accounts as account_rules
from rules.blocked_words import BlockedWords
from workflows.account_deletion import AccountDeletion
from workflows.email_verification import EmailVerification
from workflows.errors import InvalidInput, NotSignedIn, Suspended
from workflows.password_reset import PasswordResets
from workflows.push import Devices
from workflows.throttle import Throttle
from workflows.token_versions import TokenVersions

LOGIN_FAILED = "invalid email or password"
_RESET_INVALID = "is not valid (wrong, already used or expired)"
_GONE = "this account no longer exists"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """An account and the tokens this device keeps for it."""

    user: UserDocument
    token: str
    device_token: str


@dataclass(frozen=True, slots=True)
class SignUp:
    """A sign-up as the caller asked for it (fields still raw: checked here)."""

    email: str
    password: str
    pseudo: str
    accept_terms_version: str | None
    language: str


@dataclass(frozen=True, slots=True)
class AccountsParts:
    """What the account use cases work with (built once by the composition root)."""

    repos: Repositories
    passwords: PasswordHasher
    tokens: TokenService
    token_versions: TokenVersions
    throttle: Throttle
    devices: Devices
    password_resets: PasswordResets
    email_verification: EmailVerification
    account_deletion: AccountDeletion
    background: Background


class Accounts:
    def __init__(
        self, parts: AccountsParts, blocked_words: BlockedWords, terms_version: str | None
    ) -> None:
        self._parts = parts
        self._blocked_words = blocked_words
        self._terms_version = terms_version

    async def sign_up(self, form: SignUp, client_ip: str) -> SignedIn:
        """A new account, its verification mail on its way; cheap checks first."""
        email, email_key = account_rules.normalize_email(form.email)
        pseudo, pseudo_key = account_rules.normalize_pseudo(form.pseudo)
        self._blocked_words.check(pseudo, "pseudo")
        account_rules.check_password(form.password)
        terms, accepted = self._terms_version, form.accept_terms_version
        if accepted is not None and accepted.strip() != terms:
            raise InvalidInput(
                "accept_terms_version", f"is not the current terms version ({terms})"
            )
        parts = self._parts
        await parts.throttle.reserve([(parts.throttle.rules.signup_address, client_ip)])
        password_hash = await parts.passwords.hash(form.password)
        try:
            user = await parts.email_verification.sign_up(
                email=email,
                email_normalized=email_key,
                pseudo=pseudo,
                pseudo_normalized=pseudo_key,
                password_hash=password_hash,
                terms_version=None if accepted is None else terms,
                language=form.language,
            )
        except DuplicateAccountError as error:
            raise InvalidInput(error.field, f"this {error.field} is already taken") from error
        return self._tokens_for(user)

    async def log_in(
        self, email: str, password: str, device_token: str | None, client_ip: str
    ) -> SignedIn:
        """Tokens for whoever knows the password, throttled per account, address and
        known device (a device token of this account's is throttled alone)."""
        parts = self._parts
        account = _account_subject(email)
        limits = parts.throttle.rules
        user = await parts.repos.users.by_email(account)
        device = self._device(user, device_token)
        attempt = await parts.throttle.reserve(limits.login_checks(account, client_ip, device))
        if not await self._password_matches(user, password) or user is None:
            await attempt.failed()
            raise NotSignedIn(LOGIN_FAILED)
        await attempt.succeeded(reset=limits.login_resets(account, client_ip, device))
        return self._signed_in(user)

    async def change_password(
        self, viewer: PydanticObjectId, current: str, new: str, client_ip: str
    ) -> SignedIn:
        """Set a new password (the current one checked, throttled as a log-in); every
        other token and any pending reset link stop working."""
        account_rules.check_password(new, "new_password")
        user = await self.own(viewer)
        if not await self._attempt(user, current, client_ip):
            raise InvalidInput("current_password", "is not your current password")
        version = await self._set_password(viewer, new)
        await self._parts.password_resets.revoke(viewer)  # no reset link outlives the change
        if version is None:
            raise NotSignedIn(_GONE)
        user.token_version = version
        return self._tokens_for(user)

    async def log_out_everywhere(self, viewer: PydanticObjectId) -> None:
        """Revoke every token of the account's: no pushes to phones logged out, no reset
        link pending."""
        parts = self._parts
        await parts.repos.users.bump_token_version(viewer)
        parts.token_versions.forget(viewer)
        await parts.devices.drop_all(viewer)
        await parts.password_resets.revoke(viewer)

    async def reset_password(self, token: str, new: str) -> SignedIn:
        """Set a new password with a reset mail's token; every earlier login is logged out.
        The mail reached its owner: that proves the address too."""
        account_rules.check_password(new, "new_password")
        parts = self._parts
        user_id = await parts.password_resets.consume(token)
        if user_id is None:
            raise InvalidInput("token", _RESET_INVALID)
        version = await self._set_password(user_id, new)
        await parts.devices.drop_all(user_id)  # no pushes to phones logged out
        user = await parts.repos.users.get(user_id) if version is not None else None
        if user is None:
            raise InvalidInput("token", _RESET_INVALID)
        await parts.email_verification.proven_by_reset(user)
        # A suspended climber may change their password, not sign in through it: a token
        # issued here would outlive the suspension's revocation.
        return self._signed_in(user)

    async def delete(self, viewer: PydanticObjectId, password: str, client_ip: str) -> None:
        """Begin erasing the account (its password checked, throttled as a log-in): at
        once its tokens stop working; the rest is erased in the background."""
        user = await self.own(viewer)
        if not await self._attempt(user, password, client_ip):
            raise InvalidInput("password", "is not your password")
        deletion = self._parts.account_deletion
        await deletion.begin(viewer, user.email_normalized)
        self._parts.background.spawn(deletion.run(viewer), name=f"erase-account-{viewer}")

    async def own(self, viewer: PydanticObjectId) -> UserDocument:
        """The caller's account; NotSignedIn when it was deleted meanwhile."""
        user = await self._parts.repos.users.get(viewer)
        if user is None:
            raise NotSignedIn(_GONE)
        return user

    async def _attempt(self, user: UserDocument, password: str, client_ip: str) -> bool:
        """Whether the signed-in account's password is right, counted as a log-in is."""
        limits = self._parts.throttle.rules
        account = user.email_normalized
        attempt = await self._parts.throttle.reserve(limits.session_checks(account, client_ip))
        if not await self._password_matches(user, password):
            await attempt.failed()
            return False
        await attempt.succeeded(reset=limits.login_resets(account, client_ip))
        return True

    async def _set_password(self, user_id: PydanticObjectId, new: str) -> int | None:
        """Store the new password's hash; the new token version, None if the account is gone."""
        new_hash = await self._parts.passwords.hash(new)
        version = await self._parts.repos.users.set_password(user_id, new_hash)
        self._parts.token_versions.forget(user_id)
        return version

    async def _password_matches(self, user: UserDocument | None, password: str) -> bool:
        """Always one verification, against a dummy hash when there is no user, so the
        response time does not tell whether the email has an account.

        A password longer than any that can be set is wrong whatever it starts with (it
        used to be cut to the maximum, so any suffix passed); it is still verified,
        against the dummy hash, so it is answered in the same time and the same words.
        """
        too_long = account_rules.password_length(password) > account_rules.PASSWORD_MAX
        return await self._parts.passwords.verify(
            password[: account_rules.PASSWORD_MAX] if too_long else password,
            None if user is None or too_long else user.password_hash,
        )

    def _device(self, user: UserDocument | None, device_token: str | None) -> str | None:
        """The known device a log-in comes from, if its device token is this account's."""
        if user is None or user.id is None:
            return None
        return self._parts.tokens.device_of(device_token, user.id, user.token_version)

    def _signed_in(self, user: UserDocument) -> SignedIn:
        """Tokens for an account whose owner proved themselves, unless it is suspended:
        the one place a suspended account is refused a token."""
        if SUSPENDED in user.withheld:
            raise Suspended()
        return self._tokens_for(user)

    def _tokens_for(self, user: UserDocument) -> SignedIn:
        assert user.id is not None
        tokens = self._parts.tokens
        return SignedIn(
            user=user,
            token=tokens.issue(user.id, user.token_version),
            device_token=tokens.issue_device(user.id, user.token_version),
        )


def _account_subject(email: str) -> str:
    """The throttling key of the account an email names, even a malformed one."""
    try:
        return account_rules.normalize_email(email)[1]
    except InvalidInput:
        return email.strip().casefold()[: account_rules.EMAIL_MAX]
