"""Service settings, read from the environment and an optional `.env` file.

Everything the service needs to know about where it runs lives here, so that the
rest of the code receives a typed `Settings` object and never reads `os.environ`.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# HS256 keys shorter than the hash output weaken the signature (RFC 7518 §3.2).
MIN_JWT_SECRET_BYTES = 32
DEV_SECRET_FILE = "jwt_secret"  # noqa: S105 - a file name, not a secret
MIB = 1024 * 1024
GIB = 1024 * MIB


class AppEnv(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class ConfigurationError(RuntimeError):
    """The settings cannot run the service; the message says what to fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_env: AppEnv = AppEnv.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_dir: Path = Path("./data")

    # Without a URL the service starts its own embedded SecantusDB (development only).
    mongodb_url: str | None = None
    mongodb_db: str = "perfect_boulder"
    # Above an Atlas election (up to ~12 s), so a failover is a slow request rather than
    # an error, and bounded below pymongo's 30 s so an outage is a clean error
    # (api/database.py: client_options).
    mongodb_server_selection_timeout_ms: int = Field(default=15_000, ge=100)
    # A small machine: a few connections, not the driver's 100.
    mongodb_max_pool_size: int = Field(default=10, ge=1, le=500)
    # Idle pooled connections are closed after this long (not reused after a long idle).
    mongodb_max_idle_time_ms: int = Field(default=60_000, ge=1000)
    # The read-only inspection shell's connection (api/inspection.py): a user with only
    # the `read` role; unset, it uses MONGODB_URL (and is read-only by itself alone).
    mongodb_inspect_url: str | None = None

    jwt_secret: str | None = None
    jwt_issuer: str = "perfect-boulder"
    jwt_audience: str = "perfect-boulder-app"
    jwt_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    # A Fly machine resumed from suspension may run with a clock a little off.
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)

    # Argon2id at m=19 MiB costs ~19 MiB per concurrent hash: cap them so a burst of
    # logins cannot exhaust a 256 MB machine.
    password_hash_concurrency: int = Field(default=2, ge=1, le=16)

    # Public base URL of this API, used by the local storage backend to build
    # upload and download URLs; defaults to http://HOST:PORT.
    public_base_url: str | None = None

    # Cloudflare R2 (S3 API). All empty: the local storage backend is used.
    r2_account_id: str | None = None
    r2_endpoint_url: str | None = None
    r2_access_key: str | None = None
    r2_secret_key: str | None = None
    r2_bucket: str | None = None
    r2_public_url: str | None = None

    # Browsers only (the mobile app needs no CORS): origins allowed to call the API,
    # e.g. CORS_ALLOW_ORIGINS='["https://admin.example.com"]'. Empty: CORS off.
    # Throttling (see api/throttle.py): free attempts per window before back-off.
    login_attempts_per_account: int = Field(default=5, ge=1, le=10_000)  # per address, 15 min
    login_attempts_per_account_total: int = Field(default=50, ge=1, le=10_000)  # any address
    login_attempts_per_address: int = Field(default=50, ge=1, le=10_000)  # per 15 minutes
    signups_per_address: int = Field(default=50, ge=1, le=10_000)  # per hour
    # Upload tickets one account may sign per sliding hour, and the bytes they may carry
    # (a ticket signed without a size counts as its kind's cap). The byte budget is at
    # least one video at its cap (100 MiB), or some uploads could never be signed.
    upload_tickets_per_hour: int = Field(default=60, ge=1, le=100_000)
    upload_bytes_per_hour: int = Field(default=2 * GIB, ge=100 * MIB, le=1024 * GIB)

    # Reports a climber may send per hour before back-off (reportVideo, reportUser).
    reports_per_hour: int = Field(default=30, ge=1, le=10_000)
    # The weight of reports that hides a video pending a moderator's review: an
    # established climber's report weighs at most 1, a day-old or unverified account's
    # nothing (workflows/report_weight.py).
    report_weight_to_hide: float = Field(default=3.0, ge=0.5, le=1_000)
    # Videos an account whose e-mail is not verified may publish in any 24 hours.
    unverified_posts_per_day: int = Field(default=3, ge=0, le=10_000)
    # The gym's crowd (issue 27): distinct climbers an aggregate over others' logbooks
    # needs before it shows a number (below: "not enough data", never a number pointing
    # at one person), and the days either side of a croix its "also topped" matches.
    crowd_min_climbers: int = Field(default=5, ge=2, le=1_000)
    circuit_match_days: int = Field(default=14, ge=1, le=60)
    # Comments one climber may post per sliding hour (commentVideo), then RATE_LIMITED.
    comments_per_hour: int = Field(default=60, ge=1, le=10_000)
    # How long a notification stays in the inbox after its last change (a TTL index).
    notifications_ttl_days: int = Field(default=90, ge=1, le=3650)
    # Push through Firebase Cloud Messaging's HTTP v1 API (kit/fcm.py): a service
    # account's JSON key, as a file or inline; neither: push is off, the inbox works.
    fcm_service_account_file: Path | None = None
    fcm_service_account_json: str | None = None
    # FCM's base URL and the OAuth token endpoint (unset: the key's `token_uri`).
    fcm_endpoint: str = "https://fcm.googleapis.com"
    fcm_token_url: str | None = None
    # Pushes sent at once by this machine's worker.
    push_concurrency: int = Field(default=8, ge=1, le=256)
    # A word list (UTF-8, one word or phrase a line) replacing the shipped one
    # (rules/blocked_words.txt) for pseudos, bios, captions and gym names.
    blocked_words_file: Path | None = None

    cors_allow_origins: list[str] = Field(default_factory=list)
    # Header carrying the client's address when behind a trusted proxy (Fly sets
    # `Fly-Client-IP`). Unset: the TCP peer address is used. Never trust a header a
    # client could set directly.
    client_ip_header: str | None = None

    log_level: str = "INFO"
    # Prometheus metrics on their own port, never the public one; unset: off. They listen
    # on METRICS_HOST (HOST when unset): `::` takes IPv6 and IPv4, as Fly's private
    # network, where its scraper comes from, is IPv6.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str | None = None
    # Error tracking: unexpected errors go to Sentry (api/error_tracking.py) tagged with
    # the request id and the user id; unset: the SDK is not even imported.
    sentry_dsn: str | None = None
    # What is running (api/build_info.py): the commit, given by the image build
    # (`--build-arg GIT_SHA=...`), and the image, set by Fly on every machine.
    git_sha: str | None = None
    fly_image_ref: str | None = None

    # `fast` completes plain fields inline (resolvers/extensions/fast_executor.py);
    # `stock` serves with Strawberry's own executor, should an upgrade break the fast one.
    graphql_executor: Literal["fast", "stock"] = "fast"

    # Mail (password reset). SMTP_URL: smtp://user:pass@host:587 (STARTTLS required) or
    # smtps://user:pass@host:465 (implicit TLS); unset in development, mails are written
    # under DATA_DIR/outbox/ instead. Production refuses to start without both.
    smtp_url: str | None = None
    email_from: str | None = None
    # The link a reset mail carries; `{token}` is replaced by the token (an app deep link,
    # or a web page that opens the app).
    password_reset_url: str = "perfectboulder://reset-password?token={token}"  # noqa: S105
    # The link a verification mail carries (sign-up, resendVerification); `{token}` too.
    email_verify_url: str = "perfectboulder://verify-email?token={token}"

    # Terms of use: while TERMS_VERSION is set, publishing waits for its acceptance.
    terms_version: str | None = Field(default=None, min_length=1, max_length=64)
    terms_url: str | None = None

    # At most one data export per user this often.
    export_interval_seconds: int = Field(default=300, ge=1, le=86_400)
    # Unfinished account erasures are looked for this often (and at every start).
    deletion_sweep_seconds: int = Field(default=300, ge=1, le=86_400)
    # Logbook sync: deletions are remembered this long; a device that last pulled
    # earlier gets its whole logbook again (workflows.logbook_sync).
    sync_tombstone_days: int = Field(default=90, ge=1, le=3650)

    # Media jobs (workflows.media): probing tasks run by this process (0: none here, the
    # jobs are left to a worker process: `python -m api.media_worker`), the longest video
    # accepted, and the memory cap of each probe's child process.
    media_workers: int = Field(default=1, ge=0, le=8)
    max_video_seconds: int = Field(default=90, ge=1, le=3600)
    # (bench/RESULTS.md, "Media probe": 4K HEVC needs ~300 MiB; under that, FFmpeg fails
    # good files as if damaged.)
    media_probe_memory_mb: int = Field(default=768, ge=384, le=16_384)

    # Automatic persisted queries (Apollo's protocol): documents registered by their
    # SHA-256 in MongoDB, shared by every machine, forgotten this long after last use,
    # and at most this many (beyond it new documents run but are not registered).
    persisted_queries_ttl_seconds: int = Field(default=30 * 86_400, ge=60, le=365 * 86_400)
    persisted_queries_max_entries: int = Field(default=10_000, ge=1, le=1_000_000)
    # Anyone may register, so what it stores is bounded in bytes too: one document at
    # most PERSISTED_QUERY_MAX_BYTES (the app's are well under 1 KiB), the registry at
    # most PERSISTED_QUERIES_MAX_BYTES (entries: the lesser of MAX_ENTRIES and total /
    # per-document), and each client address registers at most this many an hour.
    persisted_query_max_bytes: int = Field(default=16 * 1024, ge=1024, le=64 * 1024)
    persisted_queries_max_bytes: int = Field(
        default=32 * 1024 * 1024, ge=64 * 1024, le=1024 * 1024 * 1024
    )
    persisted_query_registrations_per_hour: int = Field(default=100, ge=1, le=100_000)
    # Seconds of the validator's time each client address may use per minute to validate
    # new documents (resolvers/extensions/validation_queue.py); cached ones cost nothing.
    graphql_validation_seconds_per_minute: float = Field(default=2.0, gt=0, le=1_000_000)
    # Trusted documents: an Apollo persisted-query manifest (JSON, `format:
    # apollo-persisted-query-manifest`, `version: 1`), checked against the document limits
    # at start. With TRUSTED_DOCUMENTS_ONLY=true only its operations run (recommended in
    # production for a first-party app); the manifest is then required.
    persisted_queries_manifest: Path | None = None
    trusted_documents_only: bool = False

    @property
    def is_production(self) -> bool:
        return self.app_env is AppEnv.PRODUCTION

    @property
    def base_url(self) -> str:
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    @model_validator(mode="after")
    def _check_accounts(self) -> Settings:
        if "{token}" not in self.password_reset_url:
            raise ValueError("PASSWORD_RESET_URL must contain {token}")
        if "{token}" not in self.email_verify_url:
            raise ValueError("EMAIL_VERIFY_URL must contain {token}")
        if self.metrics_port is not None and self.metrics_port == self.port:
            raise ValueError("METRICS_PORT must differ from PORT: metrics are never public")
        if self.trusted_documents_only and self.persisted_queries_manifest is None:
            raise ValueError("TRUSTED_DOCUMENTS_ONLY=true needs PERSISTED_QUERIES_MANIFEST")
        if bool(self.terms_version) != bool(self.terms_url):
            raise ValueError("TERMS_VERSION and TERMS_URL go together: set both or neither")
        if self.smtp_url and not self.smtp_url.startswith(("smtp://", "smtps://")):
            raise ValueError("SMTP_URL must start with smtp:// (STARTTLS) or smtps:// (TLS)")
        return self

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if not self.is_production:
            return self
        missing: list[str] = []
        if not self.smtp_url:
            missing.append("SMTP_URL (smtp://user:pass@host:587 or smtps://user:pass@host:465)")
        if not self.email_from:
            missing.append("EMAIL_FROM (the sender of account mails)")
        if not self.mongodb_url:
            missing.append("MONGODB_URL (a MongoDB connection string)")
        if not self.jwt_secret or len(self.jwt_secret.encode()) < MIN_JWT_SECRET_BYTES:
            missing.append(f"JWT_SECRET (at least {MIN_JWT_SECRET_BYTES} bytes)")
        if missing:
            raise ConfigurationError(
                "APP_ENV=production refuses to start without: " + ", ".join(missing)
            )
        return self

    def resolved_jwt_secret(self) -> str:
        """The signing secret; in development one is generated once under DATA_DIR.

        Keeping it on disk means tokens issued before a restart still work after it.
        """
        if self.jwt_secret:
            if len(self.jwt_secret.encode()) < MIN_JWT_SECRET_BYTES:
                raise ConfigurationError(
                    f"JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes long"
                )
            return self.jwt_secret
        if self.is_production:  # pragma: no cover - the validator refuses this first
            raise ConfigurationError("JWT_SECRET is required in production")
        path = self.data_dir / DEV_SECRET_FILE
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        path.write_text(secret)
        path.chmod(0o600)
        return secret


def load_settings(**overrides: Any) -> Settings:
    """The settings from the environment and `.env`; a bad value raises one
    `ConfigurationError` naming each bad variable, its problem and what is allowed."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigurationError(_explain(error)) from None


def _explain(error: ValidationError) -> str:
    lines = []
    for problem in error.errors(include_url=False):
        name = "_".join(str(part) for part in problem["loc"]).upper() or "settings"
        if problem["type"] in ("model_type", "value_error") and not problem["loc"]:
            lines.append(str(problem["msg"]).removeprefix("Value error, "))
            continue
        shown = problem.get("input")
        value = f" (got {shown!r})" if isinstance(shown, str | int | float) else ""
        lines.append(f"{name}: {_allowed(problem)}{value}")
    return "invalid settings:\n  " + "\n  ".join(lines)


def _allowed(problem: Any) -> str:
    """Pydantic's message, with the bound it checked spelled as a range when it has one."""
    context = problem.get("ctx") or {}
    message = str(problem["msg"])
    bounds = {key: context[key] for key in ("ge", "gt", "le", "lt") if key in context}
    if bounds:
        return f"{message.lower()}" + _range_of(problem["loc"])
    return message.lower().removeprefix("value error, ")


def _range_of(location: tuple[Any, ...]) -> str:
    field = Settings.model_fields.get(str(location[0])) if location else None
    if field is None:
        return ""
    low = high = None
    for item in field.metadata:
        low = getattr(item, "ge", None) if getattr(item, "ge", None) is not None else low
        high = getattr(item, "le", None) if getattr(item, "le", None) is not None else high
    if low is not None and high is not None:
        return f" (allowed: {low} to {high})"
    if low is not None:
        return f" (allowed: {low} or more)"
    return ""
