"""The word lists and fixed patterns the place extractor reads a message with.

Words come from the `parser:` section of the config (a clerk adds 屯, 弄 or 站台 there);
what stays in code is the shape of numbers, letters and distances ("3号楼2单元", "A3区",
"往南50米"), which does not vary from one district to the next.
"""

from __future__ import annotations

import re
import unicodedata

from config.schema import ParserConfig

_NUM = r"(?:\d+(?:[-~至]\d+)?|[一二三四五六七八九十百零两]+)"
# Units a number refines a place with, longest first so 号楼 wins over 号. 期/区/座 are
# phases and blocks of an estate (二期, B区); 弄/支弄 are Shanghai lanes; 组/队 villages.
# 第2个 counts stairways along a building (1号楼的第2个楼梯口); 室 is a flat (2单元402室),
# 段 a numbered stretch of road (一环路北二段), 地块 a building plot (03-04地块), 路 a bus
# line (虎滩新区 + 2路 + 公交车终点站).
_UNITS = (
    "号楼|号院|号门|号杆|号线|号出口|号口|号街坊|号|单元|栋|幢|座|层|楼梯口|楼梯|楼|梯|期|街坊|区|弄|支弄|组|队|排|巷"
    "|门|出口|口|室|段|地块|路"
)
NUMBER_RE = re.compile(
    rf"(?:第{_NUM}个?(?:{_UNITS})|{_NUM}(?:{_UNITS})|[A-Za-z](?:-?\d+(?:-\d+)?)? ?(?:{_UNITS})|[A-Za-z]\d+)[前后下旁]?"
)
# A numbered building is a place on its own when it opens a clause ("17号楼有人…").
# A count is no building: "一栋楼" is not 1栋, "三号楼" is.
BUILDING_RE = re.compile(r"\d+(?:-\d+)?(?:号楼|号院|单元|栋|幢)|[一二三四五六七八九十]+(?:号楼|号院)")
# "往南50米", "东侧约100米处", "向西200多米", "往西二三十米处", "50米处": how far from the
# place; "向北" alone is the way along it (XX大桥向北).
_DIR = r"(?:东北|东南|西北|西南|[东南西北])"
DISTANCE_RE = re.compile(
    rf"(?:(?:往|向|朝)?正?{_DIR}(?:方向|侧|边)?(?:走|行)?)?"
    r"(?:约|大约)?(?:\d+(?:\.\d+)?|[一二三四五六七八九十百几两]+)多?(?:米|公里|km|m)(?:左右)?处?"
    rf"|(?:往|向|朝)正?{_DIR}(?:方向)?"
    # the way along a place towards another, or from one side to the other: 往三江方向,
    # 往7路公交车总站方向约500米处, 由东向西, 南往北方向
    rf"|(?:由?{_DIR}(?:往|向){_DIR}(?:方向)?|(?:往|向|朝)[\u4e00-\u9fffA-Za-z0-9]{{1,10}}?方向)"
    r"(?:(?:约|大约)?(?:\d+|[一二三四五六七八九十百几两]+)多?(?:米|公里)(?:左右)?(?:处|范围内)?)?"
)
# A bracket right after a place that says more about it: 霍侯一级路(旅游路口至洪古路口).
BRACKET_RE = re.compile(r"[(（]([^()（）]{2,24})[)）]")
# A list of numbered buildings: 121弄、129弄.
LIST_SEPARATORS = "、,，/"
TRIM = " :：,，.。、-—"
LEAD_RE = re.compile(r"在|位于|家住|住在")
# Pointing words that end a phrase say nothing of the place (XX路这边); 附近, 一带 and
# 周围 do (near the school is not in it) and stay.
TRAIL_RE = re.compile(r"(?:这块儿?|那块儿?|这边|那边)$")
# Latin letters and digits belong to coded names (A3区, G107国道, K8县); "·" to brand names.
_LATIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


_NUMERALS = frozenset("0123456789一二三四五六七八九十")
# After a number 马路 is a road's name (二马路, 六马路); 四车道 is still a count of lanes.
_NUMBERED_ROAD = "马路"


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def is_name_char(ch: str) -> bool:
    """Place names are Chinese, sometimes with Latin letters and digits (XX小区, G107国道)."""
    return is_cjk(ch) or ch in _LATIN or ch.isdigit() or ch == "·"


def trim_digits(name: str) -> str:
    """Digits belong to a coded name (A3, G107) and to a number (阳光水岸8号 + 小区, 12号 +
    居民楼), but not to a bare count ("3个小区")."""
    if any(c in _LATIN for c in name):
        return name
    i = _cjk_start(name, len(name))
    while i > 0 and name.startswith("号", i) and name[i - 1].isdigit():
        while i > 0 and name[i - 1].isdigit():
            i -= 1
        i = _cjk_start(name, i)
    return name[i:]


def _cjk_start(name: str, i: int) -> int:
    while i > 0 and (is_cjk(name[i - 1]) or name[i - 1] == "·"):
        i -= 1
    return i


def nfkc_sorted(words: list[str]) -> list[str]:
    """Normalise vocabulary like messages are normalised; longest first so 大街 beats 街."""
    return sorted({unicodedata.normalize("NFKC", w) for w in words if w}, key=len, reverse=True)


class Words:
    """A word list matched at a position or searched in a name, as one compiled regex."""

    def __init__(self, words: list[str]) -> None:
        self.words = nfkc_sorted(words)
        self.re = re.compile("|".join(map(re.escape, self.words))) if self.words else None
        self.set = frozenset(self.words)
        self.tuple = tuple(self.words)
        self.longest = len(self.words[0]) if self.words else 0
        # Every occurrence, overlapping ones too: the longest word at each position.
        self._any = re.compile(f"(?=({self.re.pattern}))") if self.re else None
        # char -> (index, length) -> words holding that char at that index past their first.
        inner: dict[str, dict[tuple[int, int], set[str]]] = {}
        for w in self.words:
            for i in range(1, len(w)):
                inner.setdefault(w[i], {}).setdefault((i, len(w)), set()).add(w)
        self._inner = {ch: [(i, n, frozenset(ws)) for (i, n), ws in d.items()] for ch, d in inner.items()}

    def match(self, text: str, pos: int) -> int | None:
        m = self.re.match(text, pos) if self.re else None
        return m.end() if m else None

    def search(self, text: str) -> bool:
        return bool(self.re and self.re.search(text))

    def covers(self, text: str, pos: int) -> bool:
        """A word of the list starts before `pos` and runs over it (道路 over the 路 of 路)."""
        inner = self._inner.get(text[pos : pos + 1], ())
        return any(pos >= i and text[pos - i : pos - i + n] in words for i, n, words in inner)

    def cut(self, name: str) -> str:
        """The part of `name` after the last word of the list in it ("我现在在杏园" -> 杏园)."""
        if not self._any:
            return name
        cut = 0
        for m in self._any.finditer(name):
            cut = max(cut, m.start() + len(m.group(1)))
        return name[cut:]


class Vocabulary:
    """Every place word list of the config, compiled once."""

    def __init__(self, pc: ParserConfig) -> None:
        self.suffixes = Words([*pc.place_suffixes, *pc.place_rare_suffixes])
        self.rare = frozenset(nfkc_sorted(pc.place_rare_suffixes)) - frozenset(nfkc_sorted(pc.place_suffixes))
        self.areas = frozenset(nfkc_sorted(pc.place_areas))
        self.short_name_areas = frozenset(nfkc_sorted(pc.place_short_name_areas))
        self.landmarks = Words([*pc.place_landmarks, *pc.place_problem_landmarks])
        directional = [d + t for d in pc.place_directions for t in pc.place_direction_tails]
        self.tails = Words([*pc.place_tails, *directional])
        # Refinements after a place: the tails and the parts that make no place alone (围墙).
        self.refinements = Words([*self.tails.words, *pc.place_parts])
        # Every ending a name may carry after a place, scanned in one pass.
        self.endings = Words([*self.suffixes.words, *self.landmarks.words, *self.refinements.words])
        self.joiners = Words(pc.place_joiners)
        self.links = Words(pc.place_links)
        self.stops = Words(pc.place_stop_words)
        self.leads = frozenset(nfkc_sorted(pc.place_lead_words))
        self.agents = Words(pc.place_agent_words)
        self.agencies = tuple(nfkc_sorted(pc.place_agency_endings))
        self.positions = Words(pc.place_positions)
        self.pointers = Words(pc.place_pointers)
        self.visits = Words(pc.place_visit_words)
        self.seen = Words(pc.place_seen_words)
        self.false = Words(pc.place_false_words)
        self.generic = frozenset(nfkc_sorted(pc.place_generic_names))
        self._generic_words = Words([w for w in self.generic if len(w) >= 2])
        labels = "|".join(map(re.escape, nfkc_sorted(pc.place_labels)))
        self.label_re = re.compile(rf"(?:{labels})\s*:\s*([^\s,.;!?，。；！？]+)") if labels else None

    def generic_prefix(self, text: str, pos: int) -> bool:
        """A generic name of two characters or more starts at `pos` (小区门口, 马路边)."""
        return self._generic_words.match(text, pos) is not None

    def is_false(self, text: str, start: int) -> bool:
        """A place ending at `start` that is part of an ordinary word (路面, 道路, 城市), unless
        a number makes that word a name: 二马路, 六马路 are roads, not "the road"."""
        if self.false.match(text, start):
            return True
        if not self.false.covers(text, start):
            return False
        return not (start >= 2 and text[start - 2] in _NUMERALS and text.startswith(_NUMBERED_ROAD, start - 1))
