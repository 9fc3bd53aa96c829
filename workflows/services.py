"""What the composition root builds once at start-up and every request shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pymongo import AsyncMongoClient

from kit.background import Background
from kit.passwords import PasswordHasher
from kit.tokens import TokenService
from models.registry import Repositories
from rules.blocked_words import BlockedWords
from rules.crowd import CIRCUIT_MATCH_DAYS, CROWD_MIN_CLIMBERS
from storage.service import MediaStorage
from workflows.account_deletion import AccountDeletion
from workflows.accounts import Accounts
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
from workflows.posting import Posting
from workflows.profiles import Profiles
from workflows.push import Devices
from workflows.relations import Relations
from workflows.report_weight import DEFAULT_WEIGHT_TO_HIDE
from workflows.reports import Reporting
from workflows.terms import TermsGate
from workflows.throttle import Throttle
from workflows.token_versions import TokenVersions
from workflows.unverified_posts import UnverifiedPosts
from workflows.upload_quota import UploadQuota


@dataclass(frozen=True, slots=True)
class Policy:
    """What the GraphQL layer needs to know of the deployment, from the settings."""

    # Header carrying the client's address behind a trusted proxy; None: the TCP peer.
    client_ip_header: str | None = None
    # The terms of use to accept before publishing; None: no terms, no gate.
    terms_version: str | None = None
    terms_url: str | None = None
    # Refused in pseudos, bios, captions and gym names (rules.blocked_words).
    blocked_words: BlockedWords = field(default_factory=BlockedWords.from_file)
    # The weight of reports that hides a video pending review (workflows.report_weight).
    report_weight_to_hide: float = DEFAULT_WEIGHT_TO_HIDE
    # The gym's crowd (workflows.gym_crowd): the aggregates' threshold, "also topped"'s days.
    crowd_min_climbers: int = CROWD_MIN_CLIMBERS
    circuit_match_days: int = CIRCUIT_MATCH_DAYS


@dataclass(frozen=True, slots=True)
class Services:
    policy: Policy
    mongo: AsyncMongoClient[dict[str, Any]]
    repos: Repositories
    passwords: PasswordHasher
    tokens: TokenService
    token_versions: TokenVersions
    audiences: Audiences
    throttle: Throttle
    upload_quota: UploadQuota
    storage: MediaStorage
    background: Background
    password_resets: PasswordResets
    account_deletion: AccountDeletion
    data_exports: DataExports
    moderation: Moderation
    moderation_desk: ModerationDesk
    reporting: Reporting
    notifications: Notifications
    likes: Likes
    relations: Relations
    comments: Comments
    devices: Devices
    media: MediaWork
    email_verification: EmailVerification
    unverified_posts: UnverifiedPosts
    terms: TermsGate
    # The use cases built of the services above.
    accounts: Accounts
    posting: Posting
    profiles: Profiles
