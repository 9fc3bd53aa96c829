"""Optional error tracking with Sentry (`SENTRY_DSN`).

Unexpected errors reach Sentry through its logging integration: the error policy
(resolvers/extensions/error_policy.py) logs them at ERROR with the exception and the
viewer's `user_id`, and `_tag` adds the request id the middleware put in its context
variable. Integrations that enable themselves when their library is installed are kept
off: Sentry's Strawberry integration wraps every field's resolver, which would take
the fast executor's plain fields off their inline path (resolvers/extensions/
fast_executor.py), and its Starlette one would report what the error policy already
classifies.

Nothing secret or personal leaves in an event: frame variables are never collected
(`include_local_variables=False`: a frame of the reset mail held the token, the
account's hash and the SMTP credentials), nor request headers or bodies (personal
data collection stays at the SDK's default, off), and every string that does go
(exception messages, log lines, breadcrumbs) passes api/error_scrubbing.py first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from api.error_scrubbing import Scrubber
from api.logging_setup import REQUEST_ID


def _tag(event: Any, hint: Any) -> Any:
    request_id = REQUEST_ID.get()
    if request_id is not None:
        event.setdefault("tags", {})["request_id"] = request_id
    user_id = (event.get("extra") or {}).get("user_id")
    if user_id:
        event["user"] = {"id": str(user_id)}
    return event


def _before_send(scrubber: Scrubber) -> Callable[[Any, Any], Any]:
    def before_send(event: Any, hint: Any) -> Any:
        return scrubber.scrub(_tag(event, hint))

    return before_send


def _before_breadcrumb(scrubber: Scrubber) -> Callable[[Any, Any], Any]:
    def before_breadcrumb(crumb: Any, hint: Any) -> Any:
        return scrubber.scrub(crumb)

    return before_breadcrumb


@contextmanager
def start(
    dsn: str, environment: str, release: str | None = None, known_secrets: Iterable[str] = ()
) -> Iterator[None]:
    """Initialise the SDK for the app's lifetime; leaving flushes what is queued and
    puts the process back to no error tracking. Events carry `release` (the commit or
    the Fly image, api/build_info.py), so Sentry says which release an error is from;
    `known_secrets` (the deployment's keys and passwords) are replaced wherever they
    would appear in an event."""
    import sentry_sdk  # imported only when a DSN is set

    scrubber = Scrubber(known_secrets)
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        auto_enabling_integrations=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=_before_send(scrubber),
        before_breadcrumb=_before_breadcrumb(scrubber),
    )
    try:
        yield
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)
