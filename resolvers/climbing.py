"""Types and formats shared by the videos and logbook areas."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import strawberry

from models.statuses import Status


@strawberry.enum(
    name="VideoStatus", description="How the problem went: flashed, topped, or still a project."
)
class VideoStatus(Enum):
    FLASH = Status.FLASH.value
    TOP = Status.TOP.value
    PROJECT = Status.PROJECT.value


def iso_utc(moment: datetime) -> str:
    """ISO-8601 in UTC with milliseconds, e.g. 2025-06-01T18:03:11.482Z."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
