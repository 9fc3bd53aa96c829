"""The cursors' wire format: a position in a listing, (a moment, an id), as the opaque
text clients pass back. Made here, below every layer, because the bench makes them too
(to ask for a second page without reading the first); read back, with the GraphQL
layer's error for a cursor it did not issue, in resolvers.paging.
"""

from __future__ import annotations

import binascii
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from bson.tz_util import utc as DRIVER_UTC

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = EPOCH.toordinal()
_MILLISECOND = timedelta(milliseconds=1)
# base64's URL-safe alphabet, as `base64.urlsafe_b64encode` translates to it.
_URL_SAFE = bytes.maketrans(b"+/", b"-_")
VERSION = "v1"  # a newest-first listing's (created_at, id)


def millis(moment: datetime) -> int:
    """Milliseconds since the epoch, as BSON stores dates."""
    # BSON dates are UTC: a naive one came back without tz, the driver's carry bson's UTC
    # (a Python tzinfo an aware subtraction asks for its offset). Their wall clock is
    # UTC's, counted from its fields; any other zone is converted first.
    zone = moment.tzinfo
    if zone is not None and zone is not DRIVER_UTC and zone is not UTC:
        return (moment - EPOCH) // _MILLISECOND
    days = moment.toordinal() - _EPOCH_ORDINAL
    seconds = days * 86_400 + moment.hour * 3_600 + moment.minute * 60 + moment.second
    return seconds * 1_000 + moment.microsecond // 1_000


def encode_cursor(created_at: datetime, item_id: ObjectId | str) -> str:
    """`item_id` as an ObjectId or its hex string (a page's objects already made it).
    `base64.urlsafe_b64encode`'s work without its two Python calls: a page makes 20."""
    raw = f"{VERSION}:{millis(created_at)}:{item_id}"
    return binascii.b2a_base64(raw.encode(), newline=False).translate(_URL_SAFE).decode()
