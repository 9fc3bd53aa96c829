"""What the service is made of, built in one place.

Two steps, because they fail differently:

- `parts_from(settings)` (api.parts), before anything starts: the storage, the mailer,
  the policy (the word list), the push client (the service account), metrics and the
  build's identity. A configuration any of them refuses stops the start with a message,
  before a port is opened or the database is reached.
- `build_services(parts, stack)`, here, in the lifespan, once the database is connected:
  every workflow the resolvers are handed (`workflows.services.Services`), built a side at
  a time (what both sides stand on, the account side, the content side), and the work
  that runs beside the requests (`_schedule`: sweeps, the media worker; the push worker).
  What must be closed at shutdown is pushed on `stack`, in the order it must close.

A new workflow is built here, and only here.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pymongo import AsyncMongoClient

from api import wiring
from api.database import connect
from api.parts import Parts
from api.settings import Settings
from kit.background import Background
from kit.passwords import PasswordHasher
from kit.tokens import TokenService
from models.registry import Repositories, logbook_repositories
from workflows.account_deletion import AccountDeletion
from workflows.accounts import Accounts, AccountsParts
from workflows.audiences import Audiences
from workflows.comments import Comments
from workflows.data_export import DataExports
from workflows.email_verification import EmailVerification
from workflows.likes import Likes
from workflows.media import MediaWork
from workflows.moderation import Moderation
from workflows.moderation_desk import ModerationDesk
from workflows.notifications import Notifications
from workflows.password_reset import PasswordResets
from workflows.posting import Posting, PostingParts
from workflows.profiles import Profiles
from workflows.push import Devices, PushOutbox, PushWorker
from workflows.relations import Relations
from workflows.reports import Reporting
from workflows.services import Services
from workflows.terms import TermsGate
from workflows.throttle import Throttle
from workflows.token_versions import TokenVersions
from workflows.unverified_posts import UnverifiedPosts
from workflows.upload_quota import UploadQuota

# At shutdown, background work (mail, erasure batches) gets this long before it is
# cancelled: within Fly's kill_timeout, after uvicorn's drain. Erasures resume later.
SHUTDOWN_GRACE_SECONDS = 3.0


async def build_services(parts: Parts, stack: AsyncExitStack) -> Services:
    """Connect to the database, build every workflow, start the work beside requests."""
    settings = parts.settings
    mongo = await connect(settings, stack, listeners=[parts.metrics.database_listener()])
    repos = Repositories(**logbook_repositories(timedelta(days=settings.sync_tombstone_days)))
    background = Background()
    # Closed before the database client (the stack unwinds last in, first out).
    stack.push_async_callback(background.close, SHUTDOWN_GRACE_SECONDS)
    base = _base(parts, repos, background, stack)
    account = _account_side(parts, base)
    content = _content_side(parts, base, account)
    services = _services(parts, mongo, base, account, content)
    _schedule(settings, background, account, content)
    return services


@dataclass(frozen=True, slots=True)
class _Base:
    """What the use cases on both sides are built on."""

    repos: Repositories
    background: Background
    token_versions: TokenVersions
    audiences: Audiences
    throttle: Throttle
    notifications: Notifications
    terms: TermsGate


def _base(
    parts: Parts, repos: Repositories, background: Background, stack: AsyncExitStack
) -> _Base:
    settings, policy = parts.settings, parts.policy
    pusher = _pusher(parts, repos, background, stack)
    return _Base(
        repos=repos,
        background=background,
        token_versions=TokenVersions(repos.users),
        audiences=Audiences(repos.audience),
        throttle=Throttle(repos.auth_attempts, wiring.throttle_rules(settings)),
        notifications=Notifications(repos, timedelta(days=settings.notifications_ttl_days), pusher),
        terms=TermsGate(repos.users, policy.terms_version, policy.terms_url),
    )


@dataclass(frozen=True, slots=True)
class _AccountSide:
    """Who one is: credentials, mails that prove an address, devices, erasure, export."""

    passwords: PasswordHasher
    tokens: TokenService
    password_resets: PasswordResets
    email_verification: EmailVerification
    deletion: AccountDeletion
    exports: DataExports
    devices: Devices
    accounts: Accounts
    profiles: Profiles


def _account_side(parts: Parts, base: _Base) -> _AccountSide:
    settings, storage, mailer, policy = parts.settings, parts.storage, parts.mailer, parts.policy
    repos, background = base.repos, base.background
    deletion = AccountDeletion(
        repos, storage, base.throttle, base.token_versions, base.notifications,
        # An upload URL signed just before the deletion may still be used.
        settle_after=timedelta(seconds=storage.expires_in + 60),
    )  # fmt: skip
    passwords = PasswordHasher(settings.password_hash_concurrency)
    passwords.warm_up()
    tokens = wiring.token_service(settings, parts.secret)
    password_resets = PasswordResets(
        repos.users, repos.password_resets, mailer, background, settings.password_reset_url
    )
    email_verification = EmailVerification(
        repos.users, repos.email_verifications, mailer, background, base.throttle,
        base.token_versions, settings.email_verify_url,
    )  # fmt: skip
    devices = Devices(repos)
    accounts = AccountsParts(
        repos, passwords, tokens, base.token_versions, base.throttle, devices, password_resets,
        email_verification, deletion, background,
    )  # fmt: skip
    return _AccountSide(
        passwords=passwords,
        tokens=tokens,
        password_resets=password_resets,
        email_verification=email_verification,
        deletion=deletion,
        exports=DataExports(repos, storage, timedelta(seconds=settings.export_interval_seconds)),
        devices=devices,
        accounts=Accounts(accounts, policy.blocked_words, policy.terms_version),
        profiles=Profiles(repos.users, storage, base.terms, policy.blocked_words),
    )


@dataclass(frozen=True, slots=True)
class _ContentSide:
    """What climbers publish and what is done to it: posts, media, comments, moderation."""

    moderation: Moderation
    media: MediaWork
    unverified_posts: UnverifiedPosts
    comments: Comments
    posting: Posting


def _content_side(parts: Parts, base: _Base, account: _AccountSide) -> _ContentSide:
    settings, storage, policy, repos = parts.settings, parts.storage, parts.policy, base.repos
    moderation = Moderation(repos, base.token_versions, base.notifications)
    media = MediaWork(repos, storage, wiring.media_config(settings))
    unverified_posts = UnverifiedPosts(
        repos.auth_attempts, repos.users, settings.unverified_posts_per_day
    )
    comment_cap = wiring.comment_cap(settings, repos.auth_attempts)
    comments = Comments(repos, comment_cap, policy.blocked_words, base.notifications, base.terms)
    posting = PostingParts(
        repos, storage, base.terms, policy.blocked_words, unverified_posts, media,
        account.deletion, moderation, comments,
    )  # fmt: skip
    return _ContentSide(moderation, media, unverified_posts, comments, Posting(posting))


def _services(
    parts: Parts, mongo: AsyncMongoClient[dict[str, Any]], base: _Base, account: _AccountSide,
    content: _ContentSide,
) -> Services:  # fmt: skip
    repos, policy, notifications = base.repos, parts.policy, base.notifications
    return Services(
        policy=policy,
        mongo=mongo,
        repos=repos,
        passwords=account.passwords,
        tokens=account.tokens,
        token_versions=base.token_versions,
        audiences=base.audiences,
        throttle=base.throttle,
        upload_quota=UploadQuota(repos.auth_attempts, wiring.upload_budget(parts.settings)),
        storage=parts.storage,
        background=base.background,
        password_resets=account.password_resets,
        account_deletion=account.deletion,
        data_exports=account.exports,
        moderation=content.moderation,
        moderation_desk=ModerationDesk(repos, content.moderation),
        reporting=Reporting(repos, content.moderation, policy.report_weight_to_hide),
        email_verification=account.email_verification,
        unverified_posts=content.unverified_posts,
        notifications=notifications,
        likes=Likes(repos, notifications),
        relations=Relations(repos, base.audiences, notifications),
        comments=content.comments,
        devices=account.devices,
        media=content.media,
        terms=base.terms,
        accounts=account.accounts,
        posting=content.posting,
        profiles=account.profiles,
    )


def _schedule(
    settings: Settings, background: Background, account: _AccountSide, content: _ContentSide
) -> None:
    """The work beside the requests."""
    # At once (a deletion cut short by the last stop resumes now), then periodically.
    background.every(settings.deletion_sweep_seconds, account.deletion.sweep, "erasure-sweep")
    background.every(settings.deletion_sweep_seconds, account.exports.sweep, "export-sweep")
    # Moderation decisions a crash left half done (workflows/moderation.py).
    background.every(settings.deletion_sweep_seconds, content.moderation.sweep, "moderation-sweep")
    if settings.media_workers:  # else a `python -m api.media_worker` process does
        content.media.start(background)


def _pusher(
    parts: Parts, repos: Repositories, background: Background, stack: AsyncExitStack
) -> PushOutbox | None:
    """Push on (a service account configured): the outbox and its delivery worker in this
    process; off: None, and the inbox works alone."""
    if parts.fcm is None:
        return None
    stack.push_async_callback(parts.fcm.close)
    worker = PushWorker(repos, parts.fcm, concurrency=parts.settings.push_concurrency)
    background.spawn(worker.run(), "push-worker")
    # Before the background tasks' grace (last in, first out): no new claims.
    stack.push_async_callback(worker.stop)
    return PushOutbox(repos, worker)
