"""`python -m tools.mongosh_url`: the connection string `make mongosh` opens.

`MONGODB_URL` with the app's database as the default one, or the URL of the embedded
server the service runs (published in `DATA_DIR/db.url`: it listens on a random port).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from tools.cli import fail, load_settings
from tools.embedded_server import running_embedded_url


def with_database(url: str, database: str) -> str:
    """`url` with `database` as the database mongosh's `db` starts on.

    The path of a MongoDB URL also names the database credentials are checked against
    when there is no `authSource`: that one is kept explicitly, so changing the path
    never breaks the login.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    has_credentials = "@" in parts.netloc
    if has_credentials and not any(key.lower() == "authsource" for key, _ in query):
        query.append(("authSource", parts.path.strip("/") or "admin"))
    path = "/" + quote(database, safe="")
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), parts.fragment))


def main() -> None:
    settings = load_settings()
    url = settings.mongodb_url or running_embedded_url(settings)
    if not url:
        fail(
            "the embedded database is not running: start the service first "
            "(`make start` in another terminal), or set MONGODB_URL"
        )
    print(with_database(url, settings.mongodb_db))


if __name__ == "__main__":
    main()
