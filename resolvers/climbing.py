"""Types and formats shared by the videos and logbook areas."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

import strawberry
from bson.tz_util import utc as DRIVER_UTC

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
    # A naive moment is UTC (BSON dates are). The driver's (tz_aware) carry bson's UTC, a
    # Python tzinfo that `astimezone` and `isoformat` ask for its offset, a Python call
    # each: their digits are UTC's already, formatted as `isoformat` does (milliseconds
    # truncated), for half the instructions. A page formats dozens (issue 28).
    zone = moment.tzinfo
    if zone is not None and zone is not DRIVER_UTC and zone is not UTC:
        moment = moment.astimezone(UTC)
    return _ISO_MILLIS % (
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
        moment.microsecond // 1000,
    )  # fmt: skip


_ISO_MILLIS = "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ"
