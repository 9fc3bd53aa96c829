"""`make moderator EMAIL=...`: grant the MODERATOR role; `REVOKE=1` takes it back.

    python -m tools.moderator ada@example.com
    python -m tools.moderator ada@example.com --revoke

Runs on the app's database like the other operator commands (`MONGODB_URL`, else the
embedded database on DATA_DIR). The role is read with the viewer's audience, which the
service keeps a few seconds for ordinary climbers only (workflows.audiences): a revoked
role ends on the next request, a granted one opens the moderation queries on the next
request and shows hidden content in listings within 10 seconds.
"""

from __future__ import annotations

import argparse
import asyncio

from api.settings import Settings
from models.audience import MODERATOR
from resolvers.errors import BadUserInput
from rules.accounts import normalize_email
from tools.cli import fail, load_settings
from tools.embedded_db import EmbeddedDatabaseError
from tools.standalone import open_database


async def set_moderator(settings: Settings, email: str, *, revoke: bool = False) -> str:
    """Grant (or revoke) the role; what was done, in a sentence. Raises LookupError when
    no account has this email."""
    try:
        key = normalize_email(email)[1]
    except BadUserInput:
        raise LookupError(f"{email!r} is not an email address") from None
    async with open_database(settings) as opened:
        user = await opened.repos.users.set_role(key, None if revoke else MODERATOR)
    if user is None:
        raise LookupError(f"no account has the email {email!r}")
    if revoke:
        return f"{user.pseudo} ({user.email}) is no longer a moderator."
    return f"{user.pseudo} ({user.email}) is now a moderator."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("email", help="the account's email")
    parser.add_argument("--revoke", action="store_true", help="take the role back")
    args = parser.parse_args()
    settings = load_settings()
    try:
        print(asyncio.run(set_moderator(settings, args.email, revoke=args.revoke)))
    except LookupError as error:
        fail(str(error))
    except EmbeddedDatabaseError as error:
        fail(str(error))


if __name__ == "__main__":
    main()
