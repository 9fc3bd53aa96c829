"""Every field of text people read, how the app sets it, and generated text for it:
ordinary French climbing text, and the classes of characters the text rule refuses."""

from __future__ import annotations

import datetime as dt
import itertools
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from tests.support.client import Account, Api, upload_media
from tests.support.logbook import CREATE_CROIX, CREATE_GYM, CREATE_SESSION, croix_vars
from tests.support.videos import POST_VIDEO, video_vars

unique = itertools.count()

UPDATE_BIO = "mutation Bio($bio: String) { updateProfile(bio: $bio) { bio } }"


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


# Each sender sets the field to `text` and returns (response body, path to the stored value).
Sender = Callable[[Api, Account, str, bool], Awaitable[dict[str, Any]]]


async def _bio(api: Api, account: Account, text: str, _media: bool) -> dict[str, Any]:
    return await api.execute(UPDATE_BIO, {"bio": text}, account.token)


async def _caption(api: Api, account: Account, text: str, media: bool) -> dict[str, Any]:
    # The caption is checked before the video URL: a refusal needs no upload.
    url = await upload_media(api, account, "VIDEO") if media else "https://nowhere.invalid/v.mp4"
    return await api.execute(POST_VIDEO, video_vars(url, caption=text), account.token)


async def _gym_name(api: Api, account: Account, text: str, _media: bool) -> dict[str, Any]:
    return await api.execute(CREATE_GYM, {"name": text}, account.token)


async def _location(api: Api, account: Account, text: str, _media: bool) -> dict[str, Any]:
    name = f"Salle {next(unique)}"
    return await api.execute(CREATE_GYM, {"name": name, "location": text}, account.token)


async def _session_notes(api: Api, account: Account, text: str, _media: bool) -> dict[str, Any]:
    return await api.execute(CREATE_SESSION, {"date": _today(), "notes": text}, account.token)


async def _croix_notes(api: Api, account: Account, text: str, media: bool) -> dict[str, Any]:
    url = await upload_media(api, account, "PHOTO") if media else "https://nowhere.invalid/p.jpg"
    return await api.execute(CREATE_CROIX, croix_vars(url, notes=text), account.token)


async def _comment(api: Api, account: Account, text: str, _media: bool) -> dict[str, Any]:
    from tests.support.comments import COMMENT
    from tests.support.videos import post_video

    videos: dict[str, str] = api.__dict__.setdefault("_commented_videos", {})
    if account.id not in videos:
        videos[account.id] = (await post_video(api, account))["id"]
    return await api.execute(COMMENT, {"video": videos[account.id], "text": text}, account.token)


@dataclass(frozen=True)
class TextField:
    label: str
    field: str  # as named in the error's extensions.field
    multiline: bool
    required: bool
    send: Sender
    stored_at: tuple[str, str]  # (mutation, field) in the response data

    def stored(self, body: dict[str, Any]) -> Any:
        mutation, name = self.stored_at
        return body["data"][mutation][name]

    def __str__(self) -> str:
        return self.label


TEXT_FIELDS = [
    TextField("bio", "bio", True, False, _bio, ("updateProfile", "bio")),
    TextField("caption", "caption", True, False, _caption, ("postVideo", "caption")),
    TextField("gym name", "name", False, True, _gym_name, ("createGym", "name")),
    TextField("gym location", "location", False, False, _location, ("createGym", "location")),
    TextField("session notes", "notes", True, False, _session_notes, ("createSession", "notes")),
    TextField("croix notes", "notes", True, False, _croix_notes, ("createCroix", "notes")),
    TextField("comment", "text", True, True, _comment, ("commentVideo", "text")),
]

# --- generated text -------------------------------------------------------------------------

_WORDS = [
    "Bloc", "dévers", "réglette", "à", "côté", "Fontainebleau", "Cuvier", "Rempart",
    "traversée", "arête", "l'été", "très", "dalle", "croix", "6A+", "Île-de-France",
    "Élodie", "Ça", "passe", "œuvre", "talon", "pince", "«", "»", "!", "?", "—", "n°3",
    "🧗", "🇫🇷", "👨\u200d👩\u200d👧", "Ω", "😅",
]  # fmt: skip
_SINGLE_GAPS = [" ", "  ", "\u00a0", " \u202f"]
_MULTI_GAPS = [*_SINGLE_GAPS, "\n", "\r\n", "\n\n", "\t"]


@st.composite
def french_text(draw: st.DrawFn, *, multiline: bool, max_words: int = 8) -> str:
    """Climbers' text, sometimes typed decomposed (NFD), as some keyboards send it."""
    words = draw(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=max_words))
    gaps = _MULTI_GAPS if multiline else _SINGLE_GAPS
    text = words[0]
    for word in words[1:]:
        text += draw(st.sampled_from(gaps)) + word
    text = draw(st.sampled_from(["", " ", "\u00a0"])) + text + draw(st.sampled_from(["", " "]))
    return unicodedata.normalize("NFD", text) if draw(st.booleans()) else text


def expected_text(text: str, *, multiline: bool) -> str:
    """What the API stores for accepted text: NFC, trimmed; one-line text single-spaced."""
    nfc = unicodedata.normalize("NFC", text)
    if multiline:
        return nfc.replace("\r\n", "\n").strip()
    return " ".join(nfc.split())


_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BLANK_LETTERS = "\u115f\u1160\u3164\uffa0\u2800"
# The classes the rule refuses, by name: (characters, refused in multi-line fields too).
FORBIDDEN: dict[str, tuple[st.SearchStrategy[str], bool]] = {
    "control": (st.characters(categories=["Cc"], exclude_characters="\n\t\r\x85"), True),
    "format": (st.characters(categories=["Cf"], exclude_characters="\u200c\u200d"), True),
    "bidi": (st.sampled_from(_BIDI), True),
    "zero-width": (st.sampled_from("\u200b\ufeff\u2060\u180e\u00ad"), True),
    "blank letter": (st.sampled_from(_BLANK_LETTERS), True),
    "line break": (st.sampled_from("\n\r\t\u2028\u2029\x85"), False),
    "private use": (st.characters(categories=["Co"]), True),
    "unassigned": (
        st.characters(categories=["Cn"]).filter(lambda c: not "\U0001f000" <= c <= "\U0001faff"),
        True,
    ),
    # More than four combining marks in a row: one base character buried under them.
    "mark pile": (st.text(st.characters(categories=["Mn", "Me"]), min_size=5, max_size=40), True),
}


@st.composite
def with_inserted(
    draw: st.DrawFn,
    base: st.SearchStrategy[str],
    char: st.SearchStrategy[str],
    *,
    interior: bool = False,
) -> str:
    """`base` with one character of `char` inserted anywhere (inside only, if `interior`)."""
    text = draw(base)
    at = draw(st.integers(min_value=int(interior), max_value=len(text) - int(interior)))
    return text[:at] + draw(char) + text[at:]
