"""What every operator command starts with: the settings, or a one-line error and exit.

Kept light (the settings and logging only): `make start` reads its settings here before
it starts the embedded database, and imports the rest while that database boots.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

from api.logging_setup import configure_logging
from api.settings import ConfigurationError, Settings
from api.settings import load_settings as load_settings_or_raise


def fail(message: str, code: int = 1) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def load_settings(**overrides: Any) -> Settings:
    """The settings from the environment and `.env`, or a one-line error and exit 2."""
    try:
        settings = load_settings_or_raise(**overrides)
    except ConfigurationError as error:
        fail(str(error), 2)
    configure_logging(settings.log_level, json_lines=settings.is_production)
    return settings
