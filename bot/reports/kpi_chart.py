"""The bar chart of a weekly/monthly summary: per unit 派单 / 整改 / 销账 / 超期, as a base64 PNG.

Chinese labels need a CJK font. The deploy installs one from Debian (`fonts-wqy-microhei`,
see .ci/run); it is found at run time through matplotlib's font manager. Without one the
chart is still drawn (labels as boxes) and a warning is logged once.
"""

from __future__ import annotations

import base64
import io
import logging
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.reports.kpi import UnitKpi
from config.schema import GuanjiaConfig

log = logging.getLogger(__name__)

# Family names, best first, as fonts-wqy-microhei / fonts-noto-cjk / other systems name them.
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "AR PL UMing CN",
)
# Font files to register when matplotlib's font cache predates the font's installation.
# (compared with the file name lower-cased, without "-" and "_").
CJK_FILE_HINTS = ("wqymicrohei", "wqyzenhei", "notosanscjk", "notosanssc", "sourcehansans", "simhei", "msyh")


@cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font, or None (warned once)."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    for path in font_manager.findSystemFonts():
        name = Path(path).name.lower().replace("-", "").replace("_", "")
        if any(hint in name for hint in CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):
                continue
            return str(font_manager.FontProperties(fname=path).get_name())
    log.warning("no CJK font found (install fonts-wqy-microhei); chart labels will not show Chinese")
    return None


SERIES = (
    ("派单", "dispatched", "#4472c4"),
    ("整改", "fixed", "#70ad47"),
    ("销账", "closed", "#a5a5a5"),
    ("超期", "overdue", "#c00000"),
)


@dataclass(frozen=True)
class ChartData:
    """What a summary's chart shows, kept so the chart can be drawn later, with no transaction open."""

    title: str
    kpis: dict[str, UnitKpi]


def bar_chart_png(cfg: GuanjiaConfig, title: str, kpis: dict[str, UnitKpi]) -> str:
    """Grouped bars per unit; returns the PNG as base64 (what the outbox sends)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    font = cjk_font()
    units = [u for u, k in kpis.items() if k.dispatched or k.overdue]
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": families, "axes.unicode_minus": False}):
        fig = Figure(figsize=(max(6.0, 0.9 * len(units) + 2), 4.2), dpi=110)
        ax = fig.add_subplot()
        width = 0.2
        xs = range(len(units))
        for i, (label, attr, color) in enumerate(SERIES):
            heights = [getattr(kpis[u], attr) for u in units]
            ax.bar([x + (i - 1.5) * width for x in xs], heights, width, label=label, color=color)
        ax.set_xticks(list(xs), [cfg.unit_name(u) for u in units], rotation=30, ha="right")
        ax.set_title(title)
        ax.set_ylabel("工单数")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(ncols=4, fontsize="small")
        if not units:
            ax.text(0.5, 0.5, "本期无派单", ha="center", va="center", transform=ax.transAxes)
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            if font is None:  # already logged once; not one warning per missing glyph
                warnings.simplefilter("ignore", UserWarning)
            fig.tight_layout()
            fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")
