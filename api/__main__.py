"""`python -m api`: serve the API with uvicorn on HOST:PORT, on `MONGODB_URL`.

(`make start` runs `tools.serve`, which starts the embedded database first when no
`MONGODB_URL` is set, then calls `serve` here.)
"""

from __future__ import annotations

import sys

from api.allocator import return_large_buffers
from api.logging_setup import configure_logging
from api.settings import ConfigurationError, Settings, load_settings
from api.startup_gc import collector_paused

# On SIGTERM (or Ctrl-C) uvicorn stops accepting, lets in-flight requests finish for up to
# this long, then runs the lifespan's shutdown. fly.toml's kill_timeout must exceed it.
GRACEFUL_SHUTDOWN_SECONDS = 10


def _exit_with(error: ConfigurationError) -> None:
    print(f"error: {error}", file=sys.stderr)
    raise SystemExit(2) from error


def serve(settings: Settings) -> None:
    """Serve until SIGTERM or Ctrl-C. Once in-flight requests have finished, uvicorn
    raises the signal again: by default that ends the process (with a SIGTERM's status);
    a caller with cleaning up to do afterwards handles it (see tools.serve)."""
    return_large_buffers()
    # uvicorn and the app are imported here, not at the top, so that the collector is
    # paused while they load (api.startup_gc). tools.serve may have imported them already.
    with collector_paused():
        import uvicorn

        from api.app import create_app

        try:
            app = create_app(settings)
        except ConfigurationError as error:
            _exit_with(error)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep the handlers configure_logging installed
        access_log=False,  # api.middleware writes one richer line per request
        # The client address is the TCP peer: X-Forwarded-For is never trusted, even from
        # loopback (a rotating header would lift the per-address throttles). Behind a
        # proxy, CLIENT_IP_HEADER names the one header to read instead.
        proxy_headers=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def main() -> None:
    try:
        settings = load_settings()
    except ConfigurationError as error:
        _exit_with(error)
        return
    if not settings.mongodb_url:
        _exit_with(
            ConfigurationError(
                "MONGODB_URL is not set: `make start` serves on the embedded database, "
                "or point MONGODB_URL at a MongoDB"
            )
        )
    configure_logging(settings.log_level, json_lines=settings.is_production)
    serve(settings)


if __name__ == "__main__":
    main()
