"""What is made from the settings alone, before the service starts (api.assembly's first
step): a configuration any part refuses stops the start with a message, before a port is
opened or the database is reached."""

from __future__ import annotations

from dataclasses import dataclass

from api import wiring
from api.build_info import BuildInfo, build_info
from api.metrics import Metrics
from api.settings import Settings
from kit.fcm import FcmClient
from kit.mail import Mailer
from storage.service import MediaStorage
from workflows.services import Policy


@dataclass(frozen=True, slots=True)
class Parts:
    """What is made from the settings alone, before the service starts."""

    settings: Settings
    secret: str
    storage: MediaStorage
    mailer: Mailer
    policy: Policy
    fcm: FcmClient | None
    metrics: Metrics
    build: BuildInfo


def parts_from(settings: Settings) -> Parts:
    """The parts the settings describe; raises ConfigurationError on any they refuse."""
    secret = settings.resolved_jwt_secret()
    metrics = Metrics()
    build = build_info(settings)
    metrics.record_build(build.labels())
    return Parts(
        settings=settings,
        secret=secret,
        storage=wiring.storage_from(settings, secret),
        mailer=wiring.mailer(settings),
        policy=wiring.policy(settings),  # reads the word list
        fcm=wiring.fcm_client(settings),  # reads the service account
        metrics=metrics,
        build=build,
    )
