"""Finds the place a problem report names, as people write it.

Places are written as a name plus an ending (槐香里 + 小区), often behind the areas that hold
them (湖北省洪湖市 + 新堤农机巷), and refined by numbers (8号楼2单元, 121弄), compass words
and tails (东北角, 对面, 两侧), distances (往南50米), a second road (府前街与南环路交叉口), a
range (顾龙路到李村镇路段) or a thing at the place (…的人行道, 一家店铺). Chinese has no
spaces, so a name's start is found by walking back from its ending and cutting after the
last word that cannot be part of a name ("记者来到位于大梁门外的" -> 大梁门外).

A message may name a broad area first (a letter: "我是XX市XX区的居民") and the spot later;
the first phrase that ends in more than an area (市, 区, 街道) wins, an area alone only when
nothing else is named. All vocabulary is in the `parser:` section of the config, so a clerk
can add 屯, 弄 or 站台 without code; bot/parsing/place_vocabulary.py compiles it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.parsing.place_vocabulary import (
    BRACKET_RE,
    DISTANCE_RE,
    LEAD_RE,
    LIST_SEPARATORS,
    NUMBER_RE,
    TRAIL_RE,
    TRIM,
    Vocabulary,
    Words,
    is_cjk,
    is_name_char,
    trim_digits,
)
from config.schema import ParserConfig

_MAX_NAME = 8  # characters of a name before its ending (水上国际花城 + 小区)
_MAX_LANDMARK_NAME = 4  # characters before a landmark ending (农商 + 银行)
_MAX_TAIL_NAME = 8  # characters of a name before a tail alone (新华书店 + 门口)
_MAX_STEPS = 12  # refinements chained after a place (号楼, 单元, 东侧, 草坪...)
# Quantities make a phrase a description, not a landmark name ("一排店铺"); "一家" is the
# way a shop is pointed at ("中段一家店铺") and stays.
_QUANTITY_CHARS = set("两几好每些排个条段片处辆棵")
_NUMBERED = set("号楼栋幢弄单元座期区组门口")


def _is_chain_char(ch: str) -> bool:
    """A name chained after a place has no digits: 社区3号楼 is a number, not 社区3号 + 楼."""
    return is_cjk(ch) or (ch.isascii() and ch.isalpha())


@dataclass(frozen=True)
class Place:
    """A place phrase and where it is in the text; `name` is the span of its proper name."""

    text: str
    start: int
    end: int
    name: tuple[int, int] | None = None


class PlaceExtractor:
    """Finds the most specific place phrase of a (normalised) message, or None."""

    def __init__(self, pc: ParserConfig) -> None:
        self._v = Vocabulary(pc)

    # --- public -------------------------------------------------------------------------

    def extract(self, text: str) -> str | None:
        place = self.locate(text)
        return place.text if place else None

    def locate(self, text: str) -> Place | None:
        v = self._v
        if v.label_re and (m := v.label_re.search(text)):
            place = self._clean(text, m.start(1), self._expand(text, m.end(1))[0], None)
            if place:
                return place
        broad, found = self._suffix_places(text)
        tail = self._tail_place(text)
        if tail and (found is None or tail[0] < found[0]) and not (broad and broad[0] <= tail[0] < broad[1]):
            found = tail
        found = found or broad
        if found is None:
            return None
        start, end, name_end = found
        if broad and found is not broad and broad[1] == start:
            start = broad[0]  # the areas right before the spot are part of it (湖北省洪湖市…)
        return self._clean(text, start, end, (start, name_end))

    # --- anchors: where a place phrase begins --------------------------------------------

    def _suffix_places(self, text: str) -> tuple[tuple[int, int, int] | None, tuple[int, int, int] | None]:
        """The first area-only phrase and the first specific phrase: (start, end, name end)."""
        v = self._v
        if not v.suffixes.re:
            return None, None
        broad = None
        floor = pos = 0
        while m := v.suffixes.re.search(text, pos):
            pos = m.start() + 1
            if v.is_false(text, m.start()):
                continue
            start = self._name_start(text, m.start(), m.end(), floor)
            if start is None:
                continue
            end, is_broad = self._expand(text, m.end(), m.group() in v.areas)
            if not is_broad:
                return broad, (start, end, m.start())
            broad = broad or (start, end, m.start())
            floor = pos = end
        return broad, None

    def _name_start(self, text: str, at: int, suffix_end: int, floor: int) -> int | None:
        v = self._v
        i = at
        lo = max(floor, at - _MAX_NAME)
        while i > lo and is_name_char(text[i - 1]):
            i -= 1
        name = trim_digits(v.stops.cut(text[i:at]))
        if not name:
            # A numbered part of a nameless place is specific enough: 地铁站B口, 小区3号楼.
            nameless_ok = suffix_end - at >= 2 and text[at:suffix_end] not in v.areas
            return at if nameless_ok and NUMBER_RE.match(text, suffix_end) else None
        if name in v.generic:
            return None
        return at - len(name)

    def _tail_place(self, text: str) -> tuple[int, int, int] | None:
        """A name ending in a tail alone: 新华书店 + 门口, 在区政府大楼 + 对面.

        Without a place ending the name is guesswork, so it must open a segment (after a
        space or punctuation) or follow a lead word (在, 位于), and hold no stop word.
        """
        v = self._v
        if not v.tails.re:
            return None
        for m in v.tails.re.finditer(text):
            i = m.start()
            while i > 0 and is_name_char(text[i - 1]) and m.start() - i < _MAX_TAIL_NAME:
                i -= 1
            name = v.stops.cut(text[i : m.start()])
            start = m.start() - len(name)
            if len(name) < 2 or name in v.generic:
                continue
            opens = start == i and (i == 0 or not is_name_char(text[i - 1]))
            if opens or any(text.endswith(lead, 0, start) for lead in v.leads):
                return start, self._expand(text, m.end())[0], m.start()
        return None

    # --- refinements: how far a place phrase reaches ---------------------------------------

    def _expand(self, text: str, end: int, broad: bool = False) -> tuple[int, bool]:
        """The end of the phrase after its refinements, and whether it names an area only."""
        v = self._v
        for _ in range(_MAX_STEPS):
            step = (
                self._match_number(text, end)
                or self._match_distance(text, end)
                or v.tails.match(text, end)
                or self._match_bracket(text, end)
                or self._match_joined(text, end, v.joiners)
                or self._match_joined(text, end, v.links, linked=True)
                or self._named_end(text, end, v.landmarks, _MAX_LANDMARK_NAME, landmark=True)
                or self._match_tail_name(text, end, _MAX_LANDMARK_NAME)
            )
            if step:
                end, broad = step, False
                continue
            named = self._match_named(text, end, v.suffixes, _MAX_NAME)
            if not named:
                break
            end, broad = named[0], named[1] in v.areas
        return end, broad

    @staticmethod
    def _match_number(text: str, pos: int) -> int | None:
        """8号楼, 2单元, B口, 121弄、129弄; one space before it is allowed (长虹小区 3号楼)."""
        at = pos
        listed = pos > 0 and text[pos - 1] in _NUMBERED and text[pos : pos + 1] in LIST_SEPARATORS
        if listed or text.startswith(" ", pos):
            at += 1
        m = NUMBER_RE.match(text, at)
        return m.end() if m else None

    @staticmethod
    def _match_distance(text: str, pos: int) -> int | None:
        m = DISTANCE_RE.match(text, pos)
        return m.end() if m else None

    def _match_bracket(self, text: str, pos: int) -> int | None:
        """A bracket that says more about the place: 霍侯一级路(旅游路口至洪古路口)."""
        m = BRACKET_RE.match(text, pos)
        if m and (self._v.suffixes.search(m.group(1)) or self._v.tails.search(m.group(1))):
            return m.end()
        return None

    def _match_joined(self, text: str, pos: int, joiners: Words, linked: bool = False) -> int | None:
        """A second place after a joiner or a link: 府前街 + 与 + 南环路, 3栋 + 与 + 5栋,
        顾龙路 + 到 + 李村镇路段, 通羊大道 + - + 通羊三小东侧, 汉口银行 + 这边的 + 人行道."""
        v = self._v
        after = joiners.match(text, pos)
        if after is None:
            return None
        while text.startswith(" ", after):
            after += 1
        if not linked and (m := NUMBER_RE.match(text, after)):
            return m.end()
        hit = self._named_end(text, after, v.landmarks, _MAX_LANDMARK_NAME, landmark=True)
        hit = hit or self._named_end(text, after, v.suffixes, _MAX_NAME)
        if hit is None and linked:
            hit = v.tails.match(text, after)
        elif hit is None:
            hit = self._match_tail_name(text, after)
        return hit

    def _match_tail_name(self, text: str, pos: int, longest: int = _MAX_TAIL_NAME) -> int | None:
        """A short name and a tail: (-) 通羊三小 + 东侧, (长安北街中段) 邮局 + 门口."""
        v = self._v
        stop = v.stops.re.search(text, pos, pos + longest) if v.stops.re else None
        limit = stop.start() if stop else min(len(text), pos + longest)
        for k in range(1, limit - pos + 1):
            if not is_cjk(text[pos + k - 1]):
                return None
            if k >= 2 and (hit := v.tails.match(text, pos + k)):
                return hit
        return None

    def _named_end(self, text: str, pos: int, endings: Words, longest: int, landmark: bool = False) -> int | None:
        named = self._match_named(text, pos, endings, longest, landmark)
        return named[0] if named else None

    def _match_named(
        self, text: str, pos: int, endings: Words, longest: int, landmark: bool = False
    ) -> tuple[int, str] | None:
        """A name plus an ending right after the place: 农商 + 银行, 港村 + 龙口寺 + 组.

        A landmark name holding a quantity ("一排店铺") is a description, so it is refused;
        a chained place ending must not be part of an ordinary word ("…门口路面").
        """
        v = self._v
        if not endings.re:
            return None
        stop = v.stops.re.search(text, pos, pos + longest) if v.stops.re else None
        limit = stop.start() if stop else pos + longest
        k = 0
        while k <= limit - pos and pos + k <= len(text):
            if k and not _is_chain_char(text[pos + k - 1]):
                return None
            name = text[pos : pos + k]
            k += 1
            if name in v.generic or (landmark and _QUANTITY_CHARS & set(name)):
                continue
            if not landmark and v.is_false(text, pos + len(name)):
                continue
            if hit := endings.match(text, pos + len(name)):
                return hit, text[pos + len(name) : hit]
        return None

    # --- helpers -------------------------------------------------------------------------

    @staticmethod
    def _clean(text: str, start: int, end: int, name: tuple[int, int] | None) -> Place | None:
        while start < end and text[start] in TRIM:
            start += 1
        while end > start and text[end - 1] in TRIM:
            end -= 1
        if m := LEAD_RE.match(text, start, end):
            start = m.end()
        if m := TRAIL_RE.search(text[start:end]):
            end = start + m.start()
        while end > start and text[end - 1] in TRIM:
            end -= 1
        if end <= start:
            return None
        return Place(text[start:end], start, end, name)
