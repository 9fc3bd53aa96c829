"""Sign-up, log-in and the revocation of tokens (password change, logout everywhere)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from models.audience import SUSPENDED
from models.user import DuplicateAccountError, UserDocument
from resolvers.context import Info
from resolvers.errors import AccountSuspended, BadUserInput, Unauthenticated
from resolvers.languages import preferred_language
from resolvers.users import User
from rules import accounts as account_rules
from workflows.errors import InvalidInput

LOGIN_FAILED = "invalid email or password"


@strawberry.type
class AuthPayload:
    token: str
    user: User
    device_token: str | None = strawberry.field(
        default=None,
        description="Keep it on this device and send it with the next `login`: that log-in "
        "is then throttled for this device alone, so guessers elsewhere cannot lock you "
        "out. Void after a password change, a reset or logoutEverywhere.",
    )


def auth_payload(info: Info, user: UserDocument) -> AuthPayload:
    assert user.id is not None
    tokens = info.context.services.tokens
    token = tokens.issue(user.id, user.token_version)
    device = tokens.issue_device(user.id, user.token_version)
    return AuthPayload(token=token, user=User.from_document(user), device_token=device)


def _device(info: Info, user: UserDocument | None, device_token: str | None) -> str | None:
    """The known device a log-in comes from, if its device token is this account's."""
    if user is None or user.id is None:
        return None
    return info.context.services.tokens.device_of(device_token, user.id, user.token_version)


def _account_subject(email: str) -> str:
    """The throttling key of the account an email names, even a malformed one."""
    try:
        return account_rules.normalize_email(email)[1]
    except InvalidInput:
        return email.strip().casefold()[: account_rules.EMAIL_MAX]


async def check_password(info: Info, user: UserDocument | None, password: str) -> bool:
    """Always one verification, against a dummy hash when there is no user, so the
    response time does not tell whether the email has an account.

    A password longer than any that can be set is wrong whatever it starts with (it
    used to be cut to the maximum, so any suffix passed); it is still verified, against
    the dummy hash, so it is answered in the same time and with the same message.
    """
    too_long = account_rules.password_length(password) > account_rules.PASSWORD_MAX
    return await info.context.services.passwords.verify(
        password[: account_rules.PASSWORD_MAX] if too_long else password,
        None if user is None or too_long else user.password_hash,
    )


@strawberry.type
class AuthMutation:
    @strawberry.mutation(
        description="Make an account and mail a link to verify its e-mail address. An "
        "address a verified account holds is taken; one an unverified account holds is "
        "not: this account waits for it, and gets it when its owner verifies."
    )
    async def signup(
        self,
        info: Info,
        email: str,
        password: str,
        pseudo: str,
        accept_terms_version: Annotated[
            str | None,
            strawberry.argument(
                description="The current terms version (Query.terms), to accept them now."
            ),
        ] = None,
    ) -> AuthPayload:
        email, email_key = account_rules.normalize_email(email)
        pseudo, pseudo_key = account_rules.normalize_pseudo(pseudo)
        info.context.policy.blocked_words.check(pseudo, "pseudo")
        account_rules.check_password(password)
        services = info.context.services
        terms = services.policy.terms_version
        if accept_terms_version is not None and accept_terms_version.strip() != terms:
            raise BadUserInput(
                "accept_terms_version", f"is not the current terms version ({terms})"
            )
        limits = services.throttle.rules
        await services.throttle.reserve([(limits.signup_address, info.context.client_ip)])
        password_hash = await services.passwords.hash(password)
        language = preferred_language(info.context.request.headers.get("accept-language"))
        try:
            user = await services.email_verification.sign_up(
                email=email,
                email_normalized=email_key,
                pseudo=pseudo,
                pseudo_normalized=pseudo_key,
                password_hash=password_hash,
                terms_version=None if accept_terms_version is None else terms,
                language=language,
            )
        except DuplicateAccountError as error:
            raise BadUserInput(error.field, f"this {error.field} is already taken") from error
        return auth_payload(info, user)

    @strawberry.mutation(
        description="Log in. A suspended account answers extensions.code ACCOUNT_SUSPENDED."
    )
    async def login(
        self,
        info: Info,
        email: str,
        password: str,
        device_token: Annotated[
            str | None,
            strawberry.argument(
                description="The device_token of this device's last log-in, if it has one."
            ),
        ] = None,
    ) -> AuthPayload:
        services = info.context.services
        account = _account_subject(email)
        limits = services.throttle.rules
        address = info.context.client_ip
        user = await services.repos.users.by_email(account)
        device = _device(info, user, device_token)
        attempt = await services.throttle.reserve(limits.login_checks(account, address, device))
        if not await check_password(info, user, password) or user is None:
            await attempt.failed()
            raise Unauthenticated(LOGIN_FAILED)
        await attempt.succeeded(reset=limits.login_resets(account, address, device))
        # Said only to whoever knows the password: to others it is a failed log-in.
        if SUSPENDED in user.withheld:
            raise AccountSuspended()
        return auth_payload(info, user)

    @strawberry.mutation(
        name="changePassword",
        description="Set a new password; every other session is logged out. "
        "Returns a fresh token for this device.",
    )
    async def change_password(
        self, info: Info, current_password: str, new_password: str
    ) -> AuthPayload:
        viewer = info.context.require_viewer()
        services = info.context.services
        account_rules.check_password(new_password, "new_password")
        user = await services.repos.users.get(viewer)
        if user is None:
            raise Unauthenticated("this account no longer exists")
        limits = services.throttle.rules
        address = info.context.client_ip
        attempt = await services.throttle.reserve(
            limits.session_checks(user.email_normalized, address)
        )
        if not await check_password(info, user, current_password):
            await attempt.failed()
            raise BadUserInput("current_password", "is not your current password")
        await attempt.succeeded(reset=limits.login_resets(user.email_normalized, address))
        new_hash = await services.passwords.hash(new_password)
        version = await services.repos.users.set_password(viewer, new_hash)
        services.token_versions.forget(viewer)
        await services.password_resets.revoke(viewer)  # no reset link outlives the change
        if version is None:
            raise Unauthenticated("this account no longer exists")
        user.token_version = version
        return auth_payload(info, user)

    @strawberry.mutation(
        name="logoutEverywhere",
        description="Revoke every token of the caller's, this one included.",
    )
    async def logout_everywhere(self, info: Info) -> bool:
        viewer = info.context.require_viewer()
        services = info.context.services
        await services.repos.users.bump_token_version(viewer)
        services.token_versions.forget(viewer)
        await services.devices.drop_all(viewer)  # no pushes to phones logged out
        await services.password_resets.revoke(viewer)  # nor a pending reset link
        return True
