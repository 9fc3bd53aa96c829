"""The text rule on any text at all: what it keeps is clean, and it keeps it as typed."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.text import (
    MARKS_PER_BASE,
    client_id,
    email_address,
    line,
    optional_line,
    search_text,
    text_block,
)
from workflows.errors import InvalidInput

_REFUSED = {"Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn"}


def _longest_mark_run(text: str) -> int:
    longest = run = 0
    for char in unicodedata.normalize("NFD", text):
        run = run + 1 if unicodedata.category(char).startswith("M") else 0
        longest = max(longest, run)
    return longest


def _clean(text: str, *, multiline: bool) -> bool:
    allowed = {"\n", "\t"} if multiline else set()
    for index, char in enumerate(text):
        if char in allowed:
            continue
        if char in "\u200c\u200d" and 0 < index < len(text) - 1:
            continue
        if unicodedata.category(char) in _REFUSED and not "\U0001f000" <= char <= "\U0001faff":
            return False
    return True


def _kept(rule: Callable[[str, str, int], str | None], raw: str, field: str) -> str | None:
    """What the rule keeps of `raw`; None when it refuses it (naming the field) or it is blank."""
    try:
        return rule(raw, field, 100)
    except InvalidInput as error:
        if error.field != field:
            raise
        return None


@given(st.text(max_size=40))
def test_a_kept_line_is_nfc_clean_trimmed_and_stable(raw: str) -> None:
    kept = _kept(optional_line, raw, "name")
    if kept is None:
        return
    assert unicodedata.is_normalized("NFC", kept)
    assert _clean(kept, multiline=False)
    assert kept == kept.strip()
    assert "  " not in kept
    assert optional_line(kept, "name", 100) == kept
    assert _longest_mark_run(kept) <= MARKS_PER_BASE


@given(st.text(max_size=40))
def test_a_kept_block_is_nfc_clean_trimmed_and_stable(raw: str) -> None:
    kept = _kept(text_block, raw, "notes")
    if kept is None:
        return
    assert unicodedata.is_normalized("NFC", kept)
    assert _clean(kept, multiline=True)
    assert "\r" not in kept
    assert kept == kept.strip()
    assert text_block(kept, "notes", 100) == kept
    assert _longest_mark_run(kept) <= MARKS_PER_BASE


def test_decomposed_accents_are_stored_composed() -> None:
    assert line("Arke\u0301ose", "name", 100) == "Arkéose"
    assert text_block("re\u0301glette\r\nde\u0301vers", "notes", 100) == "réglette\ndévers"


@pytest.mark.parametrize(
    "raw",
    [
        "\u200b",
        "Ark\u200bose",
        "\u202eesokrA",
        "Arkose\u2066",
        "a\x00b",
        "\u3164\u3164",
        "\u200dab",
    ],
)
def test_invisible_and_direction_characters_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        line(raw, "name", 100)
    with pytest.raises(InvalidInput):
        text_block(raw, "notes", 100)


def test_joiners_inside_emoji_and_words_are_kept() -> None:
    family = "👨\u200d👩\u200d👧"
    assert line(f"La {family}", "name", 100) == f"La {family}"


def test_blank_is_none_when_optional_and_refused_when_required() -> None:
    assert optional_line(" \u00a0 ", "location", 10) is None
    assert text_block("\n\t ", "notes", 10) is None
    with pytest.raises(InvalidInput):
        line("   ", "name", 10)


def test_lengths_count_characters_after_normalizing() -> None:
    assert line("e\u0301" * 5, "name", 5) == "é" * 5
    with pytest.raises(InvalidInput):
        line("é" * 6, "name", 5)
    with pytest.raises(InvalidInput):
        line("é", "name", 5, min_length=2)


def test_searches_may_be_empty_but_not_invisible() -> None:
    assert search_text("  ", "query", 10) == ""
    with pytest.raises(InvalidInput):
        search_text("a\u200b", "query", 10)


@pytest.mark.parametrize(
    "raw", ["a@b.fr", "Élodie.B+bloc@Escalade.fr", "josé@exemple.fr", "x@sub.domain-1.climbing"]
)
def test_sane_emails_pass(raw: str) -> None:
    email, key = email_address(raw)
    assert key == email.casefold()


@pytest.mark.parametrize(
    "raw",
    ["a\x00@b.fr", "a\u200b@b.fr", "a b@b.fr", "a@b", "a@@b.fr", "a@b.fr\n@c.fr", ".a@b.fr",
     "a..b@c.fr", "a@-b.fr", "a@b.f", "a@b.123", "@b.fr", "a@", "a\u202e@b.fr", "x" * 65 + "@b.fr"],
)  # fmt: skip
def test_broken_emails_fail(raw: str) -> None:
    with pytest.raises(InvalidInput):
        email_address(raw)


@pytest.mark.parametrize("raw", ["abc\n", "abc\x00", "", "a" * 65, "a b", "é"])
def test_client_ids_are_matched_whole(raw: str) -> None:
    with pytest.raises(InvalidInput):
        client_id(raw)
    assert client_id("01HZX3-abc:def.1_2") == "01HZX3-abc:def.1_2"


_MARKS = st.characters(categories=["Mn", "Mc", "Me"])


@given(
    base=st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=5),
    marks=st.text(_MARKS, min_size=MARKS_PER_BASE + 1, max_size=60),
    after=st.text(st.characters(categories=["L", "N", "Zs"]), max_size=5),
)
def test_more_than_four_marks_on_one_character_are_refused(
    base: str, marks: str, after: str
) -> None:
    with pytest.raises(InvalidInput, match="accents"):
        line(base + marks + after, "name", 1000)
    with pytest.raises(InvalidInput, match="accents"):
        text_block(base + marks + after, "notes", 1000)


@given(base=st.characters(categories=["L"]), marks=st.text(_MARKS, max_size=MARKS_PER_BASE))
def test_up_to_four_marks_on_one_character_pass(base: str, marks: str) -> None:
    if _longest_mark_run(base + marks) > MARKS_PER_BASE:  # the letter decomposes to marks too
        return
    assert text_block(base + marks, "notes", 100) is not None


def test_one_letter_under_500_marks_is_refused_and_real_scripts_pass() -> None:
    with pytest.raises(InvalidInput):
        text_block("a" + "\u0301\u0302\u0303" * 167, "bio", 2000)
    for real in ("Nguyễn Thị Thủy", "क्षत्रिय", "བཀྲ་ཤིས་བདེ་ལེགས", "Ǹ̈ée", "1\ufe0f\u20e3"):
        assert line(real, "name", 100) == unicodedata.normalize("NFC", real)


@given(
    text=st.text(max_size=10),
    odd=st.characters(categories=["Co", "Cn"]).filter(
        lambda c: not "\U0001f000" <= c <= "\U0001faff"
    ),
)
def test_private_use_and_unassigned_code_points_are_refused(text: str, odd: str) -> None:
    with pytest.raises(InvalidInput):
        text_block(text + odd + text, "notes", 100)


def test_emoji_newer_than_this_python_are_kept() -> None:
    newest = "\U0001fae9"  # unassigned before Unicode 16 (a face with bags under the eyes)
    assert text_block(f"Projet bouclé {newest}", "notes", 100) == f"Projet bouclé {newest}"
