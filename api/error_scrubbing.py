"""What an error event may carry out of the process: nothing secret, nothing personal.

Error tracking (api/error_tracking.py) never collects frame variables, request bodies or
headers in the first place; this is the second wall, for what reaches an event as text
anyway: an exception's message (a mail server refusing "<alice@example.com>"), a log
line, a breadcrumb. Every string of the event, whatever its depth, is rewritten:

- the deployment's own secrets (JWT key, SMTP and database credentials, R2 keys) are
  replaced wherever they appear, by their exact value;
- e-mail addresses, bearer tokens and JWTs, password hashes (argon2, bcrypt), URLs
  carrying a user and password, and long random tokens (a reset token is 43 URL-safe
  characters) are replaced by what they are, e.g. "[email]";
- a value under a key that names a secret (password, token, authorization, cookie…) is
  dropped whole.

The user's id and the request id stay: they are what a report is matched with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

FILTERED = "[Filtered]"

# A key whose value is a secret whatever it looks like ("Authorization", "smtp_password",
# "reset_token", "set-cookie"); matched case-insensitively anywhere in the key.
_SECRET_KEY = re.compile(
    r"authorization|cookie|passw|secret|token|api[-_]?key|credential|smtp_url|dsn|hash",
    re.IGNORECASE,
)

# Order matters: a URL's credentials before an e-mail (user:pass@host looks like one).
_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]*:[^/\s@]*@"), r"\1[credentials]@"),
    (re.compile(r"\$(?:argon2(?:id|i|d)|2[abxy]?)\$[^\s'\"]+"), "[password hash]"),
    (re.compile(r"(?i)\bbearer\s+[^\s'\",]+"), "Bearer [token]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), "[jwt]"),
    (
        # A local part may hold ' { } and more (RFC 5322's atext): taken whole.
        re.compile(r"[^\s<>()\[\],;:\"@]+@[^\s<>()\[\]{},;:'\"@]+\.[^\s<>()\[\]{},;:'\"@]+"),
        "[email]",
    ),
    (re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}"), lambda found: _token(found[0])),
)


def _token(run: str) -> str:
    """A long run of URL-safe characters is a random token (a reset token, a hash, an
    API key) when it holds a digit or mixes cases; the long names of a stack trace
    (`test_an_error_reaches_sentry`) hold neither."""
    random_looking = any(c.isdigit() for c in run) or (run.lower() != run != run.upper())
    return "[token]" if random_looking else run


# Identifiers the SDK and the app put on an event on purpose, which the token pattern
# would otherwise take for secrets (an event id is 32 hex digits; the release is the
# image's commit, 40: api/build_info.py).
_KEPT_KEYS = frozenset(
    {"event_id", "trace_id", "span_id", "parent_span_id", "request_id", "release"}
)


class Scrubber:
    def __init__(self, known_secrets: Iterable[str]) -> None:
        # Longest first, so a secret containing a shorter one is replaced whole.
        self._known = sorted({s for s in known_secrets if len(s) >= 4}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._known:
            value = value.replace(secret, FILTERED)
        for pattern, replacement in _PATTERNS:
            value = pattern.sub(replacement, value)
        return value

    def scrub(self, value: Any, key: str | None = None) -> Any:
        if key in _KEPT_KEYS:
            return value
        if key is not None and _SECRET_KEY.search(key):
            return FILTERED if value not in (None, "", [], {}) else value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.scrub(v, k if isinstance(k, str) else None) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub(v) for v in value]
        return value


def secrets_in_url(url: str | None) -> list[str]:
    """The user name and password a URL carries (`smtp://user:pass@host`), decoded and
    as written."""
    if not url:
        return []
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return []
    found = []
    for part in (parts.username, parts.password):
        if part:
            found += [part, unquote(part)]
    return found
