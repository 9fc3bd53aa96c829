"""Persisted queries, Apollo's protocol: automatic (APQ) and trusted documents.

A request may carry `extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"}`:

- without `query`: the document registered under that hash runs; unknown, the answer is
  `PERSISTED_QUERY_NOT_FOUND` (message `PersistedQueryNotFound`), and Apollo's link
  sends the request again with the query;
- with `query`: the query's SHA-256 must be the hash (else refused); a document that
  passes the document limits is then registered, for every machine of the app
  (models/persisted_query.py), and runs.

Trusted documents (PERSISTED_QUERIES_MANIFEST) are known from the start, whatever the
registry holds; with TRUSTED_DOCUMENTS_ONLY only they run, by hash or by exact text, and
anything else is refused with `PERSISTED_QUERY_NOT_IN_LIST`.

This is HTTP-level protocol, so it lives in the view's layer: the document it hands on
is then parsed, validated and executed like any other.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from graphql import OperationDefinitionNode, parse
from pymongo.errors import PyMongoError
from strawberry.http import GraphQLRequestData

from kit.budget import Budget
from kit.cache import Lru
from kit.clock import utcnow
from models.persisted_query import PersistedQueryRepository
from resolvers.extensions.executor_fence import built_schema
from resolvers.schema import AppSchema

log = logging.getLogger(__name__)

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"
_HASH = re.compile(r"[0-9a-fA-F]{64}")
# Hash -> text recently run on this machine: a hash-only request then needs no database
# round trip. Content-addressed, so never stale; a few dozen documents in practice.
_KNOWN_ON_THIS_MACHINE = 256


class PersistedQueryRefused(Exception):
    """The request cannot run as sent; `status` is its HTTP status, whatever the client
    accepts."""

    def __init__(self, message: str, code: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


def _not_found() -> PersistedQueryRefused:
    # 200 whatever the client accepts, as Apollo Server answers it: Apollo iOS 1.x (which
    # accepts application/graphql-response+json) fails on any non-2xx status before its
    # persisted-query interceptor reads the body, so a 404 would leave a hashed query
    # failing for good instead of being sent again with its text.
    return PersistedQueryRefused("PersistedQueryNotFound", NOT_FOUND, 200)


def _not_in_list() -> PersistedQueryRefused:
    return PersistedQueryRefused(
        "This document is not among the trusted documents", NOT_IN_LIST, 403
    )


def _bad_request(message: str) -> PersistedQueryRefused:
    return PersistedQueryRefused(message, "BAD_REQUEST", 400)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The hash a request names in `extensions.persistedQuery`, None when it names none."""
    if not extensions or extensions.get("persistedQuery") is None:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise _bad_request("Unsupported persisted query version")
    value = persisted.get("sha256Hash")
    if not isinstance(value, str) or not _HASH.fullmatch(value):
        raise _bad_request("persistedQuery.sha256Hash must be a SHA-256 in hexadecimal")
    return value.lower()


@dataclass(frozen=True, slots=True)
class RegistryPolicy:
    keep_for: timedelta
    max_entries: int
    # What one client may store: no text above `max_entry_bytes`, and at most
    # `registrations_per_hour` new documents per client address (per machine). With the
    # total bytes, `max_entries` is the lesser of it and max_total_bytes / max_entry_bytes.
    max_entry_bytes: int = 16 * 1024
    max_total_bytes: int = 32 * 1024 * 1024
    registrations_per_hour: int = 100

    @property
    def entries(self) -> int:
        return max(1, min(self.max_entries, self.max_total_bytes // self.max_entry_bytes))


class PersistedQueries:
    def __init__(
        self,
        schema: AppSchema,
        registry: PersistedQueryRepository,
        policy: RegistryPolicy,
        trusted: Mapping[str, str] | None = None,
        *,
        trusted_only: bool = False,
    ) -> None:
        self.schema = schema
        self.registry = registry
        self.policy = policy
        self.trusted = dict(trusted or {})
        self.trusted_only = trusted_only
        self._known = Lru[str, str](_KNOWN_ON_THIS_MACHINE)
        self._registrations = Budget(policy.registrations_per_hour, timedelta(hours=1))

    def trusted_operation_names(self) -> list[str]:
        """The operation names the trusted documents define (metrics label them so)."""
        return [
            definition.name.value
            for text in self.trusted.values()
            for definition in parse(text).definitions
            if isinstance(definition, OperationDefinitionNode) and definition.name
        ]

    async def resolve(
        self, request: GraphQLRequestData, client: str = "unknown"
    ) -> GraphQLRequestData:
        """The request to run, its document filled in from its hash; raises
        PersistedQueryRefused when it cannot run. `client` (its address) is what the
        registration budget counts."""
        wanted = requested_hash(request.extensions)
        if wanted is not None and request.query is not None and sha256_of(request.query) != wanted:
            raise _bad_request("provided sha does not match query")
        if self.trusted_only:
            return self._trusted(request, wanted)
        if wanted is None:
            return request
        if request.query is None:
            return replace(request, query=await self._find(wanted))
        await self._register(wanted, request.query, client)
        return request

    def _trusted(self, request: GraphQLRequestData, wanted: str | None) -> GraphQLRequestData:
        if wanted is None and request.query is not None:
            wanted = sha256_of(request.query)
        text = self.trusted.get(wanted) if wanted else None
        if text is None:
            raise _not_in_list()
        return replace(request, query=text)

    async def _find(self, wanted: str) -> str:
        text = self.trusted.get(wanted) or self._known.get(wanted)
        if text is None:
            text = await self.registry.find(wanted, utcnow(), self.policy.keep_for)
            if text is None:
                raise _not_found()
            self._known.put(wanted, text)
        # It passed the limits when it was stored: never queued behind anonymous text,
        # nor evicted by it (resolvers/extensions/document_gate.py).
        self.schema.document_limits.vouch(text)
        return text

    async def _register(self, wanted: str, text: str, client: str) -> None:
        if wanted in self.trusted or self._known.get(wanted) is not None:
            return
        policy = self.policy
        # Too large to keep, or this client registered enough this hour: the document
        # runs all the same, sent whole, and nothing is stored (nor kept on this machine).
        if len(text.encode()) > policy.max_entry_bytes:
            return
        # The limits first: a document they refuse is never stored, and the request
        # then runs (and fails) like any other.
        if await self.schema.document_limits.refusals(built_schema(self.schema), text, client):
            return
        if not self._registrations.spend(client):
            log.info("persisted query %s not registered: client over its budget", wanted[:16])
            return
        try:
            stored = await self.registry.register(
                wanted, text, utcnow(), policy.keep_for, policy.entries
            )
        except PyMongoError as error:
            # Registering is an optimisation: the query itself still runs (and meets the
            # outage, if it is one, with the usual SERVICE_UNAVAILABLE).
            log.warning("persisted query not registered: %s", error)
            return
        if not stored:
            log.warning(
                "persisted query %s not registered: the registry is full (%d in use)",
                wanted[:16],
                policy.entries,
            )
            # Known here all the same: hash-only requests to this machine still work.
            self._known.put(wanted, text)
        # Stored: the first hash-only request reads it back from the registry, which
        # marks it used (kept when the registry is full), then this machine knows it.
