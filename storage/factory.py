"""Choose the storage backend from the settings."""

from __future__ import annotations

from api.settings import ConfigurationError, Settings
from storage.local import LocalStorage
from storage.service import MediaStorage


def wants_r2(settings: Settings) -> bool:
    """Any R2 setting at all selects R2, so a half-done configuration is named, not ignored."""
    return any(
        (
            settings.r2_account_id,
            settings.r2_endpoint_url,
            settings.r2_access_key,
            settings.r2_secret_key,
            settings.r2_bucket,
            settings.r2_public_url,
        )
    )


def build_storage(settings: Settings, secret: str) -> MediaStorage:
    if wants_r2(settings):
        from storage.r2 import R2Storage  # imported only when used: aioboto3 is heavy

        return MediaStorage(R2Storage.from_settings(settings))
    if settings.is_production:
        raise ConfigurationError(
            "APP_ENV=production needs R2 storage: set R2_ACCOUNT_ID (or R2_ENDPOINT_URL), "
            "R2_ACCESS_KEY, R2_SECRET_KEY, R2_BUCKET and R2_PUBLIC_URL"
        )
    return MediaStorage(
        LocalStorage(settings.data_dir.resolve() / "uploads", settings.base_url, secret)
    )
