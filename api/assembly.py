"""What the service is made of, built in one place.

Two steps, because they fail differently:

- `parts_from(settings)`, before anything starts: the storage, the mailer, the policy
  (the word list), the push client (the service account), metrics and the build's
  identity. A configuration any of them refuses stops the start with a message, before a
  port is opened or the database is reached.
- `build_services(parts, stack)`, in the lifespan, once the database is connected: every
  workflow the resolvers are handed (`workflows.services.Services`), and the work that
  runs beside the requests (sweeps, the push worker, the media worker). What must be
  closed at shutdown is pushed on `stack`, in the order it must close.

A new workflow is built here, and only here.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta

from api import wiring
from api.build_info import BuildInfo, build_info
from api.database import connect
from api.metrics import Metrics
from api.settings import Settings
from kit.background import Background
from kit.fcm import FcmClient
from kit.mail import Mailer
from kit.passwords import PasswordHasher
from models.registry import Repositories, logbook_repositories
from storage.service import MediaStorage
from workflows.account_deletion import AccountDeletion
from workflows.accounts import Accounts, AccountsParts
from workflows.audiences import Audiences
from workflows.comments import Comments
from workflows.data_export import DataExports
from workflows.email_verification import EmailVerification
from workflows.likes import Likes
from workflows.media import MediaWork
from workflows.moderation import Moderation
from workflows.notifications import Notifications
from workflows.password_reset import PasswordResets
from workflows.posting import Posting, PostingParts
from workflows.profiles import Profiles
from workflows.push import Devices, PushOutbox, PushWorker
from workflows.relations import Relations
from workflows.reporting import Reporting
from workflows.services import Policy, Services
from workflows.terms import TermsGate
from workflows.throttle import Throttle
from workflows.token_versions import TokenVersions
from workflows.unverified_posts import UnverifiedPosts
from workflows.upload_quota import UploadQuota

# At shutdown, background work (mail, erasure batches) gets this long before it is
# cancelled: within Fly's kill_timeout, after uvicorn's drain. Erasures resume later.
SHUTDOWN_GRACE_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class Parts:
    """What is made from the settings alone, before the service starts."""

    settings: Settings
    secret: str
    storage: MediaStorage
    mailer: Mailer
    policy: Policy
    fcm: FcmClient | None
    metrics: Metrics
    build: BuildInfo


def parts_from(settings: Settings) -> Parts:
    """The parts the settings describe; raises ConfigurationError on any they refuse."""
    secret = settings.resolved_jwt_secret()
    metrics = Metrics()
    build = build_info(settings)
    metrics.record_build(build.labels())
    return Parts(
        settings=settings,
        secret=secret,
        storage=wiring.storage_from(settings, secret),
        mailer=wiring.mailer(settings),
        policy=wiring.policy(settings),  # reads the word list
        fcm=wiring.fcm_client(settings),  # reads the service account
        metrics=metrics,
        build=build,
    )


async def build_services(parts: Parts, stack: AsyncExitStack) -> Services:
    """Connect to the database, build every workflow, start the work beside requests."""
    settings, storage, policy, mailer = parts.settings, parts.storage, parts.policy, parts.mailer
    mongo = await connect(settings, stack, listeners=[parts.metrics.database_listener()])
    repos = Repositories(**logbook_repositories(timedelta(days=settings.sync_tombstone_days)))
    background = Background()
    # Closed before the database client (the stack unwinds last in, first out).
    stack.push_async_callback(background.close, SHUTDOWN_GRACE_SECONDS)
    token_versions = TokenVersions(repos.users)
    audiences = Audiences(repos.audience)
    throttle = Throttle(repos.auth_attempts, wiring.throttle_rules(settings))
    pusher = _pusher(parts, repos, background, stack)
    notifications = Notifications(repos, timedelta(days=settings.notifications_ttl_days), pusher)
    deletion = AccountDeletion(
        repos,
        storage,
        throttle,
        token_versions,
        notifications,
        # An upload URL signed just before the deletion may still be used.
        settle_after=timedelta(seconds=storage.expires_in + 60),
    )
    exports = DataExports(repos, storage, timedelta(seconds=settings.export_interval_seconds))
    moderation = Moderation(repos, token_versions, notifications)
    media = MediaWork(repos, storage, wiring.media_config(settings))
    passwords = PasswordHasher(settings.password_hash_concurrency)
    passwords.warm_up()
    tokens = wiring.token_service(settings, parts.secret)
    password_resets = PasswordResets(
        repos.users, repos.password_resets, mailer, background, settings.password_reset_url
    )
    email_verification = EmailVerification(
        repos.users,
        repos.email_verifications,
        mailer,
        background,
        throttle,
        token_versions,
        settings.email_verify_url,
    )
    unverified_posts = UnverifiedPosts(
        repos.auth_attempts, repos.users, settings.unverified_posts_per_day
    )
    terms = TermsGate(repos.users, policy.terms_version, policy.terms_url)
    comment_cap = wiring.comment_cap(settings, repos.auth_attempts)
    comments = Comments(repos, comment_cap, policy.blocked_words, notifications, terms)
    devices = Devices(repos)
    accounts = AccountsParts(
        repos, passwords, tokens, token_versions, throttle, devices, password_resets,
        email_verification, deletion, background,
    )  # fmt: skip
    posting = PostingParts(
        repos, storage, terms, policy.blocked_words, unverified_posts, media, deletion,
        moderation, comments,
    )  # fmt: skip
    services = Services(
        policy=policy,
        mongo=mongo,
        repos=repos,
        passwords=passwords,
        tokens=tokens,
        token_versions=token_versions,
        audiences=audiences,
        throttle=throttle,
        upload_quota=UploadQuota(repos.auth_attempts, wiring.upload_budget(settings)),
        storage=storage,
        background=background,
        password_resets=password_resets,
        account_deletion=deletion,
        data_exports=exports,
        moderation=moderation,
        reporting=Reporting(repos, moderation, policy.report_weight_to_hide),
        email_verification=email_verification,
        unverified_posts=unverified_posts,
        notifications=notifications,
        likes=Likes(repos, notifications),
        relations=Relations(repos, audiences, notifications),
        comments=comments,
        devices=devices,
        media=media,
        terms=terms,
        accounts=Accounts(accounts, policy.blocked_words, policy.terms_version),
        posting=Posting(posting),
        profiles=Profiles(repos.users, storage, terms, policy.blocked_words),
    )
    # At once (a deletion cut short by the last stop resumes now), then periodically.
    background.every(settings.deletion_sweep_seconds, deletion.sweep, "erasure-sweep")
    background.every(settings.deletion_sweep_seconds, exports.sweep, "export-sweep")
    # Moderation decisions a crash left half done (workflows/moderation.py).
    background.every(settings.deletion_sweep_seconds, moderation.sweep, "moderation-sweep")
    if settings.media_workers:  # else a `python -m api.media_worker` process does
        media.start(background)
    return services


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
