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


def _haystack(point: PointConfig) -> str:
    return f"{point.name} {point.type} {point.area}"


def checklist(cfg: GuanjiaConfig, point_id: str) -> list[str]:
    point = cfg.points.list.get(point_id)
    return list(cfg.points.checklists.get(point.type, [])) if point else []


def point_name(cfg: GuanjiaConfig, point_id: str) -> str:
    point = cfg.points.list.get(point_id)
    return point.name if point else point_id
