"""`make start-prod`: production mode on this machine, on local stand-ins for R2 (moto)
and mail (aiosmtpd). Run as make runs it, `python -m tools.serve_prod` in its own
process, on a temporary DATA_DIR and a free port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path

from tests.support.client import SIGNUP
from tests.tools.test_serve_process import _env, _free_port, _graphql, _wait_until_up

CREATE_UPLOAD = (
    'mutation { createUpload(kind: AVATAR, content_type: "image/png", size: 4)'
    " { upload_url method headers { name value } public_url } }"
)
RESET = "mutation($e: String!) { requestPasswordReset(email: $e) }"


def test_production_mode_runs_locally_with_its_stand_ins(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.serve_prod"],
        env=_env(data_dir, PORT=str(port)),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    try:
        _wait_until_up(base, process)
        # Production: no IDE, no introspection.
        introspection = _graphql(base, "{ __schema { types { name } } }")
        assert introspection.get("data") is None, introspection
        variables = {"email": "ada@example.com", "password": "correct horse 1", "pseudo": "ada"}
        token = _graphql(base, SIGNUP, variables)["data"]["signup"]["token"]

        # R2 is the moto server: the upload goes there and is read back from there.
        ticket = _graphql(base, CREATE_UPLOAD, token=token)["data"]["createUpload"]
        assert not ticket["upload_url"].startswith(base)
        put = urllib.request.Request(  # noqa: S310 - the local stand-in
            ticket["upload_url"],
            data=b"\x89PNG",
            method=ticket["method"],
            headers={h["name"]: h["value"] for h in ticket["headers"]},
        )
        with urllib.request.urlopen(put, timeout=10) as response:  # noqa: S310
            assert response.status == 200

        # Mail goes to the SMTP stand-in, which keeps it under DATA_DIR/outbox-prod: the
        # sign-up's address verification, then the reset.
        assert _graphql(base, RESET, {"e": "ada@example.com"})["data"]["requestPasswordReset"]
        outbox = data_dir / "outbox-prod"
        deadline = time.monotonic() + 20
        while len(list(outbox.glob("*.eml"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        mails = [
            message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in outbox.glob("*.eml")
        ]
        assert len(mails) == 2
        assert {message["To"] for message in mails} == {"ada@example.com"}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        log.close()
    assert process.returncode == 128 + signal.SIGTERM, (tmp_path / "serve.log").read_text()
    assert not (data_dir / "db.url").exists()  # the embedded database was stopped
