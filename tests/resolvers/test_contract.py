"""The schema contract with the mobile app, and the committed SDL."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema, find_breaking_changes

from resolvers.schema import export_sdl

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "contract" / "seed.graphql"


def test_the_served_schema_breaks_nothing_the_app_was_written_against() -> None:
    seed = build_schema(SEED.read_text())
    served = build_schema(export_sdl())
    assert find_breaking_changes(seed, served) == []


def test_the_committed_schema_graphql_is_up_to_date() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == export_sdl(), "schema.graphql is stale: run `make schema` and commit it"
