""".env.example lists every setting, at its default: one place to read them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SETTING = re.compile(r"^# ([A-Z0-9_]+)=(.*)$")


def listed() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = SETTING.match(line)
        if match:
            assert match.group(1) not in found, f"{match.group(1)} listed twice"
            found[match.group(1)] = match.group(2)
    return found


def test_every_setting_is_listed_and_nothing_else() -> None:
    assert set(listed()) == {name.upper() for name in Settings.model_fields}


def test_every_setting_is_listed_at_its_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    given = {name: value for name, value in listed().items() if value}
    env = tmp_path / ".env"
    env.write_text("".join(f"{name}={value}\n" for name, value in given.items()))
    from_example = Settings(_env_file=env)
    defaults = Settings(_env_file=None)
    for name in given:
        field = name.lower()
        assert getattr(from_example, field) == getattr(defaults, field), name
    # Empty in the example: unset (None) by default.
    for name in set(listed()) - set(given):
        assert getattr(defaults, name.lower()) is None, name
