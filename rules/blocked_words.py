"""Objectionable words in what others read of a climber: pseudos, bios, captions, gyms.

The list is a text file (`blocked_words.txt` beside this module, or `BLOCKED_WORDS_FILE`),
loaded once by the composition root and handed down in `Policy`. Matching is on whole
words, after folding both the list and the text the same way:

- compatibility forms and accents away (NFKD, marks dropped), case folded;
- look-alike characters to the letter they stand for: 0 o, 1 i, 3 e, 4 a, 5 s, 7 t,
  @ a, $ s; and `l` with `i`, since a "1" may stand for either;
- invisible characters (zero-width spaces and the like) dropped, so they cannot split
  a word; any other character that is not a letter or a digit separates words (the
  underscore, dot and hyphen of a pseudo too).

Whole words only: "Scunthorpe", "therapist" or "computer" pass; a phrase on the list
("kill yourself") matches the same words in a row. A token made of digits alone is a
number, not a disguised word ("455 moves").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rules.errors import InvalidInput

SHIPPED_LIST = Path(__file__).with_name("blocked_words.txt")

_LOOK_ALIKES = str.maketrans(
    {"0": "o", "1": "i", "l": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
# Anything but a letter, a digit or a symbol standing for a letter; `_` too.
_SEPARATOR = re.compile(r"(?:[^\w@$]|_)+")


def _visible(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Cf"))


def fold_words(text: str) -> list[str]:
    """The words of `text` as the list is compared with them. Numbers are words too:
    "701" reads "toi" once folded, and a listed phrase may hide behind one."""
    words = []
    for raw in _SEPARATOR.split(_visible(text)):
        if not raw:
            continue
        words.append(raw.casefold().translate(_LOOK_ALIKES))
    return words


@dataclass(frozen=True, slots=True)
class BlockedWords:
    words: frozenset[str] = frozenset()
    # Phrases of several words, by their length: matched as consecutive words.
    phrases: dict[int, frozenset[tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> BlockedWords:
        words: set[str] = set()
        phrases: dict[int, set[tuple[str, ...]]] = {}
        for line in lines:
            entry = line.strip()
            if not entry or entry.startswith("#"):
                continue
            folded = tuple(fold_words(entry))
            if len(folded) == 1:
                words.add(folded[0])
            elif folded:
                phrases.setdefault(len(folded), set()).add(folded)
        return cls(frozenset(words), {n: frozenset(p) for n, p in phrases.items()})

    @classmethod
    def from_file(cls, path: Path = SHIPPED_LIST) -> BlockedWords:
        """The list in `path` (UTF-8); raises OSError / UnicodeDecodeError as reading does."""
        return cls.from_lines(path.read_text(encoding="utf-8").splitlines())

    def __len__(self) -> int:
        return len(self.words) + sum(len(p) for p in self.phrases.values())

    def found_in(self, text: str) -> bool:
        """Whether a listed word or phrase is among the words of `text`."""
        folded = fold_words(text)
        if not self.words.isdisjoint(folded):
            return True
        for size, phrases in self.phrases.items():
            for start in range(len(folded) - size + 1):
                if tuple(folded[start : start + size]) in phrases:
                    return True
        return False

    def check(self, text: str | None, field: str) -> None:
        """Refuse `text` as `field` if it holds a listed word (None passes)."""
        if text is not None and self.found_in(text):
            raise InvalidInput(field, "contains a word that is not allowed here")
