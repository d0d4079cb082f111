"""Report text cannot make the bot @ everyone or add markdown structure to its messages."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.adapters import dingtalk, wecom
from bot.app_services import AppServices
from bot.chat.messages import Outcome, Reply
from bot.core.clock import ManualClock
from bot.core.echo_safety import echo, no_mass_mentions
from bot.outbound.delivery import OutboundMessage
from bot.outbound.feishu_transport import FeishuTransport
from bot.outbound.wecom_transport import WeComTransport
from config.schema import OutboundConfig
from models import OutboxMessage, Ticket
from tests.support.chat import Chat

HOSTILE = '@所有人 # 标题 [x](http://evil) <at user_id="all">所有人</at> **粗体**\n## 第二行 <@all>'
GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"

_EVERYONE = re.compile(r"[@＠]\s*(所有人|all\b)|<\s*at\b|<@", re.IGNORECASE)
_MARKDOWN = re.compile(r"\[[^\]]*\]\(|^\s*#{1,6}\s|\*\*|<[a-zA-Z/]", re.MULTILINE)


def assert_inert(text: str) -> None:
    assert not _EVERYONE.search(text), text
    assert not _MARKDOWN.search(text), text


def assert_renders_without_everyone(services: AppServices, text: str, mentions: tuple[str, ...] = ()) -> None:
    cfg = services.cfg
    ding = dingtalk.render_message(text, mentions, cfg)
    assert ding["at"]["isAtAll"] is False
    body = ding.get("markdown", ding.get("text"))
    assert not _EVERYONE.search(str(body)), body
    feishu = FeishuTransport(services.clock).body(OutboundConfig(), OutboundMessage("demo", text, mentions), cfg)
    assert "all" not in re.findall(r'<at user_id="([^"]*)"', str(feishu)), feishu
    assert not _EVERYONE.search(feishu["content"]["text"].split("\n<at")[0])  # type: ignore[index]
    for piece in WeComTransport().bodies(OutboundMessage("demo", text, mentions), cfg):
        inner = piece.get("text") or piece.get("markdown")
        assert isinstance(inner, dict)
        assert "@all" not in inner.get("mentioned_list", [])
        assert "<@all>" not in str(inner.get("content"))
    reply = wecom.reply_text(Outcome([Reply(text, mentions)]), cfg, markdown=True)
    assert "<@all>" not in reply and "@所有人" not in reply


def test_echo_keeps_one_inert_line() -> None:
    safe = echo(HOSTILE)
    assert "\n" not in safe
    assert_inert(safe)
    assert "所有人" in safe and "标题" in safe  # still readable
    assert echo("府前街3号楼北侧") == "府前街3号楼北侧"
    assert echo(None) == "" and echo("  \n ") == ""
    assert len(echo("很长" * 1000)) == 500


def test_whole_message_guard_keeps_the_bots_own_mentions() -> None:
    assert no_mass_mentions("请 @陈环卫 处理") == "请 @陈环卫 处理"
    assert no_mass_mentions("邮件 a@b.cn") == "邮件 a@b.cn"
    guarded = no_mass_mentions('x @所有人 @all <at user_id="all">所有人</at> <@all> ＠全体成员')
    assert not _EVERYONE.search(guarded), guarded


def _hostile_ticket(chat: Chat, services: AppServices) -> int:
    n = chat.report(GARBAGE)
    with services.session_factory() as session, session.begin():
        session.get_one(Ticket, n).location = HOSTILE
    return n


def test_hostile_place_is_inert_in_replies_reminders_and_digests(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = _hostile_ticket(chat, services)
    texts: list[tuple[str, tuple[str, ...]]] = []
    for line in (f"查询 {n}", "待办 环卫", "超时"):
        texts += [(r.text, r.mentions) for r in chat.send(line).replies]
    clock.advance(timedelta(hours=26))  # claim and fix deadlines passed: alarms
    services.scheduler.run_due(clock.now())
    with services.session_factory() as session:
        queued = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")))
    assert queued, "no reminder was queued"
    texts += [(m.text, tuple(m.mentions)) for m in queued]
    texts += [(r.text, r.mentions) for r in chat.send("日报 全区").replies]
    texts += [(r.text, r.mentions) for r in chat.send("超时").replies]
    shown = [t for t, _ in texts if "所有人" in t]
    assert len(shown) >= 4, texts  # the place is shown (defanged) in each kind of message
    for text, mentions in texts:
        for line in text.splitlines():
            if "所有人" in line:
                assert_inert(line)
        assert not _EVERYONE.search(text), text
        assert_renders_without_everyone(services, text, mentions)


def test_hostile_reasons_and_names_are_inert(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    reply = chat.say(f"撤销 {n} [点我](http://evil) @所有人\n# 大标题", sender="wgy_li")
    assert "已撤销" in reply
    assert_inert(reply)
    m = chat.report("东关大街与北环路交叉口有辆白色轿车停在人行道上")
    outcome = chat.send(f"认领 {m}", sender="jtzd_zhou")
    assert outcome.replies
    text = chat.say(f"查询 {n}")
    assert_inert(text)


def test_a_follow_up_cannot_give_a_hostile_place(chat: Chat, services: AppServices) -> None:
    n = chat.report("这里垃圾堆了两天了没人管")
    chat.send("地点：@所有人 #题[x](y.cn)")
    with services.session_factory() as session:
        location = session.get_one(Ticket, n).location
    # The place keeps its words and loses the @everyone and the link.
    assert location == "#题"
    text = chat.say(f"查询 {n}")
    assert "地点：＃题" in text.splitlines()[1]  # shown, its heading mark defanged
    assert "所有人" not in text and "](" not in text
    assert_inert(text)
    assert_renders_without_everyone(services, text)


def test_raw_mass_mentions_are_disarmed_by_every_renderer(services: AppServices) -> None:
    raw = '提醒 <at user_id="all">所有人</at> @所有人 <@all> @all'
    assert_renders_without_everyone(services, raw, ("hws_chen",))
    assert_renders_without_everyone(services, raw + "\n第二行", ("hws_chen",))


def test_report_text_is_never_a_formula_in_the_ledger(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    import io

    from openpyxl import load_workbook

    from bot.reports.ledger_export import write_ledger

    hostile = '=HYPERLINK("http://evil","点我") 府前街与南环路交叉口西北角垃圾堆了两天了'
    n = chat.report(hostile)
    out = io.BytesIO()
    with services.session_factory() as session:
        write_ledger(session, services.cfg, out, clock.now())
    out.seek(0)
    sheet = load_workbook(out)["全部工单"]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells, f"ticket #{n} text not in the ledger"
    assert all(c.data_type == "s" for c in cells)
