"""GraphiQL's scripts and styles served by the app itself (development only).

Strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from unpkg.com
(4.1 MB of minified JavaScript and CSS, too much to vendor into the repository),
so without the network the page stays blank. `make start` fetches those files once into
`DATA_DIR/graphiql/` (tools/graphiql_assets.py, from the npm registry, each checked
against the page's own Subresource Integrity hash); once every one is there, the page is
served pointing at `/graphiql-assets/…` on this app instead of the CDN. The integrity
attributes stay, so the browser checks the local copies as it checked the CDN's.
Missing any, the page is Strawberry's, unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from strawberry.http.ides import get_graphql_ide_html

from api.settings import Settings

CDN = "https://unpkg.com/"
ASSETS_PATH = "/graphiql-assets"
_REFERENCE = re.compile(r'(?:src|href)="(https://unpkg\.com/[^"]+)"\s+integrity="([^"]+)"')


@dataclass(frozen=True, slots=True)
class Asset:
    url: str  # https://unpkg.com/<package>@<version>/<file>
    integrity: str  # sha384-<base64>

    @property
    def path(self) -> str:
        """Where it lives under the assets directory: <package>@<version>/<file>."""
        return self.url.removeprefix(CDN)


def referenced(html: str) -> list[Asset]:
    return [Asset(url, integrity) for url, integrity in _REFERENCE.findall(html)]


def graphiql_assets(settings: Settings) -> Path:
    return settings.data_dir / "graphiql"


def local_page(directory: Path, html: str | None = None) -> str | None:
    """The GraphiQL page on the local copies, or None when any of them is missing."""
    html = html or get_graphql_ide_html("graphiql")
    assets = referenced(html)
    if not assets or not all((directory / asset.path).is_file() for asset in assets):
        return None
    return html.replace(CDN, f"{ASSETS_PATH}/")
