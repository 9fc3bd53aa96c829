"""Objectionable words in what others read of a climber: pseudos, bios, captions, gyms.

The list is a text file (`blocked_words.txt` beside this module, or `BLOCKED_WORDS_FILE`),
loaded once by the composition root and handed down in `Policy`. Matching is on whole
words, after folding both the list and the text the same way (rules.word_folding):

- compatibility forms to plain letters (NFKC: full-width, mathematical, circled),
  letters of other scripts that look Latin to the Latin letter (rules.confusables),
  accents away, case folded;
- look-alike characters to the letter they stand for: 0 o, 1 i, 3 e, 4 a, 5 s, 7 t,
  @ a, $ s; and `l` with `i`, since a "1" may stand for either;
- invisible characters dropped, so they cannot split a word; any other character that
  is not a letter, a mark or a digit separates words (the underscore, dot and hyphen of
  a pseudo too);
- a word spelt with separators is read whole too: the parts of "p.u.t.e" or "f-u-c-k"
  (no space) joined, and a run of single letters ("f u c k") joined, with or without a
  one-letter word at either end ("f u c k à ...");
- a letter typed three times or more in a row ("fuuuck", "connnnard") reads as the
  listed word with that letter once or twice; a double letter is left alone ("Putte" is
  a name, not "pute"; the price: a double stretched, "Putttte", reads "pute").

Whole words only: "Scunthorpe", "therapist" or "computer" pass; a phrase on the list
("kill yourself") matches the same words in a row within one clause: a comma, a full
stop and the like end a clause ("sale, noir de magnésie" is two).

Language sense, in the list's own syntax (one entry a line, `#` comments):

- `!phrase`: allowed; the words it covers are not refused ("!en retard": French for
  late; "!spic and span", "!fag break");
- `=word`: its accents count; "=nègre" refuses "nègre", not the Catalan colour "negre";
- `~word`: also a given name; written as one, capital first and nothing disguised
  ("Kike"), it passes; "kike", "KIKE" or "K1ke" do not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from rules.errors import InvalidInput
from rules.word_folding import Word, read_words, stretched_to, word

SHIPPED_LIST = Path(__file__).with_name("blocked_words.txt")


@dataclass(frozen=True, slots=True)
class _Entry:
    words: tuple[Word, ...]
    accents_count: bool = False
    also_a_name: bool = False

    def matches(self, found: Sequence[Word]) -> bool:
        if len(found) != len(self.words):
            return False
        for listed, typed in zip(self.words, found, strict=True):
            if self.accents_count:
                if not (
                    typed.accented == listed.accented
                    or (typed.stretched and stretched_to(typed.accented_runs, listed.accented_runs))
                ):
                    return False
            elif not (
                typed.folded == listed.folded
                or (typed.stretched and stretched_to(typed.runs, listed.runs))
            ):
                return False
        return not (self.also_a_name and len(found) == 1 and found[0].written_as_a_name)


_Index = dict[str, tuple[_Entry, ...]]


def _index(entries: Iterable[_Entry]) -> _Index:
    """Entries by every form of their first word: a word of the text is looked at only
    with the entries it may start."""
    index: dict[str, list[_Entry]] = {}
    for entry in entries:
        first = entry.words[0]
        for key in {first.folded, first.skeleton, first.accented}:
            index.setdefault(key, []).append(entry)
    return {key: tuple(found) for key, found in index.items()}


def _starting_with(index: _Index, first: Word) -> list[_Entry]:
    keys = [first.folded, first.accented]
    if first.stretched:
        keys.append(first.skeleton)
    found: dict[int, _Entry] = {}
    for key in keys:
        for entry in index.get(key, ()):
            found[id(entry)] = entry
    return list(found.values())


@dataclass(frozen=True, slots=True)
class BlockedWords:
    entries: _Index = field(default_factory=dict)
    allowed: _Index = field(default_factory=dict)
    listed: int = 0  # the refused words and phrases of the list

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> BlockedWords:
        entries: list[_Entry] = []
        allowed: list[_Entry] = []
        listed = 0
        for line in lines:
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            marker = text[0] if text[0] in "!=~" else ""
            words = tuple(each for clause in read_words(text[len(marker) :]) for each in clause[0])
            if not words:
                continue
            entry = _Entry(words, accents_count=marker == "=", also_a_name=marker == "~")
            if marker == "!":
                allowed.append(entry)
                continue
            listed += 1
            entries.append(entry)
            if len(words) > 1:  # spelt out whole too: "k i l l y o u r s e l f"
                whole = word("".join(each.folded for each in words))
                entries.append(replace(entry, words=(whole,)))
        return cls(_index(entries), _index(allowed), listed)

    @classmethod
    def from_file(cls, path: Path = SHIPPED_LIST) -> BlockedWords:
        """The list in `path` (UTF-8); raises OSError / UnicodeDecodeError as reading does."""
        return cls.from_lines(path.read_text(encoding="utf-8").splitlines())

    def __len__(self) -> int:
        return self.listed

    def found_in(self, text: str) -> bool:
        """Whether a listed word or phrase is among the words of `text`."""
        for readings in read_words(text):
            free = self._not_allowed(readings[0])
            for reading in readings:
                if self._found_in_reading(reading, free):
                    return True
        return False

    def _found_in_reading(self, reading: Sequence[Word], free: Sequence[bool]) -> bool:
        """Whether an entry matches words in a row of `reading`, none of whose parts an
        allowed phrase covers (`free`, per part of the clause)."""
        for start, first in enumerate(reading):
            for entry in _starting_with(self.entries, first):
                window = reading[start : start + len(entry.words)]
                if entry.matches(window) and all(
                    all(free[typed.span[0] : typed.span[1]]) for typed in window
                ):
                    return True
        return False

    def check(self, text: str | None, field: str) -> None:
        """Refuse `text` as `field` if it holds a listed word (None passes)."""
        if text is not None and self.found_in(text):
            raise InvalidInput(field, "contains a word that is not allowed here")

    def _not_allowed(self, clause: Sequence[Word]) -> list[bool]:
        """Per part of the clause (its first reading): False where an allowed phrase
        covers it."""
        free = [True] * len(clause)
        for start, first in enumerate(clause):
            for entry in _starting_with(self.allowed, first):
                size = len(entry.words)
                if entry.matches(clause[start : start + size]):
                    free[start : start + size] = [False] * size
        return free
