"""横向对比: a composite score per unit from its KPIs, the 红榜 / 黑榜, and the change since last time.

score = weighted mean of the unit's rates (config `digests.weights`) × 100; a rate with no
denominator (nothing fixed yet, say) is left out and the other weights share its part.
Only units with at least `digests.min_tickets_for_ranking` tickets dispatched in the
period are ranked, and never the triage unit (the 创城办 itself).

红榜 and 黑榜 each name at most `digests.ranking_size` units and at most half of those ranked
(rounded down): with three ranked units the best is on the 红榜, the worst on the 黑榜 and the
middle one on neither; a lone ranked unit is on neither (there is nothing to compare it with).
A 红榜 praises, so a unit with 响应率 0% (it claimed nothing in time) is never on it, however
its other rates score; its place is left empty rather than given to a lower half's unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.reports.kpi import RATE_NAMES, UnitKpi
from config.schema import GuanjiaConfig


@dataclass(frozen=True)
class RankedUnit:
    unit: str
    score: float
    rank: int  # 1 = best
    previous_score: float | None = None
    previous_rank: int | None = None

    @property
    def rank_change(self) -> int | None:
        """Places gained since the previous period (negative: lost); None if not ranked then."""
        return None if self.previous_rank is None else self.previous_rank - self.rank


@dataclass(frozen=True)
class Ranking:
    ranked: list[RankedUnit]
    # Units with activity but too few tickets to be ranked.
    unranked: list[str]
    size: int
    # Ranked units that may not be on the 红榜 (响应率 0%).
    barred: frozenset[str] = frozenset()

    @property
    def board_size(self) -> int:
        """How many units each board may name: the configured size, at most half the ranked."""
        return min(self.size, len(self.ranked) // 2)

    @property
    def top(self) -> list[RankedUnit]:
        return [r for r in self.ranked[: self.board_size] if r.unit not in self.barred]

    @property
    def bottom(self) -> list[RankedUnit]:
        """Worst first; from the lower half only, so never a unit of the 红榜's half."""
        return list(reversed(self.ranked[len(self.ranked) - self.board_size :]))

    def of(self, unit: str) -> RankedUnit | None:
        return next((r for r in self.ranked if r.unit == unit), None)


def score(cfg: GuanjiaConfig, kpi: UnitKpi) -> float | None:
    weights = cfg.digests.weights
    parts = [(getattr(weights, name), getattr(kpi, name)) for name in RATE_NAMES]
    parts = [(w, rate) for w, rate in parts if rate is not None and w > 0]
    weight = sum(w for w, _ in parts)
    if not weight:
        return None
    return round(100 * sum(w * rate for w, rate in parts) / weight, 1)


def _scores(cfg: GuanjiaConfig, kpis: dict[str, UnitKpi]) -> list[tuple[str, float]]:
    scored = []
    for unit, kpi in kpis.items():
        if unit == cfg.triage_unit or kpi.dispatched < cfg.digests.min_tickets_for_ranking:
            continue
        value = score(cfg, kpi)
        if value is not None:
            scored.append((unit, value))
    # Ties: more tickets dispatched first, then the config's unit order.
    order = {code: i for i, code in enumerate(cfg.units)}
    scored.sort(key=lambda pair: (-pair[1], -kpis[pair[0]].dispatched, order.get(pair[0], 0)))
    return scored


def rank(cfg: GuanjiaConfig, kpis: dict[str, UnitKpi], previous: dict[str, UnitKpi] | None = None) -> Ranking:
    before = {unit: (i + 1, value) for i, (unit, value) in enumerate(_scores(cfg, previous or {}))}
    ranked = []
    for i, (unit, value) in enumerate(_scores(cfg, kpis)):
        prev_rank, prev_score = before.get(unit, (None, None))
        ranked.append(RankedUnit(unit, value, i + 1, prev_score, prev_rank))
    names = {r.unit for r in ranked}
    unranked = [u for u, k in kpis.items() if u not in names and u != cfg.triage_unit and k.dispatched]
    barred = frozenset(r.unit for r in ranked if kpis[r.unit].response_rate == 0)
    return Ranking(ranked, unranked, cfg.digests.ranking_size, barred)
