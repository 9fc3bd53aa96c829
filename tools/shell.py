"""`make code`: the operator's Python shell (api/console.py) on the app's database, with
top-level `await`: on MONGODB_URL, or on the embedded database (the one a running
`make start` serves, else one started for the shell).

    >>> await UserDocument.find_one({"pseudo": "ada"})
    >>> await db.videos.count_documents({"like_count": {"$gt": 0}})
"""

from __future__ import annotations

from api.console import LoopThread, banner, interact, namespace
from tools.cli import fail, load_settings
from tools.embedded_db import EmbeddedDatabaseError
from tools.standalone import open_database


def main() -> None:
    settings = load_settings()
    runner = LoopThread()
    try:
        try:
            interact(runner, open_database(settings), namespace, banner)
        except EmbeddedDatabaseError as error:
            fail(str(error))
    finally:
        runner.stop()


if __name__ == "__main__":
    main()
