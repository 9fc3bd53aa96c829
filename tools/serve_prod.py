"""`make start-prod`: the API in production mode on this machine, to try what production
does (no GraphiQL, no introspection, JSON logs, R2 and SMTP) without a cloud account.

The stand-ins, all local and started here: the embedded database (as `make start`), a
moto server for R2 (the S3 API; media are then read at `http://127.0.0.1:<port>/<bucket>/`)
and an aiosmtpd server for mail, which writes what it receives to
`DATA_DIR/outbox-prod/*.eml` and logs one line per message. The JWT secret is the
development one kept under DATA_DIR. The state shares DATA_DIR with `make start` (the
same database), except media: moto keeps them in memory, so they go with the process.
moto and aiosmtpd come with the dev tools, so this target installs those first.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import aioboto3
from aiosmtpd.controller import Controller
from moto.server import ThreadedMotoServer

from api.settings import AppEnv, ConfigurationError, Settings
from api.settings import load_settings as load_settings_or_raise
from tools.cli import fail, load_settings
from tools.embedded_db import EmbeddedDatabaseError
from tools.embedded_server import embedded_server
from tools.published_api import published_base_url
from tools.serve import _exit_on_sigterm

log = logging.getLogger("tools.serve_prod")

BUCKET = "media"
# moto checks no signature: any key pair does. R2's region is "auto"; moto's buckets are
# made in us-east-1, which S3 clients then find by the endpoint.
ACCESS_KEY = "local-access-key"
SECRET_KEY = "local-secret-key"  # noqa: S105 - a local stand-in's, not a secret


class Outbox:
    """aiosmtpd's handler: each accepted message written to a file and logged."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{secrets.token_hex(6)}.eml"
        path.write_bytes(envelope.content)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        log.info("mail to %s (%s): %s", ", ".join(envelope.rcpt_tos), parsed["Subject"], path)
        return "250 Message accepted for delivery"


@contextmanager
def s3_stand_in() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        asyncio.run(_create_bucket(endpoint))
        yield endpoint
    finally:
        server.stop()


async def _create_bucket(endpoint: str) -> None:
    session = aioboto3.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name="us-east-1"
    )
    async with session.client("s3", endpoint_url=endpoint) as s3:
        await s3.create_bucket(Bucket=BUCKET)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_stand_in(outbox: Path) -> Iterator[int]:
    port = _free_port()
    controller = Controller(Outbox(outbox), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def production_settings(settings: Settings, mongodb_url: str, s3: str, smtp_port: int) -> Settings:
    """The settings production would have, on the stand-ins (validated as production's)."""
    return load_settings_or_raise(
        app_env=AppEnv.PRODUCTION,
        mongodb_url=mongodb_url,
        # ≥ 32 bytes, kept under DATA_DIR: tokens survive a restart.
        jwt_secret=settings.resolved_jwt_secret(),
        r2_endpoint_url=s3,
        r2_access_key=ACCESS_KEY,
        r2_secret_key=SECRET_KEY,
        r2_bucket=BUCKET,
        r2_public_url=f"{s3}/{BUCKET}",
        smtp_url=f"smtp://127.0.0.1:{smtp_port}",  # loopback: no STARTTLS needed
        email_from=settings.email_from or "Perfect Boulder <no-reply@localhost>",
    )


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # unwind the stand-ins, as tools.serve
    settings = load_settings()
    if settings.is_production:
        fail("make start-prod makes its own production settings: leave APP_ENV unset", 2)
    from api.__main__ import serve

    try:
        with (
            embedded_server(settings) as url,
            s3_stand_in() as s3,
            smtp_stand_in(settings.data_dir / "outbox-prod") as smtp_port,
            published_base_url(settings),
        ):
            production = production_settings(settings, url, s3, smtp_port)
            log.info("production mode on local stand-ins: S3 %s, SMTP :%d", s3, smtp_port)
            serve(production)
    except EmbeddedDatabaseError as error:
        fail(str(error))
    except ConfigurationError as error:
        fail(str(error), 2)


if __name__ == "__main__":
    main()
