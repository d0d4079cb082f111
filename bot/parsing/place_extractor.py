"""Finds the place a problem report names, as people write it.

Places are written as a name plus an ending (槐香里 + 小区), often behind the areas that hold
them (湖北省洪湖市 + 新堤农机巷), and refined by numbers (8号楼2单元, 121弄), compass words
and tails (东北角, 对面, 两侧), distances (往南50米), a second road (府前街与南环路交叉口), a
range (顾龙路到李村镇路段), a thing or part at the place (…的人行道, 一家店铺, 围墙), a quoted
shop name (利安路“欧吉”门店前) or one more place listed after it (北湖路北段,大田小区东门; a
form's line break, 同心路⏎中国银行门口). Chinese has no
spaces, so a name's start is found by walking back from its ending and cutting after the
last word that cannot be part of a name ("记者来到位于大梁门外的" -> 大梁门外).

A message may name a broad area first (a letter: "我是XX市XX区的居民") and the spot later;
the first phrase that ends in more than an area (市, 区, 街道) wins, an area alone only when
nothing else is named. All vocabulary is in the `parser:` section of the config, so a clerk
can add 屯, 弄 or 站台 without code; bot/parsing/place_vocabulary.py compiles it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.parsing.place_vocabulary import (
    BRACKET_RE,
    BUILDING_RE,
    DISTANCE_RE,
    LEAD_RE,
    LIST_SEPARATORS,
    NUMBER_RE,
    TRAIL_RE,
    TRIM,
    Vocabulary,
    Words,
    is_name_char,
    trim_digits,
)
from config.schema import ParserConfig

_MAX_NAME = 8  # characters of a name before its ending (水上国际花城 + 小区)
_MAX_LANDMARK_NAME = 4  # characters before a landmark ending after a joiner or pointer (农商 + 银行)
# Right after a place, or after its 的, a landmark's name may be longer: …路 + 康味源早餐 + 店,
# …大道的 + 恒大美丽沙 + 工地.
_MAX_LINKED_NAME = 6
_MAX_TAIL_NAME = 8
_CODED_ROADS = frozenset({"国道", "省道", "县道", "乡道"})
# A name that starts by counting (一条, 两间, 几个) describes a thing, it does not name one.
_COUNTED = re.compile(r"[一两几][条个间处座栋家所片块]")  # characters of a name before a tail alone (新华书店 + 门口)
_MAX_STEPS = 12  # refinements chained after a place (号楼, 单元, 东侧, 草坪...)
# Quantities make a phrase a description, not a landmark name ("一排店铺"); "一家" is the
# way a shop is pointed at ("中段一家店铺") and stays.
_QUANTITY_CHARS = set("两几好每些排个条段片处辆棵")
_NUMBERED = set("号楼栋幢弄单元座期区组门口")
# Characters other than a name's that may start a refinement (3号楼, (…), - …, 、129弄).
_STEP_CHARS = frozenset(' (（-—、,，/“"「『')


# A name chained after a place has no digits: 社区3号楼 is a number, not 社区3号 + 楼.
_CHAIN_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z]*")
# A quoted name after a place (…路“欧吉”门店前) and the marks a second, listed place follows.
_QUOTED = re.compile(r"[“\"「『][^“”\"「」『』]{0,15}[\u4e00-\u9fff][^“”\"「」『』]{0,15}[”\"」』]")
_LIST_MARKS = "、,， "
_NAME_ONLY = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·]+")
# A form line's head: "XX国际 - 未设置清洗槽".
_FORM_HEAD = re.compile(r"\s*([\u4e00-\u9fffA-Za-z0-9·]{2,12})\s*(?: - | — |——)")
# The run of name characters that ends where a place ending begins (see is_name_char).
_NAME_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·]*\Z")


def _name_run_start(text: str, lo: int, hi: int) -> int:
    """Where the name characters that end at `hi` begin, not before `lo`."""
    m = _NAME_RUN.search(text, lo, hi)
    return m.start() if m else hi


def _chain_run_end(text: str, pos: int) -> int:
    m = _CHAIN_RUN.match(text, pos)
    return m.end() if m else pos


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
        tail = self._tail_place(text, found[0] if found else len(text))
        if tail and (found is None or tail[0] < found[0]) and not (broad and broad[0] <= tail[0] < broad[1]):
            found = tail
        found = found or self._nameless_place(text) or broad
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
            area = m.group() in v.areas or (m.group() in v.short_name_areas and m.start() - start == 1)
            end, is_broad = self._expand(text, m.end(), area)
            agent = v.agents.match(text, end) and not text.endswith(v.refinements.tuple, start, end)
            if agent or text.endswith(v.agencies, start, end):
                # The reporter's unit (XX社区 + 网格员) or an agency (XX督查组); not a spot where
                # someone stood (XX社区附近 + 记者看到).
                floor = pos = end
                continue
            if not is_broad:
                return broad, (start, end, m.start())
            broad = broad or (start, end, m.start())
            floor = pos = end
        return broad, None

    def _name_start(self, text: str, at: int, suffix_end: int, floor: int) -> int | None:
        v = self._v
        lo = max(floor, at - _MAX_NAME)
        i = _name_run_start(text, lo, at)
        rare = text[at:suffix_end] in v.rare
        if i == lo > floor and not rare and is_name_char(text[i - 1]) and v.joiners.re:
            # A long name holding a joiner is two names (北沙河南沿岸 + 与 + 解放路): the first
            # gets its own reach back from the joiner.
            j = v.joiners.re.search(text, i + 1, at)
            if j:
                i = _name_run_start(text, max(floor, j.start() - _MAX_NAME), j.start())
        raw = v.stops.cut(text[i:at])
        name = trim_digits(raw)
        if rare and len(name) < 2:
            return None
        if not name and raw.isdigit() and text[at:suffix_end] in _CODED_ROADS:
            return at - len(raw)  # 820县道, 324国道: the number is the road's name
        if not name:
            # A numbered part of a nameless place is specific enough: 地铁站B口, 小区3号楼.
            nameless_ok = suffix_end - at >= 2 and text[at:suffix_end] not in v.areas
            return at if nameless_ok and NUMBER_RE.match(text, suffix_end) else None
        if name in v.generic or _COUNTED.match(name):
            return None  # 一条背街小巷, 两间大门: a thing counted, not a place named
        return at - len(name)

    def _tail_place(self, text: str, before: int) -> tuple[int, int, int] | None:
        """A name ending in a tail alone: 新华书店 + 门口, 在区政府大楼 + 对面.

        Without a place ending the name is guesswork, so it must open a segment (after a
        space or punctuation) or follow a lead word (在, 位于), and hold no stop word. Only one
        that starts `before` the place found by its ending can win, so the search stops there.
        """
        v = self._v
        if not v.tails.re:
            return None
        for m in v.tails.re.finditer(text, 0, before + _MAX_TAIL_NAME):
            if v.stops.covers(text, m.start()):
                continue  # 前 of 日前
            i = _name_run_start(text, max(0, m.start() - _MAX_TAIL_NAME), m.start())
            name = v.stops.cut(text[i : m.start()])
            start = m.start() - len(name)
            if len(name) < 2 or name in v.generic or _COUNTED.match(name):
                continue
            opens = start == i and (i == 0 or not is_name_char(text[i - 1]))
            if opens or any(text.endswith(lead, 0, start) for lead in v.leads):
                return start, self._expand(text, m.end())[0], m.start()
        return None

    def _nameless_place(self, text: str) -> tuple[int, int, int] | None:
        """A place without a place ending, when none with one is named: a numbered building
        opening a clause (17号楼有人…), a name between a visit and what was seen
        (记者来到XX社看到), or the head of a form line (XX国际 - 未设置…)."""
        v = self._v
        found = []
        for m in BUILDING_RE.finditer(text):
            i = m.start()
            if i == 0 or not is_name_char(text[i - 1]) or any(text.endswith(w, 0, i) for w in v.leads):
                found.append((i, self._expand(text, i)[0], m.end()))
                break
            j = _name_run_start(text, max(0, i - _MAX_NAME), i)
            name = text[j:i]
            if (j == 0 or not is_name_char(text[j - 1])) and self._plain_name(name):
                found.append((j, self._expand(text, i)[0], i))  # 金色阳光 + 4幢2单元, opening a clause
                break
        if v.visits.re:
            for m in v.visits.re.finditer(text):
                if (name_end := self._visit_name_end(text, m.end())) is not None:
                    found.append((m.end(), name_end, name_end))
                    break
        if head := _FORM_HEAD.match(text):
            name = head.group(1)
            if not v.stops.search(name) and name not in v.generic:
                found.append((head.start(1), head.end(1), head.end(1)))
        return min(found) if found else None

    def _plain_name(self, name: str) -> bool:
        """Two characters or more, no stop word, not generic: a name without an ending."""
        v = self._v
        return len(name) >= 2 and not v.stops.search(name) and name not in v.generic and not v.generic_prefix(name, 0)

    def _visit_name_end(self, text: str, pos: int) -> int | None:
        v = self._v
        for j in range(pos + 2, min(len(text), pos + _MAX_LANDMARK_NAME + 2) + 1):
            if j == len(text) or not is_name_char(text[j]) or v.seen.match(text, j):
                name = text[pos:j]
                ok = not v.stops.search(name) and name not in v.generic and not NUMBER_RE.match(name)
                return j if ok else None
        return None

    # --- refinements: how far a place phrase reaches ---------------------------------------

    def _expand(self, text: str, end: int, broad: bool = False) -> tuple[int, bool]:
        """The end of the phrase after its refinements, and whether it names an area only."""
        listed = False
        for _ in range(_MAX_STEPS):
            if end >= len(text) or not (is_name_char(text[end]) or text[end] in _STEP_CHARS):
                break
            step = self._step(text, end)
            if step is None and (at := self._v.positions.match(text, end)):
                # A position (上, 外) stays, as people write it (…车道 + 上 + 一个井盖), and a
                # refinement may follow it: 迎滨路 + 上 + 一家…店铺.
                more = self._step(text, at) if at < len(text) and is_name_char(text[at]) else None
                step = more or (at, False)
            if step is None and not broad and (after := self._match_quoted(text, end)):
                step = (after, False)  # a quoted name after an area is a platform ("12345"), not a shop
            if step is None and not listed and (after := self._match_listed(text, end)):
                step, listed = (after, False), True  # one listed place: a list is not one place
            if step is None:
                break
            end, broad = step
        return end, broad

    def _step(self, text: str, end: int) -> tuple[int, bool] | None:
        v = self._v
        step = (
            self._match_number(text, end)
            or self._match_distance(text, end)
            or v.refinements.match(text, end)
            or self._match_bracket(text, end)
            or self._match_joined(text, end, v.joiners)
            or self._match_joined(text, end, v.links, linked=True)
        )
        return (step, False) if step else self._match_named(text, end, _MAX_TAIL_NAME, landmark_name=_MAX_LINKED_NAME)

    @staticmethod
    def _match_quoted(text: str, pos: int) -> int | None:
        """A quoted shop or building name right after a place: 利安路 + “欧吉” + 门店前."""
        m = _QUOTED.match(text, pos)
        return m.end() if m else None

    def _match_listed(self, text: str, pos: int) -> int | None:
        """A named place after a list mark or a line break (a space once cleaned) that says
        more about the first: 长安街、东四条路路口, 北湖路北段,大田小区东门, 同心路⏎中国银行门口.
        Its name must have two characters or more, so "XX小区，小区门口…" stops at the comma."""
        if text[pos : pos + 1] not in _LIST_MARKS:
            return None
        after = pos + 1
        if text.startswith(" ", after):
            after += 1
        if self._v.pointers.match(text, after) or self._v.generic_prefix(text, after):
            return None  # ",一个配电箱…" is the thing, ",小区门口…" the same place again
        named = self._match_named(text, after, _MAX_TAIL_NAME, min_name=2)
        return named[0] if named else None

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
        """A bracket that says more about the place: 霍侯一级路(旅游路口至洪古路口), 石坊路南段
        (新华书店南), XX家园(一期): a place word in it, or a short name without a stop word."""
        m = BRACKET_RE.match(text, pos)
        if m is None:
            return None
        inner, v = m.group(1), self._v
        if v.suffixes.search(inner) or v.tails.search(inner) or v.landmarks.search(inner):
            return m.end()
        return m.end() if len(inner) <= _MAX_NAME and _NAME_ONLY.fullmatch(inner) and self._plain_name(inner) else None

    def _match_joined(self, text: str, pos: int, joiners: Words, linked: bool = False) -> int | None:
        """A second place after a joiner or a link: 府前街 + 与 + 南环路, 3栋 + 与 + 5栋,
        顾龙路 + 到 + 李村镇路段, 通羊大道 + - + 通羊三小东侧, 汉口银行 + 这边的 + 人行道."""
        v = self._v
        after = joiners.match(text, pos)
        if after is None:
            return None
        while text.startswith(" ", after):
            after += 1
        if m := NUMBER_RE.match(text, after):
            return m.end()
        if linked:
            named = self._match_named(text, after, 0, landmark_name=_MAX_LINKED_NAME)
            return named[0] if named else v.refinements.match(text, after)
        named = self._match_named(text, after, _MAX_TAIL_NAME)
        return named[0] if named else None

    def _match_named(
        self, text: str, pos: int, tail_name: int, min_name: int = 0, landmark_name: int = _MAX_LANDMARK_NAME
    ) -> tuple[int, bool] | None:
        """A name plus an ending right after a place: 农商 + 银行, 港村 + 龙口寺 + 组, 邮局 + 门口.

        One scan for the first ending within reach, then the ending's own rule: a landmark
        takes a name of up to `landmark_name` characters without a quantity ("一排店铺" is a description),
        a place ending up to 8 characters and not inside an ordinary word ("…门口路面"), a
        tail (门口, 东侧) a name of 2 to `tail_name` characters. Returns (end, area only).
        """
        v = self._v
        if not v.endings.re:
            return None
        stop = v.stops.re.search(text, pos, pos + _MAX_NAME) if v.stops.re else None
        limit = min(stop.start() if stop else pos + _MAX_NAME, _chain_run_end(text, pos))
        at = pos
        while (m := v.endings.re.search(text, at, limit + v.endings.longest)) and m.start() <= limit:
            at = m.start() + 1
            name, word = text[pos : m.start()], m.group()
            n = len(name)
            if name in v.generic or n < min_name:
                continue
            if word in v.landmarks.set and n <= landmark_name and not _QUANTITY_CHARS & set(name):
                return m.end(), False
            if word in v.suffixes.set and not v.is_false(text, m.start()) and (n >= 2 or word not in v.rare):
                return m.end(), word in v.areas
            if word in v.refinements.set and 2 <= n <= tail_name:
                return m.end(), False
        if (after := v.pointers.match(text, pos)) and after < len(text):
            return self._match_named(text, after, 0)  # 一家 + 纯净水店铺, 一条 + 公共停车道
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
