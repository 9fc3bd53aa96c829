"""What the composition root builds once at start-up and every request shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient

from models.registry import Repositories
from storage.service import MediaStorage
from workflows.passwords import PasswordHasher
from workflows.throttle import Throttle
from workflows.token_versions import TokenVersions
from workflows.tokens import TokenService
from workflows.upload_quota import UploadQuota


@dataclass(frozen=True, slots=True)
class Policy:
    """What the GraphQL layer needs to know of the deployment, from the settings."""

    # Header carrying the client's address behind a trusted proxy; None: the TCP peer.
    client_ip_header: str | None = None


@dataclass(frozen=True, slots=True)
class Services:
    policy: Policy
    mongo: AsyncMongoClient[dict[str, Any]]
    repos: Repositories
    passwords: PasswordHasher
    tokens: TokenService
    token_versions: TokenVersions
    throttle: Throttle
    upload_quota: UploadQuota
    storage: MediaStorage
