"""Where `make start` serves, published for the tools: `DATA_DIR/api.url`.

Local-storage media URLs are absolute URLs on the API (`<base>/media/<key>`), made from
the base URL of the process that stores them. `make seed` is another process, with its
own settings: left alone it used its own default port, so after `PORT=8701 make start`
the seeded media pointed at :8000. The service therefore publishes its base URL next to
the database's (`db.url`), and the seed stores media under that base while it answers.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from api.settings import Settings

API_URL_FILE = "api.url"


def api_url_file(settings: Settings) -> Path:
    return settings.data_dir.resolve() / API_URL_FILE


@contextmanager
def published_base_url(settings: Settings) -> Iterator[None]:
    """Publish the service's base URL for as long as the block (the service) runs."""
    path = api_url_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(settings.base_url + "\n")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def running_base_url(settings: Settings, timeout: float = 1.0) -> str | None:
    """The base URL of the service running on DATA_DIR, if it answers on it."""
    try:
        url = api_url_file(settings).read_text().strip()
    except FileNotFoundError:
        return None
    if not url.startswith(("http://", "https://")):
        return None
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=timeout):  # noqa: S310 - http(s) only
            return url
    except urllib.error.HTTPError:
        return url  # it answers (a 503 while its database is down is still this service)
    except (OSError, ValueError):
        return None  # left behind by a process that was killed


def with_running_base_url(settings: Settings) -> Settings:
    """`settings`, with the running service's base URL when one runs on DATA_DIR."""
    running = running_base_url(settings)
    if running is None or running == settings.base_url:
        return settings
    return settings.model_copy(update={"public_base_url": running})
