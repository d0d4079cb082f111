"""Finds the place a problem report names ("府前街与南环路交叉口东北角", "北关地铁站B口").

Field staff write places as a name plus an ending (槐香里 + 小区), refined by numbers
(8号楼2单元), compass words (东北角), tails (村口, 拐角) and landmarks (水果店, 公厕). Chinese
has no spaces, so the name's start is found by walking back from the ending and cutting after
the last word that cannot be part of a name ("我现在在杏园村" -> 杏园村). All the vocabulary
comes from the `parser:` section of the config, so a clerk can add 屯 or 苑 without code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from config.schema import ParserConfig

_MAX_NAME = 5  # characters of a place name before its ending (顺安南 + 路)
_MAX_LANDMARK_NAME = 4  # characters before a landmark ending (农商 + 银行)
_MAX_STEPS = 8  # refinements chained after a place (号楼, 单元, 东侧, 草坪...)
# Quantities make a phrase a description, not a landmark name ("一排店铺").
_QUANTITY_CHARS = set("一两几好每些排个条段片处辆棵")
_NUMBER_RE = re.compile(
    r"(?:\d+|[一二三四五六七八九十百]+)(?:号楼|号院|号门|号杆|号|单元|栋|幢|层)[前后下旁]?"
    r"|[A-Za-z]\d?(?:出口|口)"
)
_TRIM = " :：,，.。"
_LEAD_RE = re.compile(r"在|位于")
_TRAIL_RE = re.compile(r"(?:附近|一带|这块儿?|那块儿?|这边|那边)$")


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _is_name_char(ch: str) -> bool:
    """Place names are Chinese, sometimes with Latin letters (XX小区, SOHO大厦)."""
    return _is_cjk(ch) or ("A" <= ch <= "Z") or ("a" <= ch <= "z")


def _nfkc_sorted(words: list[str]) -> list[str]:
    """Normalise vocabulary like messages are normalised; longest first so 大街 beats 街."""
    return sorted({unicodedata.normalize("NFKC", w) for w in words if w}, key=len, reverse=True)


class _Words:
    """A word list matched at a position or searched in a name, as one compiled regex."""

    def __init__(self, words: list[str]) -> None:
        self.words = _nfkc_sorted(words)
        self._re = re.compile("|".join(map(re.escape, self.words))) if self.words else None

    def match(self, text: str, pos: int) -> int | None:
        m = self._re.match(text, pos) if self._re else None
        return m.end() if m else None

    def search(self, text: str) -> bool:
        return bool(self._re and self._re.search(text))


@dataclass(frozen=True)
class Place:
    """A place phrase and where it is in the text; `name` is the span of its proper name."""

    text: str
    start: int
    end: int
    name: tuple[int, int] | None = None


class PlaceExtractor:
    """Finds the first, most specific place phrase of a (normalised) message, or None."""

    def __init__(self, pc: ParserConfig) -> None:
        self._suffixes = _Words(pc.place_suffixes)
        self._landmarks = _Words(pc.place_landmarks)
        directional = [d + t for d in pc.place_directions for t in pc.place_direction_tails]
        self._tails = _Words([*pc.place_tails, *directional])
        self._joiners = _Words(pc.place_joiners)
        self._stop_list = _nfkc_sorted(pc.place_stop_words)
        self._stops = _Words(pc.place_stop_words)
        self._false = _Words(pc.place_false_words)
        self._generic = set(_nfkc_sorted(pc.place_generic_names))
        self._suffix_re = self._suffixes._re
        self._tail_re = self._tails._re
        labels = "|".join(map(re.escape, _nfkc_sorted(pc.place_labels)))
        self._label_re = re.compile(rf"(?:{labels})\s*:\s*([^\s,.;!?，。；！？]+)") if labels else None

    # --- public -------------------------------------------------------------------------

    def extract(self, text: str) -> str | None:
        place = self.locate(text)
        return place.text if place else None

    def locate(self, text: str) -> Place | None:
        if self._label_re and (m := self._label_re.search(text)):
            place = self._clean(text, m.start(1), m.end(1), None)
            if place:
                return place
        starts: list[tuple[int, int, int]] = []
        anchor = self._first_suffix_anchor(text)
        if anchor:
            starts.append(anchor)
        anchor = self._first_tail_anchor(text)
        if anchor:
            starts.append(anchor)
        if not starts:
            return None
        start, end, name_end = min(starts)
        return self._clean(text, start, self._expand(text, end), (start, name_end))

    # --- anchors: where a place phrase begins --------------------------------------------

    def _first_suffix_anchor(self, text: str) -> tuple[int, int, int] | None:
        """A name + place ending: 杏园 + 村. Returns (start, end, name end) of the first valid one."""
        if not self._suffix_re:
            return None
        pos = 0
        while m := self._suffix_re.search(text, pos):
            pos = m.start() + 1
            if self._false.match(text, m.start()):
                continue
            name_start = self._name_start(text, m.start())
            if name_start is not None:
                return name_start, m.end(), m.start()
        return None

    def _first_tail_anchor(self, text: str) -> tuple[int, int, int] | None:
        """A phrase opening a message segment and ending in a tail: 新区一小 + 门口.

        Only at a segment start (after a space or punctuation) and without any stop word,
        because without a place ending the name is otherwise guesswork.
        """
        if not self._tail_re:
            return None
        for m in self._tail_re.finditer(text):
            i = m.start()
            while i > 0 and _is_cjk(text[i - 1]) and m.start() - i < 6:
                i -= 1
            name = text[i : m.start()]
            at_segment_start = i == 0 or not _is_cjk(text[i - 1])
            if at_segment_start and len(name) >= 2 and not self._stops.search(name) and name not in self._generic:
                return i, m.end(), m.start()
        return None

    def _name_start(self, text: str, suffix_start: int) -> int | None:
        i = suffix_start
        while i > 0 and _is_name_char(text[i - 1]) and suffix_start - i < _MAX_NAME:
            i -= 1
        name = text[i:suffix_start]
        if self._stops.search(name):
            cut = 0
            for stop in self._stop_list:
                at = name.rfind(stop)
                if at >= 0:
                    cut = max(cut, at + len(stop))
            name = name[cut:]
        if not name or name in self._generic:
            return None
        return suffix_start - len(name)

    # --- refinements: how far a place phrase reaches ---------------------------------------

    def _expand(self, text: str, end: int) -> int:
        for _ in range(_MAX_STEPS):
            step = (
                self._match_number(text, end)
                or self._tails.match(text, end)
                or self._match_joined_road(text, end)
                or self._match_named(text, end, self._landmarks, landmark=True)
                or self._match_named(text, end, self._suffixes, landmark=False)
            )
            if not step:
                return end
            end = step
        return end

    @staticmethod
    def _match_number(text: str, pos: int) -> int | None:
        """8号楼, 2单元, B口; one space before it is allowed (长虹小区 3号楼)."""
        m = _NUMBER_RE.match(text, pos + 1 if text.startswith(" ", pos) else pos)
        return m.end() if m else None

    def _match_joined_road(self, text: str, pos: int) -> int | None:
        """Second road of an intersection: 府前街 + 与 + 南环路."""
        after = self._joiners.match(text, pos)
        if after is None:
            return None
        for k in range(1, _MAX_NAME + 1):
            name = text[after : after + k]
            if len(name) < k or not all(map(_is_cjk, name)) or self._stops.search(name):
                return None
            hit = self._suffixes.match(text, after + k)
            if hit and not self._false.match(text, after + k):
                return hit
        return None

    def _match_named(self, text: str, pos: int, endings: _Words, landmark: bool) -> int | None:
        """A short name plus an ending right after the place: 农商 + 银行, 社区 + 底商一条街.

        A landmark name holding a quantity ("一排店铺") is a description, so it is refused;
        a chained place ending must not start a false word ("…门口路面").
        """
        for k in range(_MAX_LANDMARK_NAME + 1):
            name = text[pos : pos + k]
            if len(name) < k or not all(map(_is_cjk, name)) or self._stops.search(name):
                return None
            if name in self._generic or (landmark and _QUANTITY_CHARS & set(name)):
                continue
            if not landmark and self._false.match(text, pos + k):
                continue
            hit = endings.match(text, pos + k)
            if hit:
                return hit
        return None

    # --- helpers -------------------------------------------------------------------------

    @staticmethod
    def _clean(text: str, start: int, end: int, name: tuple[int, int] | None) -> Place | None:
        while start < end and text[start] in _TRIM:
            start += 1
        while end > start and text[end - 1] in _TRIM:
            end -= 1
        if m := _LEAD_RE.match(text, start, end):
            start = m.end()
        if m := _TRAIL_RE.search(text[start:end]):
            end = start + m.start()
        if end <= start:
            return None
        return Place(text[start:end], start, end, name)
