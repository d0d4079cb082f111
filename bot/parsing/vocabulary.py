"""Weighted word lists matched in one pass (Aho-Corasick), and synonym folding.

Both are built once from the config (or from learned corrections) and then only read, so a
parser can share them across threads.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

import ahocorasick


def nfkc(word: str) -> str:
    return unicodedata.normalize("NFKC", word)


class Vocabulary:
    """Keyword -> weights per category; "A+B" entries count only when every part is present.

    `masks` are words that only hide the keywords inside them (电线杆 hides 电线).
    """

    def __init__(self, weighted: Mapping[str, Mapping[str, float]], masks: Iterable[str] = ()) -> None:
        self.simple: dict[str, list[tuple[str, float]]] = {}
        self.combos: list[tuple[tuple[str, ...], str, float]] = []
        known: set[str] = set()
        for code, words in weighted.items():
            for raw, weight in words.items():
                word = nfkc(raw)
                if "+" in word:
                    parts = tuple(p for p in word.split("+") if p)
                    self.combos.append((parts, code, weight))
                    known.update(parts)
                elif word:
                    self.simple.setdefault(word, []).append((code, weight))
        known.update(self.simple)
        known.update(nfkc(m) for m in masks if m)
        self._automaton = ahocorasick.Automaton()
        for word in known:
            self._automaton.add_word(word, word)
        self._empty = not known
        if known:
            self._automaton.make_automaton()

    def __bool__(self) -> bool:
        return not self._empty

    def occurrences(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, word) of every vocabulary word not inside a longer one found here."""
        if self._empty:
            return []
        spans = sorted(
            ((end + 1 - len(word), end + 1, word) for end, word in self._automaton.iter(text)),
            key=lambda s: (s[0], -s[1]),
        )
        kept: list[tuple[int, int, str]] = []
        reach = -1
        for span in spans:
            if span[1] <= reach:
                continue  # inside an earlier, longer word: 垃圾 in 建筑垃圾
            kept.append(span)
            reach = span[1]
        return kept

    def matches(
        self,
        text: str,
        bounds: Callable[[], set[int]] | None = None,
        blocked: tuple[int, int] | None = None,
    ) -> list[tuple[str, float, int, bool]]:
        """(code, weight, position, exclusive) per distinct word found.

        A word inside a longer word does not count, so a zero-weight word masks its parts.
        Two words sharing characters are two readings of the same text, so the later one
        counts only for the same category (垃圾堆|堆了: garbage, not also piles). A match
        cutting through jieba words on both ends counts half. Words inside `blocked` (the
        name of the place: 榆树庄村) do not count. `exclusive`: the word names one category.
        `bounds` gives the word edges; it is only called when a word is found.
        """
        edges: set[int] | None = None
        seen: set[str] = set()
        taken: list[tuple[int, int, set[str]]] = []
        found: list[tuple[str, float, int, bool]] = []
        present: dict[str, int] = {}
        for start, end, word in self.occurrences(text):
            if blocked and blocked[0] <= start and end <= blocked[1]:
                continue
            present.setdefault(word, start)
            entries = self.simple.get(word)
            if not entries or word in seen:
                continue
            codes = {code for code, _ in entries}
            if any(s < end and start < e and not codes & owners for s, e, owners in taken):
                continue
            seen.add(word)
            taken.append((start, end, codes))
            if bounds is not None and edges is None:
                edges = bounds()
            factor = 1.0 if edges is None or start in edges or end in edges else 0.5
            found.extend((code, weight * factor, start, len(codes) == 1) for code, weight in entries)
        for parts, code, weight in self.combos:
            if all(p in present for p in parts):
                found.append((code, weight, min(present[p] for p in parts), False))
        return found


class Synonyms:
    """Folds typos, homophones and slang to the word the vocabulary knows (拉圾 -> 垃圾).

    `fold` returns the folded text and, when anything changed, the offset in the original
    text of every folded character, so a place found in the folded text is cut from the
    message as written.
    """

    def __init__(self, mapping: Mapping[str, Iterable[str]]) -> None:
        self._to: dict[str, str] = {}
        for canonical, variants in mapping.items():
            for variant in variants:
                if nfkc(variant) and nfkc(variant) != nfkc(canonical):
                    self._to[nfkc(variant)] = nfkc(canonical)
        words = sorted(self._to, key=len, reverse=True)
        self._re = re.compile("|".join(map(re.escape, words))) if words else None

    def fold(self, text: str) -> tuple[str, list[int] | None]:
        if self._re is None or not self._re.search(text):
            return text, None
        parts: list[str] = []
        offsets: list[int] = []
        last = 0
        for m in self._re.finditer(text):
            parts.append(text[last : m.start()])
            offsets.extend(range(last, m.start()))
            replacement = self._to[m.group()]
            parts.append(replacement)
            offsets.extend([m.start()] * (len(replacement) - 1) + [m.end() - 1])
            last = m.end()
        parts.append(text[last:])
        offsets.extend(range(last, len(text)))
        return "".join(parts), offsets

    @staticmethod
    def original_span(offsets: list[int] | None, start: int, end: int) -> tuple[int, int]:
        """Map [start, end) in the folded text back to the message as written."""
        if offsets is None or end <= start:
            return start, end
        return offsets[start], offsets[end - 1] + 1
