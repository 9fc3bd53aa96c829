"""Stats from the logbook, checked number for number against a hand count."""

from __future__ import annotations

from typing import Any

from tests.support.client import Account, Api, code_of, upload_media
from tests.support.logbook import create_croix, create_gym, create_session
from tests.support.social import MY_STATS, USER_STATS
from tests.support.videos import CommandLog

# (day, feeling, [(colour, grade as typed, status)]) — the logbook the hand count is of.
LOGBOOK: list[tuple[str, int | None, list[tuple[str, str, str]]]] = [
    (
        "2025-03-01",
        4,
        [
            ("blue", "6a", "TOP"),
            ("Blue", "6A", "FLASH"),
            ("red", "6b+", "TOP"),
            ("yellow", "v3", "FLASH"),
            ("green", "7a", "PROJECT"),
        ],
    ),
    (
        "2025-03-08",
        2,
        [
            ("red", "6B+", "FLASH"),
            ("black", "7A", "TOP"),
            ("green", "V5", "TOP"),
            ("white", "5+", "PROJECT"),
        ],
    ),
    ("2025-03-15", None, [("blue", "5+", "FLASH"), ("yellow", "V3", "TOP")]),
    ("2025-04-02", 4, []),
    ("2025-04-10", 3, [("pink", "6A", "PROJECT")]),
]


async def _seed(api: Api, climber: Account) -> list[str]:
    """Log LOGBOOK through the API; the session ids, oldest first."""
    photo = await upload_media(api, climber, "PHOTO")
    gym = await create_gym(api, climber, f"Arkose {climber.pseudo}")
    ids = []
    for day, feeling, croix in LOGBOOK:
        session = await create_session(api, climber, day, gym_id=gym, feeling=feeling)
        for color, grade, status in croix:
            await create_croix(
                api, climber, photo, session_id=session["id"], color=color, grade=grade,
                status=status,
            )  # fmt: skip
        ids.append(session["id"])
    return ids


async def _stats(api: Api, climber: Account, **bounds: str) -> dict[str, Any]:
    stats: dict[str, Any] = (await api.data(MY_STATS, bounds, climber.token))["myStats"]
    return stats


def _session(sid: str, day: str, feeling: Any, sends: int, font: Any, v: Any) -> dict[str, Any]:
    return {
        "session_id": sid, "date": day, "feeling": feeling, "sends": sends,
        "hardest_send": font, "hardest_send_v": v,
    }  # fmt: skip


async def test_stats_match_a_hand_count_of_the_logbook(commands: CommandLog, api: Api) -> None:
    climber, other = await api.signup(), await api.signup()
    s = await _seed(api, climber)
    await _seed(api, other)  # another climber's logbook counts for nothing here

    commands.start()
    stats = await _stats(api, climber)
    commands.stop()
    # Counted by hand from LOGBOOK: sends are TOP or FLASH, projects are not sends.
    assert stats == {
        "sessions_count": 5,
        "average_feeling": 3.25,  # (4 + 2 + 4 + 3) / 4: the session without one is left out
        "sends": 9,
        "flashes": 4,
        "flash_rate": 4 / 9,
        "hardest_top": "7A",
        "hardest_top_v": "V5",
        "grade_pyramid": [
            {"grade": "7A", "sends": 1, "flashes": 0},
            {"grade": "6B+", "sends": 2, "flashes": 1},
            {"grade": "6A", "sends": 2, "flashes": 1},
            {"grade": "5+", "sends": 1, "flashes": 1},
        ],
        "grade_pyramid_v": [
            {"grade": "V5", "sends": 1, "flashes": 0},
            {"grade": "V3", "sends": 2, "flashes": 1},
        ],
        "by_color": [
            {"color": "blue", "sends": 3, "flashes": 2},
            {"color": "red", "sends": 2, "flashes": 1},
            {"color": "yellow", "sends": 2, "flashes": 1},
            {"color": "black", "sends": 1, "flashes": 0},
            {"color": "green", "sends": 1, "flashes": 0},
        ],
        "sessions": [
            _session(s[0], "2025-03-01", 4, 4, "6B+", "V3"),
            _session(s[1], "2025-03-08", 2, 3, "7A", "V5"),
            _session(s[2], "2025-03-15", None, 2, "5+", "V3"),
            _session(s[3], "2025-04-02", 4, 0, None, None),
            _session(s[4], "2025-04-10", 3, 0, None, None),
        ],
    }
    # Computed by the database: one aggregation, no croix brought into Python.
    assert len(commands.commands_on("aggregate", "sessions")) == 1
    assert commands.commands_on("find", "sessions") == []

    # The owner sees the same through User.stats; nobody else does.
    mine = (await api.data(USER_STATS, {"id": climber.id}, climber.token))["user"]["stats"]
    assert mine == stats
    for token in (other.token, None):
        assert (await api.data(USER_STATS, {"id": climber.id}, token))["user"]["stats"] is None


async def test_stats_over_a_range_of_days_both_included(api: Api) -> None:
    climber = await api.signup()
    s = await _seed(api, climber)
    stats = await _stats(api, climber, **{"from": "2025-03-08", "to": "2025-04-02"})
    assert stats["sessions_count"] == 3
    assert stats["average_feeling"] == 3.0  # (2 + 4) / 2
    assert (stats["sends"], stats["flashes"], stats["flash_rate"]) == (5, 2, 0.4)
    assert (stats["hardest_top"], stats["hardest_top_v"]) == ("7A", "V5")
    assert stats["grade_pyramid"] == [
        {"grade": "7A", "sends": 1, "flashes": 0},
        {"grade": "6B+", "sends": 1, "flashes": 1},
        {"grade": "5+", "sends": 1, "flashes": 1},
    ]
    assert stats["grade_pyramid_v"] == [
        {"grade": "V5", "sends": 1, "flashes": 0},
        {"grade": "V3", "sends": 1, "flashes": 0},
    ]
    assert [row["session_id"] for row in stats["sessions"]] == s[1:4]

    since = await _stats(api, climber, **{"from": "2025-04-01"})
    assert (since["sessions_count"], since["sends"], since["flash_rate"]) == (2, 0, None)
    until = await _stats(api, climber, to="2025-03-01")
    assert (until["sessions_count"], until["sends"], until["hardest_top"]) == (1, 4, "6B+")


async def test_a_climber_without_a_logbook_has_empty_stats(api: Api) -> None:
    climber = await api.signup()
    assert await _stats(api, climber) == {
        "sessions_count": 0,
        "average_feeling": None,
        "sends": 0,
        "flashes": 0,
        "flash_rate": None,
        "hardest_top": None,
        "hardest_top_v": None,
        "grade_pyramid": [],
        "grade_pyramid_v": [],
        "by_color": [],
        "sessions": [],
    }


async def test_stats_refuse_bad_ranges_naming_the_argument(api: Api) -> None:
    climber = await api.signup()
    assert code_of(await api.error(MY_STATS, {})) == "UNAUTHENTICATED"
    cases = [
        ({"from": "2025-13-01"}, "from"),
        ({"from": "2025-W01-1"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2025-03-02", "to": "2025-03-01"}, "to"),
    ]
    for bounds, field in cases:
        error = await api.error(MY_STATS, bounds, climber.token)
        assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", field)
        error = await api.error(USER_STATS, {"id": climber.id, **bounds}, climber.token)
        assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", field)
