"""`python -m api`: serve the API with uvicorn on HOST:PORT."""

from __future__ import annotations

import logging
import sys

import uvicorn

from api.settings import ConfigurationError, Settings


def main() -> None:
    try:
        settings = Settings()
    except ConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
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
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
