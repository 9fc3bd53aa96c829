"""What is running: the build (git commit, Fly image) and the trusted-documents mode.

Logged at start, exported as the `app_build_info` metric (a gauge of 1 whose labels say
it), and given to Sentry as the release, so an error, a graph and a log line each say
which release they come from.

- `GIT_SHA`: the commit the image was built from, a build argument of the Dockerfile
  (`fly deploy --build-arg GIT_SHA=$(git rev-parse HEAD)`).
- `FLY_IMAGE_REF`: the image a Fly machine runs, set by Fly on every machine
  (`registry.fly.io/<app>:deployment-<id>`).
"""

from __future__ import annotations

from dataclasses import dataclass

from api.settings import Settings

UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class BuildInfo:
    git_sha: str | None
    image_ref: str | None
    # "only" (TRUSTED_DOCUMENTS_ONLY: nothing else runs), "listed" (a manifest, other
    # documents still run), "off" (no manifest).
    trusted_documents: str

    @property
    def release(self) -> str | None:
        """The commit, else the image's tag (a deployment id), else None (unknown)."""
        if self.git_sha:
            return self.git_sha
        if self.image_ref:
            return self.image_ref.rsplit(":", 1)[-1] if ":" in self.image_ref else self.image_ref
        return None

    def labels(self) -> dict[str, str]:
        return {
            "release": self.release or UNKNOWN,
            "git_sha": self.git_sha or UNKNOWN,
            "image_ref": self.image_ref or UNKNOWN,
            "trusted_documents": self.trusted_documents,
        }

    def describe(self) -> str:
        return (
            f"release {self.release or UNKNOWN} (git {self.git_sha or UNKNOWN}, "
            f"image {self.image_ref or UNKNOWN}), trusted documents: {self.trusted_documents}"
        )


def build_info(settings: Settings) -> BuildInfo:
    if settings.trusted_documents_only:
        mode = "only"
    elif settings.persisted_queries_manifest is not None:
        mode = "listed"
    else:
        mode = "off"
    return BuildInfo(
        git_sha=(settings.git_sha or "").strip() or None,
        image_ref=(settings.fly_image_ref or "").strip() or None,
        trusted_documents=mode,
    )
