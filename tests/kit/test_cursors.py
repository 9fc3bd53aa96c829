"""The cursors' wire format (kit.cursors): the milliseconds it counts from a moment's
fields are what the plain aware subtraction gives, whatever the moment's zone (none, the
driver's UTC, the standard library's, any other), and what it makes the GraphQL layer
reads back to the same position."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bson import ObjectId
from bson.tz_util import utc as DRIVER_UTC
from hypothesis import given
from hypothesis import strategies as st

from kit.cursors import EPOCH, encode_cursor, millis
from resolvers.paging import decode_cursor

_ZONES = st.sampled_from(
    [
        None,
        UTC,
        DRIVER_UTC,
        timezone(timedelta(hours=2)),
        timezone(timedelta(hours=-9, minutes=-30)),
    ]
)
_MOMENTS = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1))


@given(_MOMENTS, _ZONES)
def test_millis_match_an_aware_subtraction(moment: datetime, zone: timezone | None) -> None:
    placed = moment.replace(tzinfo=zone)
    aware = placed if zone is not None else placed.replace(tzinfo=UTC)  # naive: BSON's UTC
    assert millis(placed) == (aware - EPOCH) // timedelta(milliseconds=1)


@given(_MOMENTS, _ZONES)
def test_a_cursor_reads_back_to_its_position(moment: datetime, zone: timezone | None) -> None:
    placed = moment.replace(tzinfo=zone)
    item = ObjectId()
    for item_id in (item, str(item)):
        decoded = decode_cursor(encode_cursor(placed, item_id))
        assert decoded is not None
        at, read_id = decoded
        assert read_id == item
        assert (at - EPOCH) // timedelta(milliseconds=1) == millis(placed)
