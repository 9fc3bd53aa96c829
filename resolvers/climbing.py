"""Types shared by the videos and logbook areas."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(
    name="VideoStatus", description="How the problem went: flashed, topped, or still a project."
)
class VideoStatus(Enum):
    FLASH = "FLASH"
    TOP = "TOP"
    PROJECT = "PROJECT"
