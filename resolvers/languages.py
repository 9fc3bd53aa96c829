"""The language of the mails a request asks for: its `Accept-Language`, English else."""

from __future__ import annotations

SUPPORTED_LANGUAGES = ("en", "fr")


def preferred_language(header: str | None) -> str:
    """The supported language the `Accept-Language` header ranks first; English else."""
    best, best_weight = "en", 0.0
    for item in (header or "")[:500].split(","):
        tag, _, params = item.strip().partition(";")
        language = tag.strip().lower().partition("-")[0]
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                continue
        if language in SUPPORTED_LANGUAGES and weight > best_weight:
            best, best_weight = language, weight
    return best
