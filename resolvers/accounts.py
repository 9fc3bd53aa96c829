"""The caller's own account: its private details, terms, password reset, deletion, export.

Password reset and deletion sit beside log-in and share its throttles: a reset request
counts against the address (e-mail) and the client, a deletion's password against the
account as a failed log-in would.
"""

from __future__ import annotations

import strawberry
from beanie import PydanticObjectId

from models.audience import MODERATION
from models.user import UserDocument
from resolvers.auth import AuthPayload, auth_payload
from resolvers.climbing import iso_utc
from resolvers.context import Info
from resolvers.errors import BadUserInput, Unauthenticated
from resolvers.languages import preferred_language
from resolvers.shared_types import Video, Visibility
from resolvers.videos import with_authors
from rules import accounts as account_rules
from workflows.email_verification import AddressTaken

HIDDEN_VIDEOS_SHOWN = 50


@strawberry.type(name="Account", description="The signed-in climber's private account.")
class Account:
    email: str
    created_at: str = strawberry.field(description="ISO-8601, UTC.")
    terms_version: str | None = strawberry.field(
        description="The version of the terms of use accepted; null if none."
    )
    terms_accepted_at: str | None = strawberry.field(description="When (ISO-8601, UTC).")
    logbook_visibility: Visibility = strawberry.field(
        default=Visibility.PRIVATE,
        description="Who may see your logbook by name (your pseudo beside a send, a ladder "
        "row): PRIVATE nobody (the default), FOLLOWERS your followers, PUBLIC everyone. "
        "Gym aggregates count every logbook, only above CROWD_MIN_CLIMBERS climbers.",
    )
    email_verified: bool = strawberry.field(
        description="Whether the address is verified (verifyEmail). Until it is, this "
        "account's reports weigh nothing and it publishes at most UNVERIFIED_POSTS_PER_DAY "
        "videos a day."
    )
    user_id: strawberry.Private[PydanticObjectId]

    @strawberry.field(
        description="Your videos moderation hides from everyone else: hidden pending "
        "review after reports, or by a moderator's decision (newest first, at most 50). "
        "Each shows `hidden: true`."
    )
    async def hidden_videos(self, info: Info) -> list[Video]:
        views = await info.context.repos.videos.withheld_of(
            self.user_id, MODERATION, HIDDEN_VIDEOS_SHOWN
        )
        return await with_authors(info, views)

    @classmethod
    def from_document(cls, user: UserDocument) -> Account:
        assert user.id is not None
        accepted = user.terms_accepted_at
        return cls(
            email=user.email,
            created_at=iso_utc(user.created_at),
            terms_version=user.terms_version,
            terms_accepted_at=None if accepted is None else iso_utc(accepted),
            logbook_visibility=Visibility(user.logbook_visibility),
            email_verified=user.email_verified,
            user_id=user.id,
        )


@strawberry.type(name="Terms", description="The terms of use to accept before publishing.")
class Terms:
    version: str
    url: str


@strawberry.type(
    name="DataExport",
    description="A JSON document of everything the caller owns (its shape: "
    "docs/export.schema.json), downloadable as an attachment until `expires_at`.",
)
class DataExport:
    download_url: str
    expires_at: str = strawberry.field(description="ISO-8601, UTC; at most 15 minutes away.")


async def _own_account(info: Info) -> UserDocument:
    viewer = info.context.require_viewer()
    user = await info.context.repos.users.get(viewer)
    if user is None:
        raise Unauthenticated("this account no longer exists")
    return user


@strawberry.type
class AccountQuery:
    @strawberry.field(name="myAccount", description="The caller's e-mail, age and terms.")
    async def my_account(self, info: Info) -> Account:
        return Account.from_document(await _own_account(info))

    @strawberry.field(description="The current terms of use; null when none are set.")
    def terms(self, info: Info) -> Terms | None:
        policy = info.context.policy
        if policy.terms_version is None or policy.terms_url is None:
            return None
        return Terms(version=policy.terms_version, url=policy.terms_url)


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        name="acceptTerms",
        description="Accept the current terms of use (BAD_USER_INPUT for any other version).",
    )
    async def accept_terms(self, info: Info, version: str) -> Account:
        viewer = info.context.require_viewer()
        current = info.context.policy.terms_version
        if current is None or version.strip() != current:
            raise BadUserInput("version", f"is not the current terms version ({current})")
        user = await info.context.repos.users.accept_terms(viewer, current)
        if user is None:
            raise Unauthenticated("this account no longer exists")
        return Account.from_document(user)

    @strawberry.mutation(
        name="updateLogbookVisibility",
        description="Choose who may see your logbook by name (see Account.logbook_visibility).",
    )
    async def update_logbook_visibility(self, info: Info, visibility: Visibility) -> Account:
        viewer = info.context.require_viewer()
        user = await info.context.repos.users.set_logbook_visibility(viewer, visibility.value)
        if user is None:
            raise Unauthenticated("this account no longer exists")
        return Account.from_document(user)

    @strawberry.mutation(
        name="requestPasswordReset",
        description="E-mail a single-use reset link (valid 30 minutes) to this address if "
        "it has an account. Always true: the answer never tells whether it has one.",
    )
    async def request_password_reset(self, info: Info, email: str) -> bool:
        _, account = account_rules.normalize_email(email)
        services = info.context.services
        limits = services.throttle.rules
        await services.throttle.reserve(limits.reset_checks(account, info.context.client_ip))
        language = preferred_language(info.context.request.headers.get("accept-language"))
        services.password_resets.request(account, language)
        return True

    @strawberry.mutation(
        name="resetPassword",
        description="Set a new password with a token from a reset mail; every earlier login "
        "is logged out. Returns a token for this device.",
    )
    async def reset_password(self, info: Info, token: str, new_password: str) -> AuthPayload:
        return auth_payload(
            await info.context.services.accounts.reset_password(token, new_password)
        )

    @strawberry.mutation(
        name="verifyEmail",
        description="Verify an e-mail address with the token (or code) a verification mail "
        "carries: single use, valid 24 hours. Needs no sign-in (the link may open anywhere). "
        "If an unverified account held the address, it loses it to this one.",
    )
    async def verify_email(self, info: Info, token: str) -> bool:
        try:
            await info.context.services.email_verification.verify(token)
        except AddressTaken:
            raise BadUserInput("token", "this address now belongs to a verified account") from None
        return True

    @strawberry.mutation(
        name="resendVerification",
        description="Mail a new verification link (the earlier one stops working). False "
        "when the address is verified already; RATE_LIMITED beyond 3 an hour.",
    )
    async def resend_verification(self, info: Info) -> bool:
        user = await _own_account(info)
        language = preferred_language(info.context.request.headers.get("accept-language"))
        return await info.context.services.email_verification.resend(user, language)

    @strawberry.mutation(
        name="deleteAccount",
        description="Delete the caller's account for good: at once, its tokens stop working "
        "and its profile and videos disappear; everything else it owns is erased within "
        "minutes. Needs the password (throttled as a log-in).",
    )
    async def delete_account(self, info: Info, password: str) -> bool:
        viewer = info.context.require_viewer()
        await info.context.services.accounts.delete(viewer, password, info.context.client_ip)
        return True

    @strawberry.mutation(
        name="exportMyData",
        description="A copy of everything the caller owns, as one JSON document to download "
        "(RATE_LIMITED beyond one every few minutes).",
    )
    async def export_my_data(self, info: Info) -> DataExport:
        viewer = info.context.require_viewer()
        download = await info.context.services.data_exports.export(viewer)
        return DataExport(download_url=download.url, expires_at=iso_utc(download.expires_at))
