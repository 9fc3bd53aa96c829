"""`make start`: serve the API, on the embedded database when no `MONGODB_URL` is set.

The embedded server is started before the service and stopped after it: on SIGTERM or
Ctrl-C the service finishes its requests, then the database closes its files, and only
then does this process exit, so a `make start` right after finds the directory free.
While it serves, its base URL is published in DATA_DIR/api.url (see tools.published_api).
"""

from __future__ import annotations

import importlib
import signal
from types import FrameType

from api.settings import Settings
from api.startup_gc import collector_paused
from tools.cli import fail, load_settings
from tools.embedded_db import EmbeddedDatabaseError
from tools.embedded_server import embedded_server
from tools.published_api import published_base_url


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


# The service (uvicorn, the app and all it imports) is imported once the settings are
# read, not at the top: with the embedded database, while that database boots in its
# own process. Both take about a second, side by side on two cores (bench/RESULTS.md).
SERVICE_MODULES = ("uvicorn", "api.__main__", "api.app")


def _import_the_service() -> None:
    with collector_paused():  # as api.__main__.serve does around the same imports
        for module in SERVICE_MODULES:
            importlib.import_module(module)


def _serve(settings: Settings) -> None:
    # Late on purpose; `serve` imports uvicorn and the app itself, with the collector
    # paused, when the embedded database's boot did not already.
    from api.__main__ import serve

    serve(settings)


def main() -> None:
    # uvicorn raises the SIGTERM it caught again once it has shut down. With the default
    # action that kills the process on the spot, before the `finally` blocks below stop
    # the embedded database (a supervisor that signals this process alone would leave it
    # running, holding DATA_DIR); as SystemExit it unwinds them, and the process still
    # ends with the status a SIGTERM gives by convention (143).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    settings = load_settings()
    if settings.mongodb_url:
        with published_base_url(settings):
            _serve(settings)
        return
    try:
        with (
            embedded_server(settings, meanwhile=_import_the_service) as url,
            published_base_url(settings),
        ):
            _serve(settings.model_copy(update={"mongodb_url": url}))
    except EmbeddedDatabaseError as error:
        fail(str(error))


if __name__ == "__main__":
    main()
