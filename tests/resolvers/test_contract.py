"""The schema contract with the mobile app, and the committed SDL."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, find_breaking_changes

from resolvers.schema import export_sdl

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "contract" / "seed.graphql"


def test_the_served_schema_breaks_nothing_the_app_was_written_against() -> None:
    seed = build_schema(SEED.read_text())
    served = build_schema(export_sdl())
    assert find_breaking_changes(seed, served) == []


@pytest.mark.parametrize("name", ["schema.graphql", "schema.graphqls"])
def test_the_committed_schema_files_are_up_to_date(name: str) -> None:
    # schema.graphqls: the same SDL, for Apollo Kotlin (which reads .graphql as operations).
    committed = (ROOT / name).read_text()
    assert committed == export_sdl(), f"{name} is stale: run `make schema` and commit it"
