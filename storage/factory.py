"""Choose the storage backend from its configuration."""

from __future__ import annotations

from storage.config import StorageConfig
from storage.errors import StorageConfigError
from storage.local import LocalStorage
from storage.service import MediaStorage


def build_storage(config: StorageConfig) -> MediaStorage:
    if config.r2.wanted:
        from storage.r2 import R2Storage  # imported only when used: aioboto3 is heavy

        return MediaStorage(R2Storage.from_config(config.r2))
    if config.require_r2:
        raise StorageConfigError(
            "APP_ENV=production needs R2 storage: set R2_ACCOUNT_ID (or R2_ENDPOINT_URL), "
            "R2_ACCESS_KEY, R2_SECRET_KEY, R2_BUCKET and R2_PUBLIC_URL"
        )
    return MediaStorage(
        LocalStorage(config.local_root, config.public_base_url, config.signing_secret)
    )
