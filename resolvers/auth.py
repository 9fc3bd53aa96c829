"""Sign-up, log-in and the revocation of tokens (password change, logout everywhere)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.context import Info
from resolvers.languages import preferred_language
from resolvers.shared_types import User
from workflows.accounts import SignedIn, SignUp


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


def auth_payload(signed: SignedIn) -> AuthPayload:
    return AuthPayload(
        token=signed.token, user=User.from_document(signed.user), device_token=signed.device_token
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
        form = SignUp(
            email=email,
            password=password,
            pseudo=pseudo,
            accept_terms_version=accept_terms_version,
            language=preferred_language(info.context.request.headers.get("accept-language")),
        )
        return auth_payload(
            await info.context.services.accounts.sign_up(form, info.context.client_ip)
        )

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
        accounts = info.context.services.accounts
        signed = await accounts.log_in(email, password, device_token, info.context.client_ip)
        return auth_payload(signed)

    @strawberry.mutation(
        name="changePassword",
        description="Set a new password; every other session is logged out. "
        "Returns a fresh token for this device.",
    )
    async def change_password(
        self, info: Info, current_password: str, new_password: str
    ) -> AuthPayload:
        viewer = info.context.require_viewer()
        accounts = info.context.services.accounts
        return auth_payload(
            await accounts.change_password(
                viewer, current_password, new_password, info.context.client_ip
            )
        )

    @strawberry.mutation(
        name="logoutEverywhere",
        description="Revoke every token of the caller's, this one included.",
    )
    async def logout_everywhere(self, info: Info) -> bool:
        viewer = info.context.require_viewer()
        await info.context.services.accounts.log_out_everywhere(viewer)
        return True
