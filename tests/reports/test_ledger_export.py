"""The 台账 workbook opens in openpyxl with the right sheets, rows, real dates and KPIs; the
same file comes from `guanjia export` and GET /api/export.xlsx."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from bot.app_services import AppServices
from bot.cli.main import main
from bot.core.clock import ManualClock
from bot.reports.ledger_export import TICKET_COLUMNS, write_ledger
from tests.reports.test_kpi import at, build_week, cfg  # noqa: F401 - cfg: the pinned-deadline config
from tests.support.chat import Chat

HEADERS = [name for name, _ in TICKET_COLUMNS]


def export(services: AppServices, now: datetime, **bounds: object) -> Workbook:
    out = io.BytesIO()
    with services.session_factory() as session:
        write_ledger(session, services.cfg, out, now, **bounds)  # type: ignore[arg-type]
    out.seek(0)
    return load_workbook(out)


def rows(wb: Workbook, sheet: str) -> list[dict[str, object]]:
    values = list(wb[sheet].iter_rows(values_only=True))
    header = list(values[0])
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


def test_workbook_has_summary_all_tickets_and_one_sheet_per_unit(
    chat: Chat, clock: ManualClock, services: AppServices
) -> None:
    t = build_week(chat, clock, services)
    clock.set(at(30, 9))
    wb = export(services, clock.now(), since=date(2026, 11, 23), until=date(2026, 11, 29))
    units = [u.name for u in services.cfg.units.values()]
    assert wb.sheetnames == ["汇总", "全部工单", *units]
    assert wb["全部工单"].freeze_panes == "A2"
    assert [c.value for c in wb["全部工单"][1]] == HEADERS
    assert wb["全部工单"].column_dimensions["H"].width >= 40  # 描述 fits Chinese text

    tickets = {r["编号"]: r for r in rows(wb, "全部工单")}
    assert sorted(tickets) == sorted(t.values())
    t1 = tickets[t["T1"]]
    assert t1["上报时间"] == datetime(2026, 11, 23, 9, 0)  # local time, a real date cell
    assert (t1["认领时间"], t1["整改时间"], t1["验收时间"]) == (
        datetime(2026, 11, 23, 9, 30),
        datetime(2026, 11, 23, 15, 0),
        datetime(2026, 11, 23, 16, 0),
    )
    assert (t1["上报人"], t1["群"], t1["类别"], t1["属地"]) == (
        "李网格",
        "延庆镇创城大管家群",
        "垃圾与环境卫生",
        "延庆镇",
    )
    assert (t1["地点"], t1["责任单位"], t1["状态"], t1["是否超期"]) == (
        "府前街与南环路交叉口西北角",
        "环卫中心",
        "已销账",
        "否",
    )
    assert wb["全部工单"]["B2"].number_format == "yyyy-mm-dd hh:mm"
    # T2 missed its Tue 10:00 deadline (fixed 12:00), failed 验收 and was fixed again at 15:00:
    # late from the deadline it missed, whatever its rework deadline. T3 is still unfixed 5 days
    # after its deadline.
    assert (tickets[t["T2"]]["是否超期"], tickets[t["T2"]]["超期时长（小时）"]) == ("是", 5.0)
    assert (tickets[t["T3"]]["是否超期"], tickets[t["T3"]]["超期时长（小时）"]) == ("是", 120.0)
    assert tickets[t["T4"]]["责任单位"] == "交警支队"
    assert tickets[t["T7"]]["状态"] == "已撤销"

    assert sorted(r["编号"] for r in rows(wb, "环卫中心")) == sorted([t["T1"], t["T2"], t["T3"], t["T6"], t["T7"]])
    assert sorted(r["编号"] for r in rows(wb, "交警支队")) == [t["T4"], t["T5"]]
    assert rows(wb, "园林绿化局") == []

    summary = {r["单位"]: r for r in rows(wb, "汇总") if r["单位"]}
    hws = summary["环卫中心"]
    assert (hws["派单数"], hws["认领数"], hws["整改数"], hws["超期数"], hws["退回数"], hws["返工数"]) == (
        5,
        2,
        2,
        2,
        1,
        1,
    )
    assert hws["响应率"] == pytest.approx(1 / 3)
    assert hws["解决率"] == pytest.approx(0.5)
    assert hws["综合得分"] == 45.0
    assert summary["全区合计"]["派单数"] == 6  # T4, 退回 and 转派, is one ticket for the district


def test_since_and_until_are_inclusive_local_dates(chat: Chat, clock: ManualClock, services: AppServices) -> None:
    t = build_week(chat, clock, services)
    clock.set(at(30, 9))
    wb = export(services, clock.now(), since=date(2026, 11, 26), until=date(2026, 11, 27))
    assert sorted(r["编号"] for r in rows(wb, "全部工单")) == [t["T5"], t["T7"]]


def test_photos_are_counted_and_linked(chat: Chat, clock: ManualClock, services: AppServices) -> None:
    outcome = chat.send("府前街与南环路交叉口西北角垃圾堆了两天了", images=("https://img.example/a.jpg",))
    ticket = outcome.tickets[0]
    chat.send(f"完成 {ticket}", sender="hws_chen", images=("data:image/png;base64,AAAA",))
    wb = export(services, clock.now())
    (row,) = rows(wb, "全部工单")
    assert row["照片"] == "整改前1张 整改后1张\nhttps://img.example/a.jpg"


def test_export_route_returns_the_workbook(chat: Chat, clock: ManualClock, client: TestClient) -> None:
    chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    response = client.get("/api/export.xlsx", params={"since": "2026-11-23", "until": "2026-11-23"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert [r["编号"] for r in rows(wb, "全部工单")] == [1]
    empty = client.get("/api/export.xlsx", params={"since": "2026-11-24"})
    assert rows(load_workbook(io.BytesIO(empty.content)), "全部工单") == []
    assert client.get("/api/export.xlsx", params={"since": "yesterday"}).status_code == 422


def test_cli_export_writes_the_file(
    chat: Chat,
    services: AppServices,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    monkeypatch.setenv("GUANJIA_DATABASE_URL", services.settings.database_url)
    target = tmp_path / "台账.xlsx"
    assert main(["export", "--since", "2026-11-23", "-o", str(target), "--now", "2026-11-23T18:00"]) == 0
    assert "已导出 1 张工单" in capsys.readouterr().out
    assert [r["编号"] for r in rows(load_workbook(target), "全部工单")] == [1]
