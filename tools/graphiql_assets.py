"""Fetch GraphiQL's scripts and styles once, for the app to serve (api/graphiql_assets.py).

`make start` runs `python -m tools.graphiql_assets` before serving. In development, each
file the GraphiQL page loads from unpkg.com (`https://unpkg.com/<package>@<version>/...`)
is a file of that npm package: it is taken from the package's tarball on the npm
registry (the bytes unpkg serves), checked against the page's Subresource Integrity
hash, and written under `DATA_DIR/graphiql/`. Done once (4.1 MB kept, 3.5 MB of it
graphiql.min.js; the tarballs are not), after which GraphiQL works offline. Without the
network nothing is written, `make start` goes on, and the page keeps using the CDN.
(Not in tools.serve: the tests start that process many times and must not go online.)
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import tarfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from strawberry.http.ides import get_graphql_ide_html

from api.graphiql_assets import Asset, graphiql_assets, referenced
from tools.cli import load_settings

log = logging.getLogger(__name__)

NPM_REGISTRY = "https://registry.npmjs.org/"
TIMEOUT_SECONDS = 20


class AssetError(Exception):
    pass


def _package_of(asset: Asset) -> tuple[str, str, str]:
    """(package, version, file) of `<package>@<version>/<file>`; the package may be scoped."""
    scope = ""
    rest = asset.path
    if rest.startswith("@"):
        scope, rest = rest.split("/", 1)
        scope += "/"
    name_version, file = rest.split("/", 1)
    name, version = name_version.rsplit("@", 1)
    return scope + name, version, file


def tarball_url(package: str, version: str, registry: str = NPM_REGISTRY) -> str:
    return f"{registry}{package}/-/{package.rsplit('/', 1)[-1]}-{version}.tgz"


def matches(content: bytes, integrity: str) -> bool:
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in ("sha256", "sha384", "sha512"):
        return False
    digest = hashlib.new(algorithm, content).digest()
    return base64.b64encode(digest).decode() == expected


def _download(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise AssetError(f"not an HTTP URL: {url}")
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        body: bytes = response.read()
        return body


def fetch(directory: Path, assets: Sequence[Asset], registry: str = NPM_REGISTRY) -> list[str]:
    """Write every missing asset under `directory`; returns the paths written. Raises
    AssetError (or OSError) when one cannot be had, or does not match its hash."""
    written: list[str] = []
    tarballs: dict[str, bytes] = {}
    for asset in assets:
        target = directory / asset.path
        if target.is_file():
            continue
        package, version, file = _package_of(asset)
        url = tarball_url(package, version, registry)
        if url not in tarballs:
            tarballs[url] = _download(url)
        with tarfile.open(fileobj=io.BytesIO(tarballs[url]), mode="r:gz") as archive:
            try:
                member = archive.extractfile(f"package/{file}")
            except KeyError:
                member = None
            if member is None:
                raise AssetError(f"{file} is not in {url}")
            content = member.read()
        if not matches(content, asset.integrity):
            raise AssetError(f"{asset.url}: the file in {url} does not match its integrity hash")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(content)
        partial.replace(target)  # whole or absent: the app serves only complete sets
        written.append(asset.path)
    return written


def ensure(directory: Path) -> bool:
    """GraphiQL's assets under `directory`, fetched when missing; False (logged) when
    they cannot be had: the page then loads them from the CDN."""
    assets = referenced(get_graphql_ide_html("graphiql"))
    try:
        written = fetch(directory, assets)
    except (AssetError, OSError, tarfile.TarError) as error:
        log.warning("GraphiQL will load its scripts from unpkg.com: %s", error)
        return False
    if written:
        size = sum((directory / path).stat().st_size for path in written)
        log.info("GraphiQL's scripts fetched into %s (%.1f MB)", directory, size / 1e6)
    return True


def main() -> None:
    settings = load_settings()
    if not settings.is_production:  # production serves no IDE
        ensure(graphiql_assets(settings))


if __name__ == "__main__":
    main()
