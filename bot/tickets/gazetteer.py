"""Where a place lies: community and street/town, from the `gazetteer:` section of the config;
and which places are one spot (`place_key`).

A territorial ticket (the gazetteer's unit, `sd`) is for the community the place lies in: its
members are the ones @-ed, and the ledger's area column says "街道/社区". A place the
gazetteer does not know keeps the group's default area and the unit's own members.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from config.schema import GuanjiaConfig

AREA_SEPARATOR = "/"


@dataclass(frozen=True)
class Territory:
    community: str
    area: str  # street or town
    members: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.area}{AREA_SEPARATOR}{self.community}"


def _places(cfg: GuanjiaConfig) -> list[tuple[str, str]]:
    """(place name, community), longest name first so 百泉小区东区 beats 百泉小区."""
    pairs = [(place, name) for name, c in cfg.gazetteer.communities.items() for place in [name, *c.places] if place]
    return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)


def resolve(cfg: GuanjiaConfig, *texts: str | None) -> Territory | None:
    """The community named in the first text that names one (the place phrase, then the message)."""
    if not cfg.gazetteer.communities:
        return None
    places = _places(cfg)
    for text in texts:
        if not text:
            continue
        for place, name in places:
            if place in text:
                community = cfg.gazetteer.communities[name]
                return Territory(name, community.area, tuple(community.members))
    return None


def by_area(cfg: GuanjiaConfig, area: str | None) -> Territory | None:
    """The community an area label ("街道/社区") was filled from."""
    if not area or AREA_SEPARATOR not in area:
        return None
    name = area.split(AREA_SEPARATOR, 1)[1]
    community = cfg.gazetteer.communities.get(name)
    return Territory(name, community.area, tuple(community.members)) if community else None


def area_for(cfg: GuanjiaConfig, group_id: str, location: str | None, text: str | None) -> str | None:
    """The ledger's area: the community the place lies in, else the group's default area."""
    territory = resolve(cfg, location, text)
    if territory is not None:
        return territory.label
    group = cfg.groups.get(group_id)
    return group.area if group else None


def territorial_members(cfg: GuanjiaConfig, unit: str, area: str | None) -> list[str] | None:
    """Members of the community for a territorial ticket, or None when it has none to name."""
    if unit != cfg.gazetteer.unit:
        return None
    territory = by_area(cfg, area)
    return list(territory.members) if territory and territory.members else None


def all_territorial_members(cfg: GuanjiaConfig, unit: str) -> set[str]:
    """Everyone who may act for the territorial unit through a community."""
    if unit != cfg.gazetteer.unit:
        return set()
    return {m for c in cfg.gazetteer.communities.values() for m in c.members}


# --- one spot however it is written ------------------------------------------------------
#
# One key for one spot however it is written, so a second report there is found as a repeat.
#
# Several people report the same overflowing bin, each in their own words for the crossing:
# "府前街与南环路交叉口西北角", "府前街南环路口西北角", "南环路和府前街十字路口西北角附近". Compared
# as written, each became a ticket of its own and two units' members went to one spot. The key
# drops what does not tell spots apart (connectors, the crossing word, "附近", spaces and
# punctuation) and puts a crossing's two roads in one order; what does (the corner, 3号楼, 北门)
# stays, and so does 小区 at the end of a name (幸福小区 is not 幸福). It is conservative: two
# different places never share a key by this, while some ways of writing one place still differ
# (东湖家园北门 / 东湖家园的北门).
KEY_MAX_CHARS = 200

# Punctuation, spaces and connectors between roads: 与 和 跟 及 同 、 and "/".
_NOISE = re.compile(r"[\s,，.。、/／·・\-—()（）\[\]【】“”\"']+")
_CROSSING = re.compile(r"(?:交叉路口|十字路口|丁字路口|交叉口|交汇处|交汇口|交界处|交界口|交口)")
# A crossing written as a road name and 口: 南环路口, 步行街口, 百花街路口 (the road, then 路口).
_ROAD_MOUTH = re.compile(r"(?<=[街道巷])路口|(?<=[路街道巷])口")
# 小区 inside a name: 东湖家园小区北门 is 东湖家园北门 (kept when it ends the name: 幸福小区).
_ESTATE = re.compile(r"(?<=[\u4e00-\u9fff])小区(?=.)")
# Trailing words that say "around there": the same spot with or without them.
_AROUND = re.compile(r"(?:附近|旁边|边上|周边|一带|那里|那边|这里|这边|处)+$")
_ROAD = r"[\u4e00-\u9fff0-9A-Za-z]{1,8}?(?:大街|大道|路|街|巷|道|胡同)"
# Two roads and what follows: "府前街与南环路交叉口西北角". The connector is optional
# ("府前街南环路口"); the crossing word is what says it is a crossing.
_TWO_ROADS = re.compile(rf"^(?P<a>{_ROAD})(?:与|和|跟|及|同)?(?P<b>{_ROAD})(?P<rest>.*)$")


def place_key(location: str | None) -> str | None:
    """The spot's key, or None for no place."""
    if not location:
        return None
    text = _NOISE.sub("", location)
    text = _AROUND.sub("", text) or text
    text = _ESTATE.sub("", text)
    crossing, words = _CROSSING.subn("", text)
    crossing, mouths = _ROAD_MOUTH.subn("", crossing)
    roads = _TWO_ROADS.match(crossing) if words or mouths else None
    if roads:  # a crossing of two roads: in one order, without the word for it
        first, second = sorted((roads.group("a"), roads.group("b")))
        text = f"{first}×{second}{roads.group('rest')}"
    return text[:KEY_MAX_CHARS] or None
