"""No garbage collection while the service builds itself.

Importing the service (graphql-core, Strawberry, pydantic, PyMongo, Beanie, the app's
types) and building its schema make about 150,000 container objects, nearly all of them
kept for the life of the process. The collector, triggered every 700 new objects, walks
them again and again and finds next to nothing to free: about a tenth of the cold
start (bench/RESULTS.md, "Fifth round"). So it is paused while the service is built,
and what was built is then frozen (`gc.freeze`): moved to a generation the collector
never walks, which also spares every later full collection from walking it again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the collector for the block; on leaving, freeze every object there is and
    let the collector run again (only if it was running before: a caller that had turned
    it off keeps it off). The garbage the block made is frozen too: about 1,000 of the
    ~150,000 objects of the service's start, not worth a collection's ~0.2 s."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
