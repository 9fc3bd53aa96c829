"""The parsed-and-validated documents, kept so that one client cannot flush everyone's.

One plain LRU let cheap junk documents evict the app's own: every new text went in at
the front. Now there are three places:

- pinned: the trusted documents (checked at start), never evicted;
- main (MAIN_SIZE): documents seen twice, or vouched for by the persisted-query
  registry; where the app's documents live;
- probation (PROBATION_SIZE): every new text at its first sighting. A second sighting
  moves it to main, and each client address may move at most PROMOTIONS_PER_HOUR
  documents there an hour. So a flood of new texts churns probation only, and even a
  flood sent twice over moves a bounded number of entries per address into main.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Generic, TypeVar

from kit.budget import Budget
from kit.cache import Lru

MAIN_SIZE = 256
PROBATION_SIZE = 64
PROMOTIONS_PER_HOUR = 32

D = TypeVar("D")


def _vouched() -> str | None:
    return None


class DocumentCache(Generic[D]):
    def __init__(
        self,
        main_size: int = MAIN_SIZE,
        probation_size: int = PROBATION_SIZE,
        promotions_per_hour: int = PROMOTIONS_PER_HOUR,
    ) -> None:
        self.pinned: dict[str, D] = {}
        self.main: Lru[str, D] = Lru(main_size)
        self.probation: Lru[str, D] = Lru(probation_size)
        self._promotions = Budget(promotions_per_hour, timedelta(hours=1))

    def get(self, text: str, client: Callable[[], str | None] = _vouched) -> D | None:
        """The document kept for `text`; a second sighting in probation moves it to main
        when the client (asked only then: the hot path reads no address) may still
        promote (None: vouched, e.g. start-up or the registry)."""
        found = self.pinned.get(text) or self.main.get(text)
        if found is not None:
            return found
        found = self.probation.get(text)
        if found is None:
            return None
        address = client()
        if address is None or self._promotions.spend(address):
            self.probation.pop(text)
            self.main.put(text, found)
        return found

    def put(self, text: str, document: D) -> None:
        """A new text: on probation."""
        self.probation.put(text, document)

    def vouch(self, text: str, document: D) -> None:
        """A text known good elsewhere (the persisted-query registry): straight to main."""
        self.probation.pop(text)
        self.main.put(text, document)

    def pin(self, text: str, document: D) -> None:
        self.probation.pop(text)
        self.main.pop(text)
        self.pinned[text] = document
