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

# A distinct colour for each of the taxonomy's 20 categories (matplotlib's tab10, then its light
# tints): with 9 colours, 门前三包 and 违法建设 were the same blue and the legend could not be read.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
)  # fmt: skip
LEGEND_COLUMNS = 4
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
        legend_rows = -(-len(table.categories) // LEGEND_COLUMNS)
        height = max(2.6, 0.42 * len(rows) + 1.6) + (0.22 * legend_rows if rows else 0)
        # Constrained layout makes room for the legend outside the axes (below the label).
        fig = Figure(figsize=(7.0, height), dpi=110, layout="constrained")
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
            # Below the bars, in columns: inside the axes it covered the top area's bar, and
            # with many categories it ran off the top of the image.
            fig.legend(fontsize="small", loc="outside lower center", ncols=LEGEND_COLUMNS, frameon=False)
        else:
            ax.text(0.5, 0.5, "本期没有上报的问题", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            if font is None:  # kpi_chart already logged it once
                warnings.simplefilter("ignore", UserWarning)
            fig.savefig(buffer, format="png")
    return buffer.getvalue()
