"""GraphiQL without the CDN: its scripts fetched once from the npm registry (checked
against the page's integrity hashes), then served by the app itself."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from strawberry.http.ides import get_graphql_ide_html

from api.graphiql_assets import Asset, graphiql_assets, referenced
from api.settings import Settings
from tests.support.app import running_api
from tools.graphiql_assets import AssetError, fetch

PAGE = {"Accept": "text/html"}


def sri(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


async def test_the_page_uses_the_local_copies_once_they_are_all_there(settings: Settings) -> None:
    assets = referenced(get_graphql_ide_html("graphiql"))
    assert len(assets) >= 5  # React, ReactDOM, GraphiQL's script and style, the explorer
    directory = graphiql_assets(settings)
    for asset in assets[:-1]:
        (directory / asset.path).parent.mkdir(parents=True, exist_ok=True)
        (directory / asset.path).write_text(f"/* {asset.path} */")
    async with running_api(settings) as api:
        partial = (await api.http.get("/graphql", headers=PAGE)).text
        assert "https://unpkg.com/" in partial  # one is missing: the CDN, unchanged

        last = assets[-1]
        (directory / last.path).parent.mkdir(parents=True, exist_ok=True)
        (directory / last.path).write_text(f"/* {last.path} */")
        page = (await api.http.get("/graphql", headers=PAGE)).text
        assert "unpkg.com" not in page
        for asset in assets:
            assert f'"/graphiql-assets/{asset.path}"' in page
            assert asset.integrity in page  # the browser still checks each copy
            served = await api.http.get(f"/graphiql-assets/{asset.path}")
            assert served.status_code == 200
            assert served.text == f"/* {asset.path} */"


class Registry:
    """An npm registry on a free local port: tarballs by URL path, requests counted."""

    def __init__(self, tarballs: dict[str, bytes]) -> None:
        self.requests: list[str] = []
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                body = tarballs.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


SCRIPT = b"console.log('graphiql')"
STYLE = b".graphiql{}"
PLUGIN = b"window.explorer={}"


@pytest.fixture
def registry() -> Iterator[Registry]:
    served = Registry(
        {
            "/graphiql/-/graphiql-3.8.3.tgz": tarball({"graphiql.min.js": SCRIPT, "x.css": STYLE}),
            "/@graphiql/plugin-explorer/-/plugin-explorer-1.0.2.tgz": tarball(
                {"dist/index.umd.js": PLUGIN}
            ),
        }
    )
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


def test_assets_come_from_the_package_tarballs_checked_and_once(
    registry: Registry, tmp_path: Path
) -> None:
    assets = [
        Asset("https://unpkg.com/graphiql@3.8.3/graphiql.min.js", sri(SCRIPT)),
        Asset("https://unpkg.com/graphiql@3.8.3/x.css", sri(STYLE)),
        Asset("https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js", sri(PLUGIN)),
    ]
    written = fetch(tmp_path, assets, registry.url)
    assert written == [asset.path for asset in assets]
    assert (tmp_path / "graphiql@3.8.3/graphiql.min.js").read_bytes() == SCRIPT
    assert (tmp_path / "@graphiql/plugin-explorer@1.0.2/dist/index.umd.js").read_bytes() == PLUGIN
    assert len(registry.requests) == 2  # one tarball per package
    assert fetch(tmp_path, assets, registry.url) == []
    assert len(registry.requests) == 2  # nothing asked once they are there


def test_a_file_that_does_not_match_its_hash_is_refused(registry: Registry, tmp_path: Path) -> None:
    tampered = Asset("https://unpkg.com/graphiql@3.8.3/graphiql.min.js", sri(b"something else"))
    with pytest.raises(AssetError, match="does not match its integrity hash"):
        fetch(tmp_path, [tampered], registry.url)
    assert not any(tmp_path.rglob("*.js"))
    missing = Asset("https://unpkg.com/graphiql@3.8.3/absent.js", sri(b""))
    with pytest.raises(AssetError, match=r"absent\.js is not in"):
        fetch(tmp_path, [missing], registry.url)
