"""`make moderator EMAIL=... [REVOKE=1]`: the operator grants and takes back the role."""

from __future__ import annotations

import subprocess
from pathlib import Path

from api.settings import Settings
from tests.support.client import Api, code_of
from tests.support.deploy_files import ROOT
from tests.support.safety import STATS
from tests.tools.test_operator_commands import run_command


async def test_the_operator_grants_and_revokes_the_moderator_role(
    api: Api, settings: Settings, tmp_path: Path, db: object
) -> None:
    climber = await api.signup()
    env = {
        "MONGODB_URL": str(settings.mongodb_url),
        "MONGODB_DB": settings.mongodb_db,
        "DATA_DIR": str(tmp_path),
    }
    assert code_of(await api.error(STATS, {}, climber.token)) == "FORBIDDEN"

    granted = run_command("tools.moderator", env, tmp_path, args=[climber.email.upper()])
    assert granted.returncode == 0, granted.stderr
    assert f"{climber.pseudo} ({climber.email}) is now a moderator." in granted.stdout
    # On their next request, with the token they already had.
    assert (await api.data(STATS, {}, climber.token))["moderationStats"]["open_cases"] == 0

    revoked = run_command("tools.moderator", env, tmp_path, args=[climber.email, "--revoke"])
    assert revoked.returncode == 0, revoked.stderr
    assert "is no longer a moderator" in revoked.stdout
    assert code_of(await api.error(STATS, {}, climber.token)) == "FORBIDDEN"

    unknown = run_command("tools.moderator", env, tmp_path, args=["nobody@example.com"])
    assert unknown.returncode == 1
    assert "no account has the email 'nobody@example.com'" in unknown.stderr


def test_the_make_target_passes_email_and_revoke() -> None:
    def planned(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - make, with fixed arguments
            ["make", "-n", "-s", "moderator", *args],  # noqa: S607
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        return done.stdout + done.stderr

    assert 'python -m tools.moderator "ada@example.com"' in planned("EMAIL=ada@example.com")
    revoke = planned("EMAIL=ada@example.com", "REVOKE=1")
    assert 'python -m tools.moderator "ada@example.com" --revoke' in revoke
    assert "usage: make moderator EMAIL=" in planned()
