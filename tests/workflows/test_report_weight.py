"""The weight of reports, by class: generated standings and brigades."""

from __future__ import annotations

import dataclasses
import datetime as dt

from beanie import PydanticObjectId
from hypothesis import given
from hypothesis import strategies as st

from models.report import WeighedReport
from workflows.report_weight import (
    DEFAULT_WEIGHT_TO_HIDE,
    ESTABLISHED_AFTER,
    MADE_TOGETHER,
    Standing,
    origin_of,
    round_weight,
    weight_of,
)

NOW = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
standings = st.builds(
    Standing,
    created_at=st.datetimes(
        min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2026, 12, 4, 12),
        timezones=st.just(dt.UTC),
    ),
    email_verified=st.booleans(),
    shows_content=st.booleans(),
    content_removed=st.booleans(),
    upheld=st.integers(0, 50),
    dismissed=st.integers(0, 50),
)  # fmt: skip


@given(standings)
def test_a_report_weighs_at_most_one_and_nothing_without_standing(standing: Standing) -> None:
    weight = weight_of(standing, NOW)
    assert 0 <= weight <= 1
    if not standing.email_verified or NOW - standing.created_at < ESTABLISHED_AFTER:
        assert weight == 0


@given(standings)
def test_each_dismissal_lowers_the_weight(standing: Standing) -> None:
    more = dataclasses.replace(standing, dismissed=standing.dismissed + 1)
    before, after = weight_of(standing, NOW), weight_of(more, NOW)
    assert after <= before
    if before > 0:
        assert after < before


_reports = st.builds(
    WeighedReport,
    reporter_id=st.builds(PydanticObjectId),
    weight=st.sampled_from([0.0, 0.25, 0.5, 1.0]),
    origin=st.sampled_from(["a", "b", "c", "d", None]),
    reporter_created_at=st.none() | st.datetimes(
        min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 1, 3),
        timezones=st.just(dt.UTC),
    ),
)  # fmt: skip


@given(st.lists(_reports, max_size=60))
def test_a_round_weighs_no_more_than_its_networks(reports: list[WeighedReport]) -> None:
    total = round_weight(reports)
    networks = {r.origin for r in reports if r.origin is not None}
    anonymous = sum(1 for r in reports if r.origin is None)
    assert total <= len(networks) + anonymous
    assert total <= sum(r.weight for r in reports) + 1e-9


@given(st.integers(1, 500), st.sampled_from([None, "one place"]))
def test_no_brigade_of_fresh_accounts_reaches_the_threshold(size: int, place: str | None) -> None:
    made = NOW - ESTABLISHED_AFTER + dt.timedelta(seconds=1)
    fresh = Standing(made, True, True, False, 10, 0)
    reports = [
        WeighedReport(PydanticObjectId(), weight_of(fresh, NOW), place or f"ip{n}", made)
        for n in range(size)
    ]
    assert round_weight(reports) == 0


def test_three_established_climbers_reach_it_and_made_together_count_once() -> None:
    old = NOW - dt.timedelta(days=60)
    climbers = [Standing(old - dt.timedelta(days=n), True, False, False, 0, 0) for n in range(3)]
    apart = [
        WeighedReport(PydanticObjectId(), weight_of(s, NOW), f"ip{n}", s.created_at)
        for n, s in enumerate(climbers)
    ]
    assert round_weight(apart) >= DEFAULT_WEIGHT_TO_HIDE
    together = [
        WeighedReport(r.reporter_id, r.weight, r.origin, old + MADE_TOGETHER * n / 2)
        for n, r in enumerate(apart)
    ]
    assert round_weight(together) == 1.0


def test_a_network_is_an_ipv4_address_or_an_ipv6_64() -> None:
    target = PydanticObjectId()
    assert origin_of("203.0.113.7", target) != origin_of("203.0.113.8", target)
    assert origin_of("2001:db8::1", target) == origin_of("2001:db8::ffff:1", target)
    assert origin_of("2001:db8::1", target) != origin_of("2001:db8:0:1::1", target)
    assert origin_of("::ffff:203.0.113.7", target) == origin_of("203.0.113.7", target)
    assert origin_of("203.0.113.7", target) != origin_of("203.0.113.7", PydanticObjectId())
    assert "203.0.113.7" not in origin_of("203.0.113.7", target)
