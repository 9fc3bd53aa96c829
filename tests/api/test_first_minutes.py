"""A newcomer's first ten minutes: `make start` installs only what running needs and
says where GraphiQL is; `make mongosh` is quiet; the README opens with what to do."""

from __future__ import annotations

import logging
import subprocess

import pytest

from api.settings import Settings
from tests.support.app import running_api
from tests.support.deploy_files import ROOT


def planned(*args: str) -> str:
    """What make would run, every target considered out of date (-B), nothing run (-n)."""
    done = subprocess.run(  # noqa: S603 - make, with fixed arguments
        ["make", "-n", "-B", *args],  # noqa: S607
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_start_installs_the_runtime_and_the_embedded_database_only() -> None:
    plan = planned("start")
    syncs = [line for line in plan.splitlines() if "uv sync" in line]
    assert syncs, plan
    for line in syncs:
        assert "--no-default-groups --group embedded" in line, line
        assert "--inexact" in line  # never removes the dev tools a full sync installed
    assert "python -m tools.serve" in plan
    # The tests and linters keep the full sync (dev tools included).
    test_plan = planned("lint")
    assert any(
        "uv sync --frozen" in line and "--no-default-groups" not in line
        for line in test_plan.splitlines()
    ), test_plan


def test_make_mongosh_is_quiet_and_without_telemetry() -> None:
    plan = planned("mongosh", "MONGOSH=/usr/bin/true")
    [command] = [line for line in plan.splitlines() if "/usr/bin/true" in line]
    assert "--quiet" in command
    assert 'disableTelemetry()" --shell' in command


async def test_the_service_says_where_graphiql_is_in_development(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    everywhere = settings.model_copy(
        update={"host": "0.0.0.0", "port": 8765, "public_base_url": None}  # noqa: S104
    )
    with caplog.at_level(logging.INFO, logger="api.app"):
        async with running_api(everywhere) as api:
            ide = await api.http.get("/graphql", headers={"Accept": "text/html"})
    messages = [record.getMessage() for record in caplog.records]
    assert "GraphiQL (the API in your browser): http://127.0.0.1:8765/graphql" in messages
    assert "graphiql" in ide.text.lower()


def test_the_readme_opens_with_the_first_steps_and_keeps_the_bench_history_apart() -> None:
    readme = (ROOT / "README.md").read_text()
    opening = readme[: readme.index("## The API")]
    for step in ("make start", "GraphiQL", "make seed", "make test"):
        assert step in opening, step
    performance = readme[readme.index("## Performance") :]
    assert len(performance.splitlines()) <= 15
    assert "bench/RESULTS.md" in performance
    results = (ROOT / "bench" / "RESULTS.md").read_text()
    assert "**Fifth round (issue 18)**" in results  # the history, moved whole
