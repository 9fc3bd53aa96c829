"""The documents Beanie manages, and the repositories built on them.

New areas add their document to `DOCUMENT_MODELS` and their repository to
`Repositories`; `init_beanie` then creates their indexes at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from beanie import Document

from models.account_deletion import AccountDeletionRecord, AccountDeletionRepository
from models.app_indexes import prefix_declared
from models.auth_attempt import AuthAttemptRepository, ThrottleKey
from models.block import BlockEdge, BlockRepository
from models.climb_session import ClimbSession, ClimbSessionRepository
from models.comment import CommentDocument, CommentRepository
from models.data_export import DataExportDocument, DataExportRepository
from models.device import DeviceDocument, DeviceRepository
from models.email_verification import EmailVerificationDocument, EmailVerificationRepository
from models.follow import FollowEdge, FollowRepository
from models.gym import GymDocument, GymRepository
from models.gym_crowd import GymCrowdRepository
from models.logbook_changes import LogbookChangesRepository
from models.logbook_clock import LogbookClockDocument, LogbookClockRepository
from models.logbook_push import LogbookPushDocument, LogbookPushRepository
from models.media_job import MediaJobDocument, MediaJobRepository
from models.moderation_action import ModerationActionDocument, ModerationActionRepository
from models.moderation_log import ModerationLogEntry, ModerationLogRepository
from models.notification import NotificationDocument, NotificationRepository
from models.notification_settings import (
    NotificationSettingsDocument,
    NotificationSettingsRepository,
)
from models.password_reset import PasswordResetDocument, PasswordResetRepository
from models.persisted_query import PersistedQueryDocument, PersistedQueryRepository
from models.projects import ProjectRepository
from models.push_outbox import PushEntryDocument, PushOutboxRepository
from models.report import ReportCaseDocument, ReportDocument, ReportRepository
from models.stats import StatsRepository
from models.tombstone import TombstoneDocument, TombstoneRepository
from models.user import AudienceRepository, UserDocument, UserRepository
from models.video import VideoDocument, VideoRepository

DOCUMENT_MODELS: list[type[Document]] = [
    UserDocument,
    ThrottleKey,
    VideoDocument,
    GymDocument,
    ClimbSession,
    FollowEdge,
    PasswordResetDocument,
    AccountDeletionRecord,
    DataExportDocument,
    BlockEdge,
    ReportDocument,
    ReportCaseDocument,
    ModerationActionDocument,
    ModerationLogEntry,
    PersistedQueryDocument,
    LogbookClockDocument,
    TombstoneDocument,
    LogbookPushDocument,
    CommentDocument,
    NotificationDocument,
    NotificationSettingsDocument,
    DeviceDocument,
    PushEntryDocument,
    MediaJobDocument,
    EmailVerificationDocument,
]
# Every declared index is named `pb_…` in MongoDB, so the release command knows the app's
# own from an operator's (models/app_indexes.py).
prefix_declared(DOCUMENT_MODELS)


@dataclass(frozen=True, slots=True)
class Repositories:
    users: UserRepository = field(default_factory=UserRepository)
    auth_attempts: AuthAttemptRepository = field(default_factory=AuthAttemptRepository)
    videos: VideoRepository = field(default_factory=VideoRepository)
    gyms: GymRepository = field(default_factory=GymRepository)
    sessions: ClimbSessionRepository = field(default_factory=ClimbSessionRepository)
    follows: FollowRepository = field(default_factory=FollowRepository)
    stats: StatsRepository = field(default_factory=StatsRepository)
    projects: ProjectRepository = field(default_factory=ProjectRepository)
    password_resets: PasswordResetRepository = field(default_factory=PasswordResetRepository)
    account_deletions: AccountDeletionRepository = field(default_factory=AccountDeletionRepository)
    data_exports: DataExportRepository = field(default_factory=DataExportRepository)
    audience: AudienceRepository = field(default_factory=AudienceRepository)
    blocks: BlockRepository = field(default_factory=BlockRepository)
    reports: ReportRepository = field(default_factory=ReportRepository)
    moderation_log: ModerationLogRepository = field(default_factory=ModerationLogRepository)
    moderation_actions: ModerationActionRepository = field(
        default_factory=ModerationActionRepository
    )
    persisted_queries: PersistedQueryRepository = field(default_factory=PersistedQueryRepository)
    comments: CommentRepository = field(default_factory=CommentRepository)
    notifications: NotificationRepository = field(default_factory=NotificationRepository)
    notification_settings: NotificationSettingsRepository = field(
        default_factory=NotificationSettingsRepository
    )
    devices: DeviceRepository = field(default_factory=DeviceRepository)
    push_outbox: PushOutboxRepository = field(default_factory=PushOutboxRepository)
    gym_crowd: GymCrowdRepository = field(default_factory=GymCrowdRepository)
    # The logbook's sync (workflows.logbook_sync); `sessions` shares the clock and the
    # tombstones: see `logbook_repositories`.
    logbook_clock: LogbookClockRepository = field(default_factory=LogbookClockRepository)
    tombstones: TombstoneRepository = field(default_factory=TombstoneRepository)
    logbook_pushes: LogbookPushRepository = field(default_factory=LogbookPushRepository)
    logbook_changes: LogbookChangesRepository = field(default_factory=LogbookChangesRepository)

    media_jobs: MediaJobRepository = field(default_factory=MediaJobRepository)
    email_verifications: EmailVerificationRepository = field(
        default_factory=EmailVerificationRepository
    )


def logbook_repositories(tombstone_keep: timedelta) -> dict[str, Any]:
    """The logbook's repositories keeping tombstones `tombstone_keep` (SYNC_TOMBSTONE_DAYS),
    sharing one clock and one tombstone repository: `Repositories(**logbook_repositories(k))`.
    """
    clock = LogbookClockRepository()
    tombstones = TombstoneRepository(tombstone_keep)
    return {
        "logbook_clock": clock,
        "tombstones": tombstones,
        "sessions": ClimbSessionRepository(clock, tombstones),
    }
