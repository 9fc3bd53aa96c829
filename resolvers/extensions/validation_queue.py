"""Validating new documents: one at a time, off the event loop, fairly between clients.

graphql-core's own rules are quadratic in the document (OverlappingFieldsCanBeMerged), up
to a fifth of a second at the token cap, so a new document is validated in one worker
thread while the loop answers everyone else. One thread alone was a FIFO, though: a few
anonymous requests a second of large-but-legal documents made every other new document
wait seconds behind them. So the turn to use the thread is given by priority:

- vouched documents first (a trusted document, one read from the persisted-query
  registry, which passed the limits when it was stored), and never counted;
- then the others, the client that validated least lately first.

And each client address has a budget of validation work (VALIDATION_SECONDS_PER_MINUTE
of the thread's time by default, refilled evenly, charged as measured once done): a
client out of budget has its new documents refused with RATE_LIMITED and `retry_after`
(its cached documents still run), whether it asks anew or is still waiting for its turn
when its earlier documents used the budget up. So one client keeps the thread busy for at
most its budget plus one document, and others never wait behind its backlog: the rank
is read when the thread comes free, not when a document arrived.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema

from kit.budget import Budget
from resolvers.extensions.executor_fence import validate_document

# A client address may keep the validator busy this long per minute: some 10 to 50 of
# the largest legal documents, thousands of the app's (~1 ms each, and validated once).
VALIDATION_SECONDS_PER_MINUTE = 2.0

_VALIDATOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphql-validate")


class ValidationRefused(Exception):
    """This client has used its validation budget."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"too many new documents from this address, retry in {retry_after_seconds} s"
        )
        self.retry_after_seconds = retry_after_seconds


@dataclass(eq=False, slots=True)
class _Waiting:
    client: str | None  # None: vouched
    arrival: int
    turn: asyncio.Future[None]


class ValidationQueue:
    def __init__(self, seconds_per_minute: float = VALIDATION_SECONDS_PER_MINUTE) -> None:
        self.budget = Budget(seconds_per_minute, timedelta(minutes=1))
        self._waiting: list[_Waiting] = []
        self._arrivals = itertools.count()
        self._busy = False

    async def validate(
        self,
        schema: GraphQLSchema,
        node: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
        client: str | None,
    ) -> list[GraphQLError]:
        """Validate `node` in the worker thread when its turn comes; `client` None for a
        vouched document. Raises ValidationRefused for a client out of budget."""
        if client is not None:
            self._check(client)
        await self._turn(client)
        started = time.perf_counter()
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(_VALIDATOR, validate_document, schema, node, rules)
        finally:
            if client is not None:
                self.budget.charge(client, time.perf_counter() - started)
            self._next()

    def _refusal(self, client: str) -> ValidationRefused | None:
        if self.budget.left(client) > 0:
            return None
        return ValidationRefused(max(1, math.ceil(self.budget.seconds_until(client, 1e-3))))

    def _check(self, client: str) -> None:
        refusal = self._refusal(client)
        if refusal is not None:
            raise refusal

    async def _turn(self, client: str | None) -> None:
        if not self._busy and not self._waiting:
            self._busy = True
            return
        waiting = _Waiting(client, next(self._arrivals), asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        try:
            await waiting.turn
        except asyncio.CancelledError:
            if waiting in self._waiting:
                self._waiting.remove(waiting)
            elif waiting.turn.done() and not waiting.turn.cancelled():
                self._next()  # given the turn as it was cancelled: pass it on
            raise

    def _rank(self, waiting: _Waiting) -> tuple[int, float, int]:
        if waiting.client is None:
            return (0, 0.0, waiting.arrival)
        spent = self.budget.per_window - self.budget.left(waiting.client)
        return (1, spent, waiting.arrival)

    def _next(self) -> None:
        """The thread is free: the first in rank now (vouched documents, then the client
        that spent least) gets it; a client that ran out of budget while waiting is
        refused instead."""
        while self._waiting:
            first = min(self._waiting, key=self._rank)
            self._waiting.remove(first)
            if first.turn.done():
                continue
            refusal = None if first.client is None else self._refusal(first.client)
            if refusal is not None:
                first.turn.set_exception(refusal)
                continue
            first.turn.set_result(None)
            return
        self._busy = False
