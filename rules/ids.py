"""Turning GraphQL IDs into ObjectIds, with an error that names the argument."""

from __future__ import annotations

from beanie import PydanticObjectId
from bson.errors import InvalidId

from rules.errors import InvalidInput


def parse_id(raw: str, field: str) -> PydanticObjectId:
    try:
        return PydanticObjectId(raw)
    except (InvalidId, TypeError) as error:
        raise InvalidInput(field, "is not a valid id") from error


def parse_optional_id(raw: str | None, field: str) -> PydanticObjectId | None:
    return None if raw is None else parse_id(raw, field)
