"""Finding a 测评点位 from what an inspector types: its name, or its type and area words."""

from __future__ import annotations

from config.points_schema import PointConfig
from config.schema import GuanjiaConfig


def find_points(cfg: GuanjiaConfig, query: str) -> list[str]:
    """The point codes `query` names: an exact name (or code) wins; else every point whose name,
    type and area together contain each word ("农贸市场 妫水"), in config order."""
    wanted = query.strip()
    if not wanted:
        return []
    points = cfg.points.list
    exact = [code for code, p in points.items() if wanted in (code, p.name)]
    if exact:
        return exact
    words = wanted.split()
    return [code for code, p in points.items() if all(w in _haystack(p) for w in words)]


def similar_points(cfg: GuanjiaConfig, query: str, limit: int = 5) -> list[str]:
    """Point codes whose name shares two or more characters in a row with `query` ("南关市场"
    → the 农贸市场 points), longest shared run first: what to offer when nothing matches."""
    wanted = "".join(query.split())
    scored = []
    for code, point in cfg.points.list.items():
        run = _longest_common_run(wanted, point.name)
        if run >= 2:
            scored.append((-run, code))
    return [code for _, code in sorted(scored, key=lambda item: item[0])[:limit]]


def _longest_common_run(a: str, b: str) -> int:
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] not in b:
                break
            best = j - i
    return best


def _haystack(point: PointConfig) -> str:
    return f"{point.name} {point.type} {point.area}"


def checklist(cfg: GuanjiaConfig, point_id: str) -> list[str]:
    point = cfg.points.list.get(point_id)
    return list(cfg.points.checklists.get(point.type, [])) if point else []


def point_name(cfg: GuanjiaConfig, point_id: str) -> str:
    point = cfg.points.list.get(point_id)
    return point.name if point else point_id
