"""`make moderator EMAIL=...`: grant the MODERATOR role; `REVOKE=1` takes it back.

    python -m tools.moderator ada@example.com
    python -m tools.moderator ada@example.com --revoke

Runs on the app's database like the other operator commands (`MONGODB_URL`, else the
embedded database on DATA_DIR); in production, `python -m api.moderator` in the image
does the same (`fly console -C ...`). The role is read with the viewer's audience, which the
service keeps a few seconds for ordinary climbers only (workflows.audiences): a revoked
role ends on the next request, a granted one opens the moderation queries on the next
request and shows hidden content in listings within 10 seconds.
"""

from __future__ import annotations

import argparse
import asyncio

from api.moderator import set_role
from api.settings import Settings
from tools.cli import fail, load_settings
from tools.embedded_db import EmbeddedDatabaseError
from tools.standalone import open_database


async def set_moderator(settings: Settings, email: str, *, revoke: bool = False) -> str:
    """Grant (or revoke) the role (api.moderator, the production image's command); what
    was done, in a sentence. Raises LookupError when no account has this email."""
    async with open_database(settings) as opened:
        return await set_role(opened.repos, email, revoke=revoke)


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
