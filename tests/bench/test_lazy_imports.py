"""What is needed only on first use is imported then, not at start (issue 28's cold
start): the production process, once its app is built, has loaded no SMTP client, no
S3 SDK, no Sentry, no media library and no push client. A top-level import added to
any module on the start path would put one back, silently, and cost every start."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.servers import REPO

FIRST_USE_ONLY = (
    "aiosmtplib",  # kit.mail: the first mail
    "aioboto3", "aiobotocore", "boto3", "botocore",  # storage.r2: the first call on R2
    "sentry_sdk",  # api.error_tracking: only with SENTRY_DSN
    "av", "PIL",  # kit.video_probe (in the media worker's child), kit.images
    "aiohttp",  # kit.fcm: the first push
)  # fmt: skip

_BUILD = """
import json, sys, tempfile
import api.__main__
from api.app import create_app
from bench.inprocess import production_settings
with tempfile.TemporaryDirectory() as data_dir:
    create_app(production_settings("mongodb://127.0.0.1:9/?connect=false", "lazy", data_dir))
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_production_app_starts_without_what_only_first_use_needs() -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", _BUILD], cwd=REPO, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert {"api", "storage", "strawberry", "pymongo"} <= loaded  # it did build the app
    assert loaded.isdisjoint(FIRST_USE_ONLY), loaded & set(FIRST_USE_ONLY)
