"""Password hashing: argon2id at OWASP's parameters, off the event loop, bounded.

Each argon2id hash holds `m` of memory for its duration, so the number running at
once is capped by a semaphore: a burst of 100 logins queues instead of asking a
256 MB machine for 1.9 GB.

Passwords are hashed in NFKC: "é" typed as one code point (most keyboards) or as "e" and
an accent (some Android keyboards), a full-width A from a Japanese keyboard and the
"A" of a laptop, are one password. A hash made before this rule from a password that
NFKC changes still verifies: its raw form is tried after the NFKC one (only then, so
an ordinary password costs one verification as before).
"""

from __future__ import annotations

import asyncio
import secrets
import unicodedata

import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME_COST = 2
OWASP_PARALLELISM = 1


def nfkc(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


class PasswordHasher:
    def __init__(self, max_concurrent: int) -> None:
        self._hash = PasswordHash(
            (
                Argon2Hasher(
                    memory_cost=OWASP_MEMORY_KIB,
                    time_cost=OWASP_TIME_COST,
                    parallelism=OWASP_PARALLELISM,
                ),
            )
        )
        self._slots = asyncio.Semaphore(max_concurrent)
        # Verified against when the email is unknown, so that a login for a missing
        # account costs the same time as a wrong password (no enumeration by timing).
        # Made in a worker thread (a hash is ~50 ms of CPU), not on the event loop while
        # the service starts: see `warm_up`.
        self._dummy_hash: asyncio.Future[str] | None = None

    def warm_up(self) -> None:
        """Start making the dummy hash now, in a worker thread, so that no login for an
        unknown email has to make it (it would take twice as long as a wrong password: a
        timing tell). The service calls this as it starts, without waiting: such a login
        in the first ~50 ms waits for the hash to be ready. This one hash runs outside
        the concurrency cap, once."""
        self._dummy()

    def _dummy(self) -> asyncio.Future[str]:
        made = self._dummy_hash
        # Made again if it failed (memory, say): a failure kept would fail every login
        # for an unknown email from then on, while known ones answer "wrong password".
        if made is None or (made.done() and (made.cancelled() or made.exception() is not None)):
            loop = asyncio.get_running_loop()  # first: outside a loop, fail with nothing made
            making = anyio.to_thread.run_sync(self._hash.hash, secrets.token_urlsafe(16))
            self._dummy_hash = made = loop.create_task(making)
        return made

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await anyio.to_thread.run_sync(self._hash.hash, nfkc(password))

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Check a password; `password_hash=None` burns the same time and fails."""
        # Shielded: a login cancelled while the dummy is being made must not cancel it
        # for the others waiting on it.
        target = password_hash if password_hash is not None else await asyncio.shield(self._dummy())
        # The NFKC form, then the raw one if it differs (a hash from before the rule);
        # the same for the dummy hash, so an unknown account costs what a known one does.
        valid = False
        for candidate in dict.fromkeys((nfkc(password), password)):
            async with self._slots:
                valid = await anyio.to_thread.run_sync(self._safe_verify, candidate, target)
            if valid:
                break
        return valid and password_hash is not None

    def _safe_verify(self, password: str, password_hash: str) -> bool:
        try:
            return self._hash.verify(password, password_hash)
        except Exception:  # a corrupt stored hash must read as "wrong", not a 500
            return False
