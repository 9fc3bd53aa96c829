"""What the lifespan builds once and every request shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient

from api.passwords import PasswordHasher
from api.settings import Settings
from api.throttle import Throttle
from api.token_versions import TokenVersions
from api.tokens import TokenService
from models.registry import Repositories
from storage.service import MediaStorage


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    mongo: AsyncMongoClient[dict[str, Any]]
    repos: Repositories
    passwords: PasswordHasher
    tokens: TokenService
    token_versions: TokenVersions
    throttle: Throttle
    storage: MediaStorage
