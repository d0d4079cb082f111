"""The /hotspots chart: one horizontal stacked bar per area, a colour per category, as a PNG.

Horizontal so long area names ("延庆镇/百泉社区") stay readable on a phone. Drawn from the plain
AreaTable after the session is closed: matplotlib takes a while and must not hold a transaction.
"""

from __future__ import annotations

import io
import warnings

from bot.reports.hotspots.table import AreaTable
from bot.reports.kpi_chart import cjk_font
from config.schema import GuanjiaConfig

# Enough distinct colours for the configured categories; they repeat beyond that.
PALETTE = ("#4472c4", "#ed7d31", "#a5a5a5", "#ffc000", "#5b9bd5", "#70ad47", "#264478", "#9e480e", "#636363")
MAX_AREAS = 15  # the chart shows the areas with most problems; the table lists them all


def area_chart_png(cfg: GuanjiaConfig, title: str, table: AreaTable) -> bytes:
    """The PNG of problems per area, stacked by category."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    font = cjk_font()
    rows = table.rows[:MAX_AREAS][::-1]  # most problems on top
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": False}):
        fig = Figure(figsize=(7.0, max(2.6, 0.42 * len(rows) + 1.6)), dpi=110)
        ax = fig.add_subplot()
        left = [0] * len(rows)
        for i, category in enumerate(table.categories):
            widths = [r.counts.get(category, 0) for r in rows]
            colour = PALETTE[i % len(PALETTE)]
            ax.barh([r.area for r in rows], widths, left=left, color=colour, label=cfg.category_name(category))
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.set_title(title)
        ax.set_xlabel("问题数")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if rows:
            ax.legend(fontsize="small", loc="lower right")
        else:
            ax.text(0.5, 0.5, "本期没有上报的问题", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            if font is None:  # kpi_chart already logged it once
                warnings.simplefilter("ignore", UserWarning)
            fig.tight_layout()
            fig.savefig(buffer, format="png")
    return buffer.getvalue()
