"""`guanjia points import FILE.xlsx`: a clerk's point list into the config file, or clear per-row errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.cli.main import main
from config.loader import default_config_path, load_config


def _sheet(
    tmp_path: Path, rows: list[tuple[object, ...]], header: tuple[str, ...] = ("名称", "类型", "区域", "责任单位")
) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "点位.xlsx"
    book.save(path)
    return path


@pytest.fixture
def config_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "guanjia.yaml"
    shutil.copy(default_config_path(), path)
    monkeypatch.setenv("GUANJIA_CONFIG", str(path))
    return path


def test_a_good_sheet_replaces_the_point_list_and_keeps_the_rest_of_the_file(
    config_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = _sheet(
        tmp_path,
        [
            ("妫水农贸市场", "农贸市场", "延庆镇", "市场监管局"),  # already configured: keeps its code
            ("香水园公厕", "公厕", "香水园街道", "环卫"),  # a unit alias is fine
            (None, None, None, None),  # blank rows are skipped
            ("儒林街: 北段", "背街小巷", "儒林街道", "szg"),  # YAML-special characters survive
        ],
    )
    before = config_copy.read_text(encoding="utf-8")
    assert main(["points", "import", str(sheet)]) == 0
    assert "已导入 3 个点位" in capsys.readouterr().out

    points = load_config(config_copy).points.list
    assert list(points) == ["gs-market", "p2", "p3"]
    assert points["p2"].model_dump() == {"name": "香水园公厕", "type": "公厕", "area": "香水园街道", "unit": "hws"}
    assert points["p3"].name == "儒林街: 北段"
    after = config_copy.read_text(encoding="utf-8")
    # Everything outside points.list, comments included, is as the clerk left it.
    keep = before[: before.index("  list:\n    gs-market")]
    assert after.startswith(keep)
    assert "# 测评点位: the points the assessment checks" in after


def test_bad_rows_are_named_and_nothing_is_written(
    config_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = _sheet(
        tmp_path,
        [
            ("香水园公厕", "公厕", "香水园街道", "环卫"),
            ("夏都公园", "公园", "延庆镇", "园林"),
            ("百泉路", "背街小巷", None, "火星局"),
            ("香水园公厕", "公厕", "香水园街道", "环卫"),
            ("妫水公交站", "公交站", "延庆镇", "火星局"),
        ],
    )
    before = config_copy.read_bytes()
    assert main(["points", "import", str(sheet)]) == 1
    err = capsys.readouterr().err
    assert "第3行：类型“公园”没有检查项，请先在 points.checklists 中添加" in err
    assert "第4行：缺少区域" in err
    assert "第5行：点位“香水园公厕”与第2行重复" in err
    assert "第6行：责任单位“火星局”不在 units 中" in err
    assert config_copy.read_bytes() == before


def test_a_wrong_header_or_a_file_that_is_no_workbook_is_refused(
    config_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = config_copy.read_bytes()
    assert main(["points", "import", str(_sheet(tmp_path, [("a", "公厕", "b", "hws")], ("点位", "类型")))]) == 1
    assert "第1行应为表头：名称/类型/区域/责任单位" in capsys.readouterr().err
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    assert main(["points", "import", str(fake)]) == 1
    assert "无法读取表格 fake.xlsx" in capsys.readouterr().err
    assert config_copy.read_bytes() == before
