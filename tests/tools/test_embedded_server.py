"""tools.embedded_server: `make start` imports the service while the database boots."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings
from tools.embedded_db import EmbeddedMongo, answers
from tools.embedded_server import embedded_server


def test_the_work_given_runs_between_spawning_the_database_and_its_first_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []
    spawn, ready = EmbeddedMongo.spawn, EmbeddedMongo.wait_until_ready

    def spawned(server: EmbeddedMongo) -> None:
        spawn(server)
        steps.append("spawned")

    def answered(server: EmbeddedMongo) -> None:
        ready(server)
        steps.append("answered")

    monkeypatch.setattr(EmbeddedMongo, "spawn", spawned)
    monkeypatch.setattr(EmbeddedMongo, "wait_until_ready", answered)
    settings = Settings(_env_file=None, data_dir=tmp_path)
    with embedded_server(settings, meanwhile=lambda: steps.append("meanwhile")) as url:
        assert answers(url, timeout_ms=2000)
    assert steps == ["spawned", "meanwhile", "answered"]
