"""What is running is said at start, in the metrics and in Sentry's events: the build (git
commit, Fly image) and the trusted-documents mode."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from api.build_info import build_info
from api.settings import Settings
from tests.api.test_deploy import runtime
from tests.api.test_metrics import free_port, samples
from tests.api.test_trusted_documents import manifest, operation
from tests.support.app import running_api
from tests.support.deploy_files import ROOT

SHA = "3f2c9a1be07d4c5e8f6a7b8c9d0e1f2a3b4c5d6e"
IMAGE = "registry.fly.io/perfect-boulder:deployment-01JABCDEF"


def _build_labels(text: str) -> list[dict[str, str]]:
    return [
        dict(labels)
        for (name, labels), value in samples(text).items()
        if name == "app_build_info" and value == 1
    ]


async def test_the_build_and_the_trusted_documents_mode_are_logged_and_exported(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    path = manifest(tmp_path, operation("query Gyms { gyms { name } }"))
    running = settings.model_copy(
        update={
            "metrics_port": port,
            "host": "127.0.0.1",
            "git_sha": SHA,
            "fly_image_ref": IMAGE,
            "persisted_queries_manifest": path,
            "trusted_documents_only": True,
        }
    )
    with caplog.at_level(logging.INFO, logger="api.app"):
        async with running_api(running), httpx.AsyncClient() as scraper:
            scraped = (await scraper.get(f"http://127.0.0.1:{port}/metrics")).text
    assert _build_labels(scraped) == [
        {"release": SHA, "git_sha": SHA, "image_ref": IMAGE, "trusted_documents": "only"}
    ]
    [ready] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ready")]
    assert SHA in ready
    assert IMAGE in ready
    assert "trusted documents: only" in ready


def test_the_release_falls_back_to_the_image_then_to_unknown(settings: Settings) -> None:
    only_image = build_info(settings.model_copy(update={"fly_image_ref": IMAGE}))
    assert only_image.release == "deployment-01JABCDEF"
    assert only_image.trusted_documents == "off"
    nothing = build_info(settings)
    assert nothing.release is None
    assert nothing.labels()["release"] == "unknown"
    listed = build_info(settings.model_copy(update={"persisted_queries_manifest": Path("m")}))
    assert listed.trusted_documents == "listed"


def test_the_image_carries_the_commit_it_was_built_from() -> None:
    image = runtime()
    assert "GIT_SHA" in " ".join(image.all("ARG"))
    assert image.env()["GIT_SHA"] == "${GIT_SHA}"
    readme = (ROOT / "README.md").read_text()
    assert '--build-arg GIT_SHA="$(git rev-parse HEAD)"' in readme
