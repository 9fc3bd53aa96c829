"""The documents Beanie manages, and the repositories built on them.

New areas add their document to `DOCUMENT_MODELS` and their repository to
`Repositories`; `init_beanie` then creates their indexes at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from beanie import Document

from models.account_deletion import AccountDeletionRecord, AccountDeletionRepository
from models.audience import AudienceRepository
from models.auth_attempt import AuthAttemptRepository, ThrottleKey
from models.block import BlockEdge, BlockRepository
from models.climb_session import ClimbSession, ClimbSessionRepository
from models.data_export import DataExportDocument, DataExportRepository
from models.follow import FollowEdge, FollowRepository
from models.gym import GymDocument, GymRepository
from models.moderation_action import ModerationActionDocument, ModerationActionRepository
from models.moderation_log import ModerationLogEntry, ModerationLogRepository
from models.password_reset import PasswordResetDocument, PasswordResetRepository
from models.persisted_query import PersistedQueryDocument, PersistedQueryRepository
from models.projects import ProjectRepository
from models.report import ReportCaseDocument, ReportDocument, ReportRepository
from models.stats import StatsRepository
from models.user import UserDocument, UserRepository
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
]


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
