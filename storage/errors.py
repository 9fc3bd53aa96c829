"""Storage's own errors; the layers above decide what a client sees of them."""

from __future__ import annotations


class StorageError(Exception):
    """Base of the errors this package raises on purpose."""


class StorageConfigError(StorageError):
    """The storage configuration cannot work; the message names what to set."""


class MediaRejected(StorageError):
    """A client's upload request or media URL is refused; `field` names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class StorageUnavailable(StorageError):
    """Object storage did not answer in time, or answered that it is failing (5xx):
    the request can be tried again shortly; nothing about it was wrong."""
