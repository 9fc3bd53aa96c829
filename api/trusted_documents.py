"""Trusted documents: an Apollo persisted-query manifest, read and checked at start.

The manifest is what Apollo's tooling writes (`generate-persisted-query-manifest`,
Apollo iOS / Kotlin codegen):

    {"format": "apollo-persisted-query-manifest", "version": 1,
     "operations": [{"id": "<sha256 of body>", "body": "...", "name": "Feed", "type": "query"}]}

Every operation must pass the document limits: a document the service would refuse
stops it at start, naming the operation, rather than failing on phones later.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson

from api.settings import ConfigurationError
from resolvers.extensions.executor_fence import built_schema
from resolvers.schema import AppSchema

FORMAT = "apollo-persisted-query-manifest"
_TYPES = frozenset({"query", "mutation", "subscription"})


def load_manifest(path: Path, schema: AppSchema) -> dict[str, str]:
    """The manifest's documents by id (their SHA-256); ConfigurationError if unusable."""
    try:
        manifest = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise ConfigurationError(f"PERSISTED_QUERIES_MANIFEST {path}: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ConfigurationError(f"PERSISTED_QUERIES_MANIFEST {path}: not an {FORMAT}")
    if manifest.get("version") != 1:
        raise ConfigurationError(f"PERSISTED_QUERIES_MANIFEST {path}: only version 1 is read")
    operations = manifest.get("operations")
    if not isinstance(operations, list):
        raise ConfigurationError(f"PERSISTED_QUERIES_MANIFEST {path}: `operations` is no list")
    documents: dict[str, str] = {}
    for index, operation in enumerate(operations):
        problem = _problem(operation, schema)
        if problem:
            name = operation.get("name") if isinstance(operation, dict) else None
            raise ConfigurationError(
                f"PERSISTED_QUERIES_MANIFEST {path}: operation {index} ({name}): {problem}"
            )
        documents[operation["id"]] = operation["body"]
    return documents


def _problem(operation: Any, schema: AppSchema) -> str | None:
    if not isinstance(operation, dict):
        return "not an object"
    for key in ("id", "body", "name", "type"):
        if not isinstance(operation.get(key), str):
            return f"`{key}` must be a string"
    if operation["type"] not in _TYPES:
        return f"`type` must be one of {sorted(_TYPES)}"
    # Clients send the id as `sha256Hash`: Apollo's default id, the one checked here.
    if operation["id"] != hashlib.sha256(operation["body"].encode()).hexdigest():
        return "`id` is not the SHA-256 of `body` (lowercase hex)"
    errors = schema.document_limits.check(built_schema(schema), operation["body"])
    if errors:
        return "; ".join(error.message for error in errors)
    return None
