"""`python -m api`: serve the API with uvicorn on HOST:PORT."""

from __future__ import annotations

import sys

import uvicorn

from api.logging_setup import configure_logging
from api.settings import ConfigurationError, Settings

# On SIGTERM (or Ctrl-C) uvicorn stops accepting, lets in-flight requests finish for up to
# this long, then runs the lifespan's shutdown. fly.toml's kill_timeout must exceed it.
GRACEFUL_SHUTDOWN_SECONDS = 10


def main() -> None:
    try:
        settings = Settings()
    except ConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    configure_logging(settings.log_level, json_lines=settings.is_production)
    from api.app import create_app

    try:
        app = create_app(settings)
    except ConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep the handlers configure_logging installed
        access_log=False,  # api.middleware writes one richer line per request
        proxy_headers=True,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


if __name__ == "__main__":
    main()
