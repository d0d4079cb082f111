"""`guanjia points import`: a clerk's spreadsheet of 测评点位 into the `points.list` of the config file.

The points stay in the config file (not the database) so the clerk can still edit one by hand,
and the file stays the one place that says what the deployment knows. Only the `list:` block
under `points:` is rewritten; every other line, comments included, is kept. Nothing is written
unless every row is good and the whole file still loads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from openpyxl import load_workbook

from config.loader import ConfigError, parse_config
from config.schema import GuanjiaConfig

HEADER = ("名称", "类型", "区域", "责任单位")
# The longest sheet read; a bigger file is not a point list.
MAX_ROWS = 5000


@dataclass(frozen=True)
class ImportResult:
    points: dict[str, dict[str, str]]  # code -> name/type/area/unit, in sheet order
    errors: list[str]


def read_points(cfg: GuanjiaConfig, path: Path) -> ImportResult:
    """The sheet's points (codes kept for names already configured) or the rows that are wrong."""
    try:
        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        return ImportResult({}, [f"无法读取表格 {path.name}：{type(exc).__name__}"])
    if number_of_rows(sheet) > MAX_ROWS + 1:
        return ImportResult({}, [f"表格超过{MAX_ROWS}行，请分批导入"])
    rows = sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1)
    header = tuple(str(c).strip() if c is not None else "" for c in next(rows, ()))
    if header[: len(HEADER)] != HEADER:
        return ImportResult({}, [f"第1行应为表头：{'/'.join(HEADER)}，实际为：{'/'.join(header) or '空'}"])
    known = {p.name: code for code, p in cfg.points.list.items()}
    points: dict[str, dict[str, str]] = {}
    names: dict[str, int] = {}
    errors: list[str] = []
    for number, row in enumerate(rows, start=2):
        cells = [str(c).strip() if c is not None else "" for c in (*row, "", "", "", "")[:4]]
        if not any(cells):
            continue
        name, kind, area, unit_text = cells
        missing = [label for label, value in zip(HEADER, cells, strict=True) if not value]
        if missing:
            errors.append(f"第{number}行：缺少{'、'.join(missing)}")
            continue
        unit = cfg.find_unit(unit_text)
        if unit is None:
            errors.append(f"第{number}行：责任单位“{unit_text}”不在 units 中")
        if kind not in cfg.points.checklists:
            errors.append(f"第{number}行：类型“{kind}”没有检查项，请先在 points.checklists 中添加")
        if name in names:
            errors.append(f"第{number}行：点位“{name}”与第{names[name]}行重复")
        names.setdefault(name, number)
        if unit is not None and not errors:
            code = known.get(name) or _new_code(points, known, len(points) + 1)
            points[code] = {"name": name, "type": kind, "area": area, "unit": unit}
    return ImportResult(points if not errors else {}, errors)


def number_of_rows(sheet: object) -> int:
    return int(getattr(sheet, "max_row", 0) or 0)


def _new_code(points: dict[str, dict[str, str]], known: dict[str, str], n: int) -> str:
    taken = set(points) | set(known.values())
    while f"p{n}" in taken:
        n += 1
    return f"p{n}"


def rewrite_points(config_text: str, points: dict[str, dict[str, str]]) -> str:
    """The config text with `points.list` replaced (a `points:` section is added if missing)."""
    block = ["  list:"] + [
        f"    {code}: {{" + ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in p.items()) + "}"
        for code, p in points.items()
    ]
    lines = config_text.splitlines()
    try:
        section = lines.index("points:")
    except ValueError:
        return config_text.rstrip("\n") + "\n\npoints:\n" + "\n".join(block) + "\n"
    end = next(
        (i for i in range(section + 1, len(lines)) if lines[i] and not lines[i].startswith((" ", "#"))), len(lines)
    )
    start = next((i for i in range(section + 1, end) if lines[i].startswith("  list:")), None)
    if start is None:
        lines[end:end] = block
    else:
        stop = next((i for i in range(start + 1, end) if lines[i].strip() and not lines[i].startswith("    ")), end)
        while stop - 1 > start and not lines[stop - 1].strip():
            stop -= 1  # keep the blank lines before the next section
        lines[start:stop] = block
    return "\n".join(lines) + "\n"


def import_points(config_path: Path, cfg: GuanjiaConfig, sheet: Path) -> ImportResult:
    """Read the sheet and, when every row is good and the new file loads, write the config file."""
    result = read_points(cfg, sheet)
    if result.errors:
        return result
    if not result.points:
        return ImportResult({}, ["表格中没有点位"])
    text = rewrite_points(config_path.read_text(encoding="utf-8"), result.points)
    try:
        parse_config(yaml.safe_load(text), str(config_path))
    except ConfigError as exc:
        return ImportResult({}, [str(exc)])
    config_path.write_text(text, encoding="utf-8")
    return result
