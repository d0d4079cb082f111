"""Where a place lies: community and street/town, from the `gazetteer:` section of the config.

A territorial ticket (the gazetteer's unit, `sd`) is for the community the place lies in: its
members are the ones @-ed, and the ledger's area column says "街道/社区". A place the
gazetteer does not know keeps the group's default area and the unit's own members.
"""

from __future__ import annotations

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
