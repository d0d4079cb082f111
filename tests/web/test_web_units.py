"""The units page shows the weekly digest's numbers; share links; web actors' permissions; the CLI."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from bot.app_services import AppServices
from bot.cli.main import main
from bot.core.actor import Actor
from bot.core.errors import PermissionDenied
from bot.reports import periods
from bot.reports.summaries import weekly_summary
from bot.tickets.permissions import require_supervisor, require_unit_member
from models import Ticket
from tests.support.web_helpers import PASSWORD, login, make_user
from tests.support.web_seed import seed_ledger


def _cells(html: str, unit_name: str) -> list[str]:
    row = re.search(rf'<th scope="row">{unit_name}</th>(.*?)</tr>', html, re.S)
    assert row, unit_name
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def test_kpi_table_has_the_weekly_digest_numbers(client: TestClient, services: AppServices, chat, clock) -> None:
    seed_ledger(chat, clock)
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    html = client.get("/units").text
    now = clock.now()
    with services.session_factory() as session:
        digest = weekly_summary(session, services.cfg, periods.local_date(services.cfg, now), now, chart=False).text
    assert digest.split("\n")[0].split("】")[1].split("（")[0] in html  # the same week
    units = re.findall(r"▪(\S+?)：派单(\d+) 认领(\d+) 整改(\d+) 销账(\d+) 超期(\d+) 退回(\d+) 返工(\d+)", digest)
    rates = re.findall(
        r"响应率(\S+) 解决率(\S+) 按期整改率(\S+) 一次验收通过率(\S+) 平均认领(\S+) 平均整改(\S+)", digest
    )
    assert len(units) >= 3 and len(rates) == len(units) + 1  # the first rates line is the district's
    for (name, *counts), rate in zip(units, rates[1:], strict=True):
        cells = _cells(html, name)
        # 得分, 派单, 认领, 整改, 销账, 响应率, 解决率, 按期整改率, 一次验收通过率, 平均认领, 平均整改, 超期, 退回, 返工
        assert cells[1:5] == counts[:4], name
        assert cells[5:11] == list(rate), name
        assert cells[11:14] == counts[4:], name
    for score in re.findall(r"(\d+\.\d)分", digest):
        assert f'<td class="num">{score}</td>' in html


def test_units_page_for_every_role_and_any_week(client: TestClient, services: AppServices, chat, clock) -> None:
    seed_ledger(chat, clock)
    make_user(services, "chen", "unit", unit="hws")
    login(client, "chen")
    page = client.get("/units")
    assert page.status_code == 200 and 'action="/share"' not in page.text
    assert "chart-data" in page.text and "/static/vendor/echarts/echarts.common.min.js" in page.text
    assert client.get("/units?week=2026-11-02").status_code == 200
    assert client.get("/units?week=garbage").status_code == 200
    assert client.get("/static/vendor/echarts/echarts.common.min.js").status_code == 200


def test_share_links_are_read_only_and_expire(client: TestClient, services: AppServices, chat, clock) -> None:
    seed_ledger(chat, clock)
    make_user(services, "wang", "supervisor")
    make_user(services, "ma", "viewer")
    csrf = login(client, "ma")
    assert client.post("/share", data={"csrf_token": csrf, "days": "7"}).status_code == 403
    client.cookies.clear()
    csrf = login(client, "wang")
    page = client.post("/share", data={"csrf_token": csrf, "days": "1"}).text
    link = re.search(r"\n(/s/[\w\-]+)", page)
    assert link
    client.cookies.clear()
    shared = client.get(link.group(1))
    assert shared.status_code == 200 and "创城工作概览" in shared.text and "超期工单" in shared.text
    # A leader cannot read the README: the KPIs are defined on the page they see.
    assert "指标说明" in shared.text and "响应率</b>：按时认领的" in shared.text and "README" not in shared.text
    assert "csrf_token" not in shared.text and 'href="/tickets/' not in shared.text
    assert shared.headers["referrer-policy"] == "no-referrer"
    assert client.get(link.group(1)[:-3] + "xyz").status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303, "a share link is not a login"
    clock.advance(timedelta(days=1, minutes=1))
    assert client.get(link.group(1)).status_code == 403


def test_web_actors_carry_their_role_and_unit(services: AppServices, chat) -> None:
    cfg = services.cfg
    n = chat.report("府前街与南环路交叉口西北角垃圾堆了两天了")
    with services.session_factory() as session:
        t = session.get(Ticket, n)
        assert t is not None
        require_unit_member(cfg, t, Actor("web:chen", "陈", None, "unit", "hws"))
        require_supervisor(cfg, Actor("web:wang", "王", None, "supervisor"), "转派")
        for outsider in (Actor("web:zhou", "周", None, "unit", "jtzd"), Actor("web:ma", "马", None, "viewer")):
            with pytest.raises(PermissionDenied):
                require_unit_member(cfg, t, outsider)
        with pytest.raises(PermissionDenied):
            require_supervisor(cfg, Actor("web:ma", "马", None, "viewer"), "转派")
        require_unit_member(cfg, t, Actor("hws_chen", "陈环卫"))  # chat members as before
        with pytest.raises(PermissionDenied):
            require_unit_member(cfg, t, Actor("jtzd_zhou", "周交警"))


def test_user_add_reads_the_password_from_stdin(
    client: TestClient, services: AppServices, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GUANJIA_DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("GUANJIA_WEB_SECRET_KEY", "test-web-key")

    def run(*argv: str, stdin: str = f"{PASSWORD}\n") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return main(list(argv))

    assert run("user", "add", "wang", "--role", "supervisor", "--display-name", "王主任") == 0
    assert run("user", "add", "chen", "--role", "unit", "--unit", "环卫") == 0
    assert "已创建用户 chen：单位成员（环卫中心）" in capsys.readouterr().out
    assert run("user", "add", "wang", "--role", "viewer") == 2
    assert run("user", "add", "x", "--role", "unit") == 2
    assert run("user", "add", "y", "--role", "boss") == 2
    assert run("user", "add", "z", "--role", "viewer", stdin="short\n") == 2
    errors = capsys.readouterr().err
    assert "已存在" in errors and "--unit" in errors and "角色只能是" in errors and "至少10个字符" in errors
    assert run("user", "list") == 0
    assert "chen" in capsys.readouterr().out
    login(client, "chen")
    assert "工单台账 · 环卫中心" in client.get("/").text
    assert run("user", "passwd", "chen", stdin="a-new-password\n") == 0
    assert client.get("/", follow_redirects=False).status_code == 303
