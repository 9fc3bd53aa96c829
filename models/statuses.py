"""How a problem went, the one vocabulary: stored on videos and croix, served as the
GraphQL enum `VideoStatus` (resolvers.climbing), counted by stats and projects."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    FLASH = "FLASH"  # topped on the first try
    TOP = "TOP"  # topped
    PROJECT = "PROJECT"  # tried, not topped yet: a project, closed by a later send


FLASH, TOP, PROJECT = Status.FLASH.value, Status.TOP.value, Status.PROJECT.value
# The statuses that top a problem (and so close its project).
SENDS: tuple[str, ...] = (TOP, FLASH)
