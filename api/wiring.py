"""From settings to the plain objects the layers below take: the one place that knows both."""

from __future__ import annotations

from datetime import timedelta

from api.error_scrubbing import secrets_in_url
from api.persisted_queries import PersistedQueries, RegistryPolicy
from api.settings import ConfigurationError, Settings
from api.trusted_documents import load_manifest
from kit.fcm import FcmClient, FcmConfigError, ServiceAccount
from kit.mail import Mailer, OutboxMailer, SmtpConfig, SmtpMailer
from kit.tokens import TokenService
from kit.video_probe import Limits
from models.auth_attempt import AuthAttemptRepository
from models.persisted_query import PersistedQueryRepository
from resolvers.schema import AppSchema
from rules.blocked_words import SHIPPED_LIST, BlockedWords
from storage.config import R2Config, StorageConfig
from storage.errors import StorageConfigError
from storage.factory import build_storage
from storage.service import MediaStorage
from workflows.hourly_cap import HourlyCap
from workflows.media import WorkerConfig
from workflows.services import Policy
from workflows.throttle import Rules
from workflows.upload_quota import UploadBudget

# The sender of development mails written to the outbox when EMAIL_FROM is unset.
DEV_EMAIL_FROM = "Perfect Boulder <no-reply@localhost>"


def storage_config(settings: Settings, secret: str) -> StorageConfig:
    return StorageConfig(
        r2=R2Config(
            account_id=settings.r2_account_id,
            endpoint_url=settings.r2_endpoint_url,
            access_key=settings.r2_access_key,
            secret_key=settings.r2_secret_key,
            bucket=settings.r2_bucket,
            public_url=settings.r2_public_url,
        ),
        local_root=settings.data_dir.resolve() / "uploads",
        public_base_url=settings.base_url,
        signing_secret=secret,
        require_r2=settings.is_production,
    )


def storage_from(settings: Settings, secret: str) -> MediaStorage:
    """The storage the settings describe; a configuration it refuses is a ConfigurationError."""
    try:
        return build_storage(storage_config(settings, secret))
    except StorageConfigError as error:
        raise ConfigurationError(str(error)) from None


def media_config(settings: Settings) -> WorkerConfig:
    return WorkerConfig(
        workers=settings.media_workers,
        limits=Limits(
            max_seconds=settings.max_video_seconds,
            memory_bytes=settings.media_probe_memory_mb * 1024 * 1024,
        ),
    )


def throttle_rules(settings: Settings) -> Rules:
    return Rules.from_limits(
        login_attempts_per_account=settings.login_attempts_per_account,
        login_attempts_per_account_total=settings.login_attempts_per_account_total,
        login_attempts_per_address=settings.login_attempts_per_address,
        signups_per_address=settings.signups_per_address,
        reports_per_hour=settings.reports_per_hour,
    )


def comment_cap(settings: Settings, repo: AuthAttemptRepository) -> HourlyCap:
    return HourlyCap(repo, "comment-account", settings.comments_per_hour, "comments")


def fcm_client(settings: Settings) -> FcmClient | None:
    """The FCM client the settings describe; None (push off) without a service account."""
    try:
        if settings.fcm_service_account_json:
            account = ServiceAccount.from_json(settings.fcm_service_account_json)
        elif settings.fcm_service_account_file:
            account = ServiceAccount.from_file(settings.fcm_service_account_file)
        else:
            return None
    except FcmConfigError as error:
        raise ConfigurationError(f"FCM service account: {error}") from None
    return FcmClient(account, endpoint=settings.fcm_endpoint, token_url=settings.fcm_token_url)


def upload_budget(settings: Settings) -> UploadBudget:
    return UploadBudget(
        tickets_per_hour=settings.upload_tickets_per_hour,
        bytes_per_hour=settings.upload_bytes_per_hour,
    )


def token_service(settings: Settings, secret: str) -> TokenService:
    return TokenService(
        secret,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.jwt_ttl_seconds,
        leeway_seconds=settings.jwt_leeway_seconds,
    )


def blocked_words(settings: Settings) -> BlockedWords:
    """The word list BLOCKED_WORDS_FILE names, else the shipped one; unreadable: refused."""
    path = settings.blocked_words_file or SHIPPED_LIST
    try:
        return BlockedWords.from_file(path)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"BLOCKED_WORDS_FILE: cannot read {path} ({error})") from None


def policy(settings: Settings) -> Policy:
    return Policy(
        client_ip_header=settings.client_ip_header,
        terms_version=settings.terms_version,
        terms_url=settings.terms_url,
        blocked_words=blocked_words(settings),
        report_weight_to_hide=settings.report_weight_to_hide,
        crowd_min_climbers=settings.crowd_min_climbers,
        circuit_match_days=settings.circuit_match_days,
    )


def mailer(settings: Settings) -> Mailer:
    """SMTP when SMTP_URL is set; otherwise (development only) the outbox folder."""
    try:
        if settings.smtp_url:
            return SmtpMailer(
                SmtpConfig.from_url(settings.smtp_url), settings.email_from or DEV_EMAIL_FROM
            )
        return OutboxMailer(settings.data_dir / "outbox", settings.email_from or DEV_EMAIL_FROM)
    except ValueError as error:
        raise ConfigurationError(str(error)) from None


def persisted_queries(settings: Settings, schema: AppSchema) -> PersistedQueries:
    """The persisted-query protocol; the manifest, if any, is read and checked here, so
    a document the limits refuse stops the service before it serves."""
    return PersistedQueries(
        schema,
        PersistedQueryRepository(),
        RegistryPolicy(
            keep_for=timedelta(seconds=settings.persisted_queries_ttl_seconds),
            max_entries=settings.persisted_queries_max_entries,
            max_entry_bytes=settings.persisted_query_max_bytes,
            max_total_bytes=settings.persisted_queries_max_bytes,
            registrations_per_hour=settings.persisted_query_registrations_per_hour,
        ),
        trusted=(
            load_manifest(settings.persisted_queries_manifest, schema)
            if settings.persisted_queries_manifest
            else None
        ),
        trusted_only=settings.trusted_documents_only,
    )


def secrets_of(settings: Settings, jwt_secret: str) -> list[str]:
    """The deployment's own secrets, which error events must never carry."""
    found = [jwt_secret, settings.r2_access_key or "", settings.r2_secret_key or ""]
    for url in (settings.smtp_url, settings.mongodb_url, settings.sentry_dsn):
        found += secrets_in_url(url)
    return [value for value in found if value]
