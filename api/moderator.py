"""`python -m api.moderator EMAIL [--revoke]`: grant the MODERATOR role, or take it back,
on the service's database (MONGODB_URL), from the production image.

    fly console -C "python -m api.moderator ada@example.com"
    fly console -C "python -m api.moderator ada@example.com --revoke"

It runs where the service runs, so it reaches a database that admits only the app's
addresses (Atlas's access list). `make moderator` runs the same grant in development, on
the embedded database (tools/moderator.py). The role is read with the viewer's audience,
which the service keeps a few seconds for ordinary climbers only (workflows.audiences):
a revoked role ends on the next request, a granted one opens the moderation queries on
the next request and shows hidden content in listings within 10 seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from api.console import service_database
from api.settings import ConfigurationError, Settings, load_settings
from models.audience import MODERATOR
from models.registry import Repositories
from rules.accounts import normalize_email
from rules.errors import InvalidInput


async def set_role(repos: Repositories, email: str, *, revoke: bool = False) -> str:
    """Grant (or revoke) the role; what was done, in a sentence. Raises LookupError when
    no account has this email."""
    try:
        key = normalize_email(email)[1]
    except InvalidInput:
        raise LookupError(f"{email!r} is not an email address") from None
    user = await repos.users.set_role(key, None if revoke else MODERATOR)
    if user is None:
        raise LookupError(f"no account has the email {email!r}")
    if revoke:
        return f"{user.pseudo} ({user.email}) is no longer a moderator."
    return f"{user.pseudo} ({user.email}) is now a moderator."


async def _on_service_database(settings: Settings, email: str, revoke: bool) -> str:
    async with service_database(settings) as opened:
        return await set_role(opened.repos, email, revoke=revoke)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("email", help="the account's email")
    parser.add_argument("--revoke", action="store_true", help="take the role back")
    args = parser.parse_args()
    try:
        settings = load_settings()
        print(asyncio.run(_on_service_database(settings, args.email, args.revoke)))
    except ConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from error
    except LookupError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from error


if __name__ == "__main__":
    main()
