"""The storage configuration: a plain object the composition root builds from settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class R2Config:
    """Cloudflare R2 (S3 API). All empty: the local backend is used."""

    account_id: str | None = None
    endpoint_url: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    bucket: str | None = None
    public_url: str | None = None

    @property
    def wanted(self) -> bool:
        """Any R2 setting at all selects R2, so a half-done configuration is named, not
        ignored."""
        return any(
            (
                self.account_id,
                self.endpoint_url,
                self.access_key,
                self.secret_key,
                self.bucket,
                self.public_url,
            )
        )


@dataclass(frozen=True, slots=True)
class StorageConfig:
    r2: R2Config
    # The local backend: files under `local_root`, URLs under `public_base_url`, signed
    # with `signing_secret`.
    local_root: Path
    public_base_url: str
    signing_secret: str
    # Production serves media from R2 only: the local backend is refused.
    require_r2: bool = False
