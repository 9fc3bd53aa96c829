"""The operator's production commands, run from the image (`fly console -C ...`): the
moderator grant and a read-only inspection shell. Each runs as Fly runs it, `python -m
api.<command>` in a fresh process configured by the environment only."""

from __future__ import annotations

from pathlib import Path

from api.settings import Settings
from tests.api.test_deploy import runtime
from tests.support.client import Api, code_of
from tests.support.deploy_files import ROOT
from tests.support.safety import STATS
from tests.tools.test_operator_commands import run_command

UNREACHABLE = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500"


def _env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return {
        "MONGODB_URL": str(settings.mongodb_url),
        "MONGODB_DB": settings.mongodb_db,
        "DATA_DIR": str(tmp_path),
    }


def test_the_commands_are_modules_of_the_image() -> None:
    readme = (ROOT / "README.md").read_text()
    for module in ("api.moderator", "api.inspection"):
        assert (ROOT / Path(*module.split("."))).with_suffix(".py").is_file()
        assert "api/" in runtime().copied_sources()
        # The production recipe runs them in the image.
        assert f'fly console -C "python -m {module}' in readme


async def test_the_operator_grants_and_revokes_the_role_from_the_image(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    climber = await api.signup()
    env = _env(settings, tmp_path)
    assert code_of(await api.error(STATS, {}, climber.token)) == "FORBIDDEN"

    granted = run_command("api.moderator", env, tmp_path, args=[climber.email.upper()])
    assert granted.returncode == 0, granted.stderr
    assert f"{climber.pseudo} ({climber.email}) is now a moderator." in granted.stdout
    assert (await api.data(STATS, {}, climber.token))["moderationStats"]["open_cases"] == 0

    revoked = run_command("api.moderator", env, tmp_path, args=[climber.email, "--revoke"])
    assert revoked.returncode == 0, revoked.stderr
    assert "is no longer a moderator" in revoked.stdout
    assert code_of(await api.error(STATS, {}, climber.token)) == "FORBIDDEN"

    unknown = run_command("api.moderator", env, tmp_path, args=["nobody@example.com"])
    assert unknown.returncode == 1
    assert "no account has the email 'nobody@example.com'" in unknown.stderr


async def test_the_inspection_shell_reads_and_never_writes(
    api: Api, settings: Settings, tmp_path: Path, db: object
) -> None:
    climber = await api.signup()
    script = "\n".join(
        [
            "print('users', await db.users.count_documents({}))",
            "print('pseudo', (await db['users'].find_one({}))['pseudo'])",
            "print('listed', await db.users.find({}, {'pseudo': 1}).to_list())",
            "print('names', 'users' in await db.list_collection_names())",
            "await db.users.insert_one({'pseudo': 'intruder'})",
            "await db.users.delete_many({})",
            "await db.users.aggregate([{'$match': {}}, {'$out': 'copied'}])",
            "await client.drop_database('x')",
            "print(settings.jwt_secret)",
            "UserDocument",
            "print('still here')",
            "",
        ]
    )
    done = run_command("api.inspection", _env(settings, tmp_path), tmp_path, stdin=script)
    assert done.returncode == 0, done.stderr
    assert "read-only by this shell only" in done.stderr
    assert "users 1" in done.stdout
    assert f"pseudo {climber.pseudo}" in done.stdout
    assert "names True" in done.stdout
    assert f"'pseudo': '{climber.pseudo}'" in done.stdout.split("listed", 1)[1]
    assert "'ReadOnlyCollection' object has no attribute 'insert_one'" in done.stderr
    assert "'ReadOnlyCollection' object has no attribute 'delete_many'" in done.stderr
    assert "PermissionError: the inspection shell does not write ($out)" in done.stderr
    assert "NameError: name 'client' is not defined" in done.stderr
    assert "NameError: name 'settings' is not defined" in done.stderr
    assert "NameError: name 'UserDocument' is not defined" in done.stderr
    assert "still here" in done.stdout
    # Nothing changed.
    assert await db.users.count_documents({}) == 1  # type: ignore[attr-defined]
    assert "copied" not in await db.list_collection_names()  # type: ignore[attr-defined]


async def test_the_inspection_shell_uses_the_read_only_user_when_given(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    await api.signup()
    # MONGODB_URL unreachable: an answer can only come through MONGODB_INSPECT_URL.
    env = {
        **_env(settings, tmp_path),
        "MONGODB_URL": UNREACHABLE,
        "MONGODB_INSPECT_URL": str(settings.mongodb_url),
    }
    done = run_command(
        "api.inspection",
        env,
        tmp_path,
        stdin="print('users', await db.users.count_documents({}))\n",
    )
    assert done.returncode == 0, done.stderr
    assert "read-only by the database user (MONGODB_INSPECT_URL)" in done.stderr
    assert "users 1" in done.stdout
