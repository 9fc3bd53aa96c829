"""The blocked-words filter: whole words after folding, and no false positives."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.blocked_words import SHIPPED_LIST, BlockedWords
from rules.errors import InvalidInput

SHIPPED = BlockedWords.from_file()
LISTED = [
    line.strip()
    for line in SHIPPED_LIST.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]

CLIMBING = [
    "crimp", "sloper", "jug", "pinch", "dyno", "heel hook", "toe hook", "gaston",
    "undercling", "mantle", "smear", "flag", "beta", "crux", "send", "flash", "onsight",
    "campus", "highball", "sit start", "top out", "compression", "kneebar", "deadpoint",
    "réglette", "bac", "pince", "arquée", "talon", "coincement", "dévers", "dalle", "jeté",
    "Fontainebleau", "Bleau", "Cul de Chien", "La Marie-Rose", "ça passe", "à vache",
    "6A+", "7a", "V4", "455 moves", "1st go", "3rd try at 4pm",
    "putain ça collait", "merde j'ai zippé", "shit beta",  # mild swearing is not listed
]  # fmt: skip
# Names that contain a listed word without being it.
SCUNTHORPE = [
    "Scunthorpe", "Penistone", "Shitterton", "Matsushita", "therapist", "analyst",
    "computer", "disputes", "réputé", "Dickson", "Hancock", "assassin", "classic",
    "cocktail", "spice", "Nigeria", "niggle", "kyste", "faggio", "sluttery-free", "Essex",
    "Sussex", "Arkose", "Vertical'Art", "Climb Up", "Block'Out", "Salle de pan",
]  # fmt: skip


@pytest.mark.parametrize("text", CLIMBING + SCUNTHORPE)
def test_ordinary_climbing_words_and_places_pass(text: str) -> None:
    assert not SHIPPED.found_in(text)
    assert not SHIPPED.found_in(f"Finally sent it at {text}! #bouldering")


def test_listed_words_are_caught_in_any_disguise() -> None:
    disguised = [
        "Fuck", "fuck!", "big_fuck3r", "ENCULÉ", "encule", "p\u200bute", "k1ll y0urs3lf",
        "kill   yourself", "\uff46\uff55\uff43\uff4b", "n1gg@", "$lut", "5lut", "c0nn@rd",
        "Fils-de-pute", "sale.arabe",
    ]  # fmt: skip
    for text in disguised:
        assert SHIPPED.found_in(text), text
    # Whole words only, the price of no false positives: letters spaced out pass.
    assert not SHIPPED.found_in("F U C K")


def _disguise(word: str, draw: st.DrawFn) -> str:
    """The word as someone hiding it might type it: case, accents, look-alikes."""
    look_alikes = {"o": "0", "i": "1", "l": "1", "e": "3", "a": "4@", "s": "5$", "t": "7"}
    out = []
    for char in word:
        choice = draw(st.sampled_from(("same", "upper", "look", "accent")))
        if choice == "upper":
            out.append(char.upper())
        elif choice == "look" and char in look_alikes:
            out.append(draw(st.sampled_from(look_alikes[char])))
        elif choice == "accent" and char.isalpha():
            out.append(unicodedata.normalize("NFC", char + "\u0301"))
        else:
            out.append(char)
    return "".join(out)


@st.composite
def hidden_in_text(draw: st.DrawFn) -> tuple[str, str]:
    word = draw(st.sampled_from(LISTED))
    words = [_disguise(part, draw) for part in word.split()]
    around = st.lists(st.sampled_from(CLIMBING), max_size=3)
    before, after = draw(around), draw(around)
    separator = draw(st.sampled_from((" ", " - ", ", ", "_", "... ", "\n")))
    return word, separator.join([*before, " ".join(words), *after])


@given(hidden_in_text())
def test_a_listed_word_is_found_however_it_is_disguised(case: tuple[str, str]) -> None:
    word, text = case
    assert SHIPPED.found_in(text), (word, text)


@given(st.lists(st.sampled_from(CLIMBING + SCUNTHORPE), min_size=1, max_size=8),
       st.sampled_from((" ", ", ", " / ", "\n", "_")))  # fmt: skip
def test_ordinary_text_is_never_refused(words: list[str], separator: str) -> None:
    assert not SHIPPED.found_in(separator.join(words))


def test_check_names_the_field_and_lets_nothing_through() -> None:
    SHIPPED.check(None, "bio")
    SHIPPED.check("Slab queen", "bio")
    with pytest.raises(InvalidInput) as refused:
        SHIPPED.check("sale connard", "bio")
    assert refused.value.field == "bio"


def test_a_replacement_list_replaces_the_shipped_one() -> None:
    words = BlockedWords.from_lines(["# house rules", "", "sloper", "Top Out"])
    assert len(words) == 2
    assert words.found_in("that SL0PER")
    assert words.found_in("top  out")
    assert not words.found_in("fuck")
    assert not words.found_in("top")
    assert len(BlockedWords.from_lines([])) == 0
