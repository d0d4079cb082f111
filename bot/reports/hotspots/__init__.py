"""顽疾 (recurring problems): counting, the area × category table, its chart and the digest lines.

A subpackage because bot/reports is at its module limit; callers import from here.
"""

from bot.reports.hotspots.counting import Hotspot, hotspots, normalise_place, place_key, rank_here

__all__ = ["Hotspot", "hotspots", "normalise_place", "place_key", "rank_here"]
