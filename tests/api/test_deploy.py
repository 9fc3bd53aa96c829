"""The Dockerfile, fly.toml, docker-compose.yml and uv.lock agree with each other and
with the app: what `fly deploy` builds is what the tests run."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]  # no stubs installed; a test reads a dict
from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import parse_wheel_filename
from starlette.routing import Route

from api.__main__ import GRACEFUL_SHUTDOWN_SECONDS
from api.app import create_app
from api.settings import Settings
from tests.support.deploy_files import (
    ROOT,
    Stage,
    dockerignore_patterns,
    fly_config,
    ignored,
    installs_from_a_wheel,
    linux_environment,
    linux_tags,
    parse_dockerfile,
    production_packages,
)

SECRETS = {"MONGODB_URL", "JWT_SECRET", "R2_ACCESS_KEY", "R2_SECRET_KEY", "SMTP_URL"}


def runtime() -> Stage:
    return parse_dockerfile()[-1]


def test_the_image_and_fly_agree_on_the_port() -> None:
    fly = fly_config()
    image = runtime()
    assert image.last("EXPOSE") == "8080"
    assert image.env()["PORT"] == "8080"
    assert image.env()["HOST"] == "0.0.0.0"  # noqa: S104 - reachable by Fly's proxy
    assert fly["http_service"]["internal_port"] == 8080
    assert fly["env"]["PORT"] == "8080"
    assert fly["env"]["HOST"] == "0.0.0.0"  # noqa: S104


def test_the_image_runs_the_api_in_production_as_a_non_root_user() -> None:
    image = runtime()
    assert image.env()["APP_ENV"] == "production"
    assert fly_config()["env"]["APP_ENV"] == "production"
    user = image.last("USER")
    assert user.split(":")[0] not in {"root", "0"}
    # Every RUN comes before USER: nothing is installed as the service's user.
    keywords = [key for key, _ in image.instructions]
    assert keywords.index("USER") > max(i for i, key in enumerate(keywords) if key == "RUN")
    assert image.exec_form("CMD") == ["python", "-m", "api"]


def test_shutdown_is_graceful_and_fly_waits_for_it() -> None:
    fly = fly_config()
    assert runtime().last("STOPSIGNAL") == "SIGTERM" == fly["kill_signal"]
    assert fly["kill_timeout"] > GRACEFUL_SHUTDOWN_SECONDS


def test_the_health_check_hits_a_route_of_the_app(tmp_path: Path) -> None:
    [check] = fly_config()["http_service"]["checks"]
    assert check["method"] == "GET"
    # Behind force_https, Fly's checks must claim HTTPS or be redirected (and fail).
    assert fly_config()["http_service"]["force_https"] is True
    assert check["headers"] == {"X-Forwarded-Proto": "https"}
    app = create_app(Settings(_env_file=None, data_dir=tmp_path, jwt_secret="x" * 40))
    routes = {r.path: r.methods for r in app.routes if isinstance(r, Route)}
    assert "GET" in (routes.get(check["path"]) or set())
    assert check["path"] == "/healthz"
    # The image's own HEALTHCHECK (docker compose uses it) asks the same path.
    assert f"{check['path']}' % os.environ.get('PORT'" in runtime().last("HEALTHCHECK")


def test_fly_env_holds_only_known_non_secret_settings() -> None:
    env = fly_config()["env"]
    fields = {name.upper() for name in Settings.model_fields}
    assert set(env) <= fields, f"not settings: {set(env) - fields}"
    assert not set(env) & SECRETS
    assert not any(name.startswith("R2_") for name in env)
    assert env["CLIENT_IP_HEADER"] == "Fly-Client-IP"


def _megabytes(size: str) -> int:
    match = re.fullmatch(r"(\d+)\s*(mb|gb)", size.strip().lower())
    assert match, size
    return int(match.group(1)) * (1024 if match.group(2) == "gb" else 1)


def measured_peaks_mb() -> list[int]:
    """Every peak RSS the benchmark recorded (bench/RESULTS.md, `make bench`)."""
    text = (ROOT / "bench" / "RESULTS.md").read_text()
    return [int(mb) for mb in re.findall(r"peak RSS ≤ \d+ MB under load: (\d+) MB", text)]


def test_one_machine_always_running_so_deploys_check_it_and_work_never_sleeps() -> None:
    service = fly_config()["http_service"]
    # A suspended or stopped machine is neither started nor checked by a deploy (flyctl
    # issue 4707), and background work (erasures, sweeps) sleeps with it.
    assert service["min_machines_running"] >= 1
    assert service["auto_stop_machines"] in {"off", False}
    assert service["auto_start_machines"] is True
    # One machine, as the README says: Fly's first deploy makes two without --ha=false.
    readme = (ROOT / "README.md").read_text()
    deploys = re.findall(r"^fly deploy\b.*$", readme, re.M)
    assert deploys
    assert all("--ha=false" in line for line in deploys), deploys


def test_the_vm_fits_the_measured_peak_with_headroom() -> None:
    [vm] = fly_config()["vm"]
    assert vm["size"] == "shared-cpu-1x"
    peaks = measured_peaks_mb()
    assert peaks, "bench/RESULTS.md records no peak RSS"
    assert _megabytes(vm["memory"]) >= 3 * max(peaks)
    # Swap would turn a suspend into a stop, and hide a machine that does not fit.
    assert "swap_size_mb" not in fly_config()
    # The README states the memory and what the CPU quota means for logins.
    readme = (ROOT / "README.md").read_text()
    assert f'memory = "{vm["memory"]}"' in readme
    assert "login per second sustained" in readme


def test_the_release_command_is_a_module_of_the_image() -> None:
    command = shlex.split(fly_config()["deploy"]["release_command"])
    assert command[:2] == ["python", "-m"]
    package = command[2].split(".")[0]
    assert f"{package}/" in runtime().copied_sources()
    assert (ROOT / Path(*command[2].split("."))).with_suffix(".py").is_file()


def test_the_build_installs_the_lock_without_dev_or_embedded_groups() -> None:
    stages = parse_dockerfile()
    build = next(stage for stage in stages if stage.name == "build")
    assert build.base == runtime().base == "python:3.13-slim"  # same Python path in both
    [sync] = [run for run in build.all("RUN") if "uv sync" in run]
    for flag in ("--frozen", "--no-default-groups", "--no-dev", "--no-build"):
        assert flag in sync.split()
    assert build.env()["UV_COMPILE_BYTECODE"] == "1"
    makefile_uv = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert makefile_uv is not None
    assert stages[0].base == f"ghcr.io/astral-sh/uv:{makefile_uv.group(1)}"
    # The runtime stage takes the venv and the code, never the build tools.
    assert not any("uv" in run.split() for run in runtime().all("RUN"))


def test_the_locked_production_dependencies_are_wheels_without_gpl_or_dev_tools() -> None:
    packages = production_packages()
    assert {"strawberry-graphql", "beanie", "pymongo", "uvicorn", "uvloop"} <= set(packages)
    for excluded in ("secantusdb", "pytest", "ruff", "mypy", "moto", "httpx"):
        assert excluded not in packages
    # --no-build: each one must have a wheel for CPython 3.13 on x86-64 Linux.
    assert [name for name, package in packages.items() if not installs_from_a_wheel(package)] == []


def test_the_build_context_leaves_local_state_out_and_keeps_what_the_build_uses() -> None:
    patterns = dockerignore_patterns()
    for private in (".env", "data/db/WiredTiger", ".venv/bin/python", ".git/config", "tests/x"):
        assert ignored(private, patterns), private
    used = [*runtime().copied_sources(), "pyproject.toml", "uv.lock", "Dockerfile"]
    for path in used:
        assert not ignored(path.rstrip("/"), patterns), path


def test_compose_runs_the_image_against_a_real_mongodb() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    api, mongo = compose["services"]["api"], compose["services"]["mongo"]
    assert api["build"] == "."
    assert mongo["image"] == "mongo:8"
    assert any(volume.endswith(":/data/db") for volume in mongo["volumes"])
    env = api["environment"]
    assert env["MONGODB_URL"].startswith("mongodb://mongo:27017")
    # Missing JWT_SECRET stops `docker compose up` with a message, not a weak default.
    assert env["JWT_SECRET"].startswith("${JWT_SECRET:?")
    # Development mode: local uploads instead of R2 (production refuses local storage).
    assert env["APP_ENV"] == "development"
    assert "8080:8080" in api["ports"]
    assert any(volume.endswith(":/app/data") for volume in api["volumes"])


def test_fly_scrapes_the_metrics_port_which_is_not_public() -> None:
    fly = fly_config()
    port = int(fly["env"]["METRICS_PORT"])
    assert fly["metrics"] == {"port": port, "path": "/metrics"}
    assert port != fly["http_service"]["internal_port"]
    assert Settings(_env_file=None, port=8080, metrics_port=port).metrics_port == port


def test_deploys_are_blue_green_behind_the_health_check() -> None:
    fly = fly_config()
    assert fly["deploy"]["strategy"] == "bluegreen"
    # Fly refuses a blue-green deploy without a health check to switch on.
    assert fly["http_service"]["checks"]


def test_the_console_command_is_a_module_of_the_image() -> None:
    command = shlex.split(fly_config()["console_command"])
    assert command == ["python", "-m", "api.console"]
    assert "api/" in runtime().copied_sources()
    assert (ROOT / "api" / "console.py").is_file()


# --- The interpreters CI tests: the lowest supported and the image's ------------------

LOWEST, IMAGE = (3, 11), (3, 13)


def test_ci_tests_the_image_python_minor_and_the_lowest_supported() -> None:
    image = re.fullmatch(r"python:(\d+)\.(\d+)-slim", runtime().base)
    assert image is not None, runtime().base
    assert (int(image[1]), int(image[2])) == IMAGE
    python = f"python{IMAGE[0]}.{IMAGE[1]}"
    # The trixie root holds that Python (.ci/trixie), and make test-313 runs the suite on it.
    packages = re.search(r'^PACKAGES="([^"]+)"$', (ROOT / ".ci" / "trixie").read_text(), re.M)
    assert packages is not None
    assert python in packages[1].split(",")
    rule = re.search(r"^test-313:.*?(?=^\S|\Z)", (ROOT / "Makefile").read_text(), re.M | re.S)
    assert rule is not None
    assert f"PYTHON={python}" in rule[0]
    assert "make test-313" in (ROOT / ".ci" / "run").read_text()
    # The project admits both, and the lock was resolved for the same range.
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    assert SpecifierSet(lock["requires-python"]) == SpecifierSet(requires)
    for minor in (LOWEST, IMAGE):
        assert f"{minor[0]}.{minor[1]}.0" in SpecifierSet(requires)
    assert f"{LOWEST[0]}.{LOWEST[1] - 1}.99" not in SpecifierSet(requires)


@pytest.mark.parametrize("minor", [LOWEST, IMAGE], ids=["3.11", "3.13"])
def test_every_locked_package_installs_from_a_wheel_on(minor: tuple[int, int]) -> None:
    # Dev and embedded groups too (the suite runs on both): nothing to compile on either.
    tags, environment = linux_tags(minor), linux_environment(minor)
    missing = []
    for package in tomllib.loads((ROOT / "uv.lock").read_text())["package"]:
        forks = package.get("resolution-markers")
        if forks and not any(Marker(fork).evaluate(environment) for fork in forks):
            continue  # another version of it is locked for this Python
        if package.get("source", {}).get("virtual") == ".":
            continue  # the project itself
        names = [wheel["url"].rsplit("/", 1)[-1] for wheel in package.get("wheels", [])]
        if names and not any("linux" in name or "-none-any" in name for name in names):
            continue  # a package of another platform (pywin32)
        if not any(tags & parse_wheel_filename(name)[3] for name in names):
            missing.append(f"{package['name']} {package['version']}")
    assert missing == []
