"""Text as the word filter reads it: clauses of words, each in the forms it is compared in.

rules.blocked_words says what the folds are for; this is how: `read_words(text)` gives
the clauses of `text`, each a list of `Word`s, plus the same clause read with the words
spelt with separators joined (the parts of "p.u.t.e", a run of single letters "f u c k").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from rules.confusables import to_latin

_LOOK_ALIKES = str.maketrans(
    {"0": "o", "1": "i", "l": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
# A clause ends at a line break, or at punctuation followed by a space or the end: "a, b"
# is two clauses, "sale.arabe" (a disguise, no space) one.
_CLAUSE_END = re.compile(r"[,;:.!?]+(?=\s|$)|[\n\r\u2028\u2029\x85]")
_TRIPLE = re.compile(r"(.)\1\1")
_REPEATS = re.compile(r"(.)\1+")
_SAME = re.compile(r"(.)\1*")
_SINGLES_JOINED = 2  # a run of at least this many one-letter words is read as one word
_STRAYS = 3  # one-letter words at either end of such a run that may belong elsewhere


@dataclass(frozen=True, slots=True)
class Word:
    folded: str  # look-alikes and case folded, accents dropped: what most entries compare
    accented: str  # the same with its accents (entries whose accents count)
    skeleton: str  # `folded` with every repeated letter once (a quick first look)
    stretched: bool  # a letter three times in a row: compared by `runs`
    written_as_a_name: bool  # plain letters, capital first ("Kike")
    runs: tuple[tuple[str, int], ...]  # `folded` as (letter, times in a row)
    accented_runs: tuple[tuple[str, int], ...]
    # The parts of its clause it was read from ([start, end) in the first reading).
    span: tuple[int, int] = (0, 1)


def word(raw: str, span: tuple[int, int] = (0, 1)) -> Word:
    return Word(*_forms(raw), span=span)


@functools.lru_cache(maxsize=4096)
def _forms(raw: str) -> tuple[str, str, str, bool, bool, tuple[tuple[str, int], ...],
                              tuple[tuple[str, int], ...]]:  # fmt: skip
    """A word's forms, in `Word`'s order (cached: texts repeat their words, and a clause
    is read several ways)."""
    latin = to_latin(raw)
    accented = unicodedata.normalize("NFC", latin).translate(_LOOK_ALIKES)
    folded = _bare(latin).translate(_LOOK_ALIKES)
    return (
        folded,
        accented,
        _REPEATS.sub(r"\1", folded),
        _TRIPLE.search(folded) is not None,
        raw.isascii() and raw.isalpha() and raw == raw.capitalize(),
        _runs(folded),
        _runs(accented),
    )


def _runs(text: str) -> tuple[tuple[str, int], ...]:
    return tuple((match.group(1), len(match.group(0))) for match in _SAME.finditer(text))


def stretched_to(word: tuple[tuple[str, int], ...], listed: tuple[tuple[str, int], ...]) -> bool:
    """Whether a word with letters typed three times or more is the listed word with
    those letters stretched: the same letters in the same order, each run as long as the
    listed one, or longer when three or more ("connnnard" is "connard", "Putteee" is
    not "pute": its double t is no stretch)."""
    return len(word) == len(listed) and all(
        letter == other and (times == count or (times >= 3 and count <= times))
        for (letter, times), (other, count) in zip(word, listed, strict=True)
    )


def _bare(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not _is_mark(c))


def _is_mark(char: str) -> bool:
    return unicodedata.category(char)[0] == "M"


def _in_a_word(char: str) -> bool:
    return char.isalnum() or char in "@$" or _is_mark(char)


def _parts(chunk: str) -> list[str]:
    """The words of a chunk of text without spaces: runs of letters, marks, digits, @, $."""
    parts, current = [], []
    for char in chunk:
        if _in_a_word(char):
            current.append(char)
        elif current:
            parts.append("".join(current))
            current = []
    if current:
        parts.append("".join(current))
    return parts


# One clause read several ways; the first reading is its parts, one word each.
Clause = list[list[Word]]
# A part or parts joined: (text, [start, end) of the parts it covers).
_Piece = tuple[str, tuple[int, int]]


def read_words(text: str) -> list[Clause]:
    """The clauses of `text`, each read as its words, then again with the words spelt
    with separators joined: the parts of each chunk ("p.u.t.e" as "pute"), runs of single
    letters ("f u c k" as "fuck"), and both ("s.a.l.e j u i f" as "sale juif")."""
    compatible = unicodedata.normalize("NFKC", text)
    visible = "".join(c for c in compatible if unicodedata.category(c) != "Cf")
    clauses: list[Clause] = []
    for clause in _CLAUSE_END.split(visible):
        # The underscore of a pseudo separates as a space does ("f.u.c.k_off").
        chunks = [parts for parts in map(_parts, clause.replace("_", " ").split()) if parts]
        if not chunks:
            continue
        parts: list[_Piece] = []
        by_chunk: list[_Piece] = []
        for each in chunks:
            start = len(parts)
            parts.extend((part, (start + n, start + n + 1)) for n, part in enumerate(each))
            by_chunk.append(("".join(each), (start, len(parts))))
        readings = [parts]
        if len(by_chunk) < len(parts):
            readings.append(by_chunk)
        for reading in list(readings):  # then single letters joined, in either reading
            joined, trimmed = _single_letter_runs(reading)
            if joined:
                readings.append(joined)
                readings.extend([run] for run in trimmed)
        clauses.append([[word(piece, span) for piece, span in reading] for reading in readings])
    return clauses


def _single_letter_runs(pieces: list[_Piece]) -> tuple[list[_Piece], list[_Piece]]:
    """Nothing when no `_SINGLES_JOINED` one-letter pieces follow one another; else the
    pieces with each such run joined, and each run without one-letter words at either
    end ("f u c k à" holds "fuck", the "à" belonging to the next words). A letter typed
    several times ("f u c kkk") is one letter here."""
    joined: list[_Piece] = []
    trimmed: list[_Piece] = []
    run: list[_Piece] = []
    for piece in [*pieces, None]:
        if piece is not None and len(set(_bare(piece[0]))) == 1:
            run.append(piece)
            continue
        if len(run) >= _SINGLES_JOINED:
            joined.append(_joined(run))
            for cut in range(1, min(_STRAYS, len(run) - _SINGLES_JOINED) + 1):
                trimmed += [_joined(run[cut:]), _joined(run[:-cut])]
        else:
            joined.extend(run)
        run = []
        if piece is not None:
            joined.append(piece)
    if len(joined) == len(pieces):
        return [], []
    return joined, trimmed


def _joined(run: list[_Piece]) -> _Piece:
    return "".join(text for text, _ in run), (run[0][1][0], run[-1][1][1])
