"""Reading the deployment files as Docker, Fly and uv read them (for tests/test_deploy*.py).

No Docker engine runs where the tests run, so the Dockerfile is parsed here: enough of
its syntax (continuations, comments, global ARGs, stages, exec-form JSON) to check what
the image will hold and run.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import parse_wheel_filename

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for key, args in self.instructions if key == keyword]

    def last(self, keyword: str) -> str:
        found = self.all(keyword)
        assert found, f"no {keyword} in stage {self.name or self.base}"
        return found[-1]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for args in self.all("ENV"):
            for pair in shlex.split(args):
                key, sep, value = pair.partition("=")
                assert sep, f"ENV {args!r}: use the KEY=value form"
                values[key] = value
        return values

    def exec_form(self, keyword: str) -> list[str]:
        value = json.loads(self.last(keyword))
        assert isinstance(value, list), f"{keyword} must use the exec (JSON) form"
        return [str(part) for part in value]

    def copied_sources(self) -> list[str]:
        """What COPY brings in from the build context (not from other stages)."""
        sources: list[str] = []
        for args in self.all("COPY"):
            parts = shlex.split(args)
            if any(part.startswith("--from") for part in parts):
                continue
            sources += [p for p in parts[:-1] if not p.startswith("--")]
        return sources


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # comments may sit between continued lines too
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    return lines


def parse_dockerfile(path: Path = ROOT / "Dockerfile") -> list[Stage]:
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in _logical_lines(path.read_text()):
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        if keyword == "ARG" and not stages:
            arg, _, default = args.partition("=")
            global_args[arg] = default
        elif keyword == "FROM":
            base = re.sub(r"\$\{(\w+)\}", lambda m: global_args[m.group(1)], args)
            parts = re.split(r"\s+as\s+", base, flags=re.IGNORECASE)
            stages.append(Stage(parts[0], parts[1] if len(parts) > 1 else None))
        else:
            assert stages, f"{keyword} before the first FROM"
            stages[-1].instructions.append((keyword, args))
    return stages


def fly_config() -> dict[str, Any]:
    return tomllib.loads((ROOT / "fly.toml").read_text())


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether the build context leaves `relative` out (the patterns used in this repo)."""
    parts = Path(relative).parts
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        candidates = [relative] if bare == pattern else list(parts)
        candidates += ["/".join(parts[: n + 1]) for n in range(len(parts))]
        if any(fnmatch.fnmatch(candidate, bare) for candidate in candidates):
            return True
    return False


def build_context_copy(sources: list[str], destination: Path) -> None:
    """Copy what the image's COPY instructions take, as the build context offers it."""
    patterns = dockerignore_patterns()
    for source in sources:
        base = ROOT / source.rstrip("/")
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in files:
            relative = path.relative_to(ROOT).as_posix()
            if ignored(relative, patterns):
                continue
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


# --- uv.lock: what `uv sync --no-default-groups` installs --------------------------

# python:3.13-slim on x86-64 (Fly's machines): CPython 3.13, glibc >= 2.36.
_LINUX = {
    "python_version": "3.13",
    "python_full_version": "3.13.0",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
}
_PLATFORMS = [f"manylinux_2_{minor}_x86_64" for minor in range(36, 4, -1)] + [
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
]


def linux_tags(minor: tuple[int, int]) -> frozenset[Tag]:
    """The wheel tags CPython `minor` accepts on x86-64 Linux (glibc >= 2.36)."""
    interpreter = f"cp{minor[0]}{minor[1]}"
    return frozenset(
        [
            *cpython_tags(minor, platforms=_PLATFORMS),
            *compatible_tags(minor, interpreter, platforms=_PLATFORMS),
        ]
    )


def linux_environment(minor: tuple[int, int]) -> dict[str, str]:
    """Marker values of CPython `minor` on x86-64 Linux."""
    version = f"{minor[0]}.{minor[1]}"
    return {**_LINUX, "python_version": version, "python_full_version": f"{version}.0"}


IMAGE_TAGS: frozenset[Tag] = linux_tags((3, 13))


def _applies(entry: dict[str, Any]) -> bool:
    marker = entry.get("marker")
    return marker is None or Marker(marker).evaluate(_LINUX)


def production_packages() -> dict[str, dict[str, Any]]:
    """The locked packages the project's main dependencies pull in on the image's platform."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    by_name: dict[str, list[dict[str, Any]]] = {}
    for package in lock["package"]:
        by_name.setdefault(package["name"], []).append(package)
    project = next(p for p in lock["package"] if p.get("source", {}).get("virtual") == ".")
    found: dict[str, dict[str, Any]] = {}
    queue = [(dep, set(dep.get("extra", []))) for dep in project["dependencies"]]
    while queue:
        dep, extras = queue.pop()
        if not _applies(dep):
            continue
        candidates = by_name[dep["name"]]
        if "version" in dep:  # the lock names the version when it holds several
            candidates = [c for c in candidates if c["version"] == dep["version"]]
        assert len(candidates) == 1, f"ambiguous lock entry for {dep}"
        package = candidates[0]
        key = package["name"]
        if key not in found:
            found[key] = package
            queue += [(d, set(d.get("extra", []))) for d in package.get("dependencies", [])]
        for extra in extras:
            for d in package.get("optional-dependencies", {}).get(extra, []):
                queue.append((d, set(d.get("extra", []))))
    return found


def installs_from_a_wheel(package: dict[str, Any]) -> bool:
    for wheel in package.get("wheels", []):
        filename = wheel["url"].rsplit("/", 1)[-1]
        if IMAGE_TAGS & set(parse_wheel_filename(filename)[3]):
            return True
    return False
