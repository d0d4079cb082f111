"""Every chat command: what the group sees when it works, and the one-line refusal when it does not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from models import Ticket
from tests.support.chat import Chat

GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"
PARKING = "东关大街与北环路交叉口有辆白色轿车停在人行道上，行人只能走机动车道"


def ticket(services: AppServices, ticket_id: int) -> Ticket:
    with services.session_factory() as session:
        found = session.get(Ticket, ticket_id)
        assert found is not None
        found.events  # noqa: B018 - load while the session is open
        return found


def event_types(services: AppServices, ticket_id: int) -> list[str]:
    return [e.type for e in ticket(services, ticket_id).events]


@pytest.mark.parametrize(
    "text",
    [
        "认领 {n}",
        "认领{n}",
        "认领 #{n}",
        "认领＃{n}",
        "认领 {wide}",
        "@创城大管家 认领 {n}",
        "@大管家认领{n}",
        "{n} 认领",
        "{n}号收到 马上去",
        "#{n} 收到",
        "收到{n}号",
        "{n}号我们马上认领",
    ],
)
def test_claim_accepts_every_way_of_writing_the_number(chat: Chat, services: AppServices, text: str) -> None:
    n = chat.report(GARBAGE)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    reply = chat.say(text.format(n=n, wide=wide), sender="hws_chen")
    assert "已由陈环卫（环卫中心）认领" in reply
    assert ticket(services, n).status == "claimed"


def test_claim_refused_for_member_of_another_unit(chat: Chat, services: AppServices) -> None:
    n = chat.report(PARKING)
    assert chat.say(f"认领 {n}", sender="hws_chen") == f"#{n} 属于交警支队，您不是该单位成员"
    assert ticket(services, n).status == "dispatched"
    assert event_types(services, n) == ["reported", "dispatched"]


def test_received_is_a_claim_only_with_a_number_and_only_for_the_unit(chat: Chat, services: AppServices) -> None:
    """收到 is what a group says all day. Alone it stays chat (no "请写明工单号"); "N号收到"
    from anyone but the ticket's unit, or said again, is chat as well: no refusal in the group."""
    n = chat.report(PARKING)
    for text in ("收到", "收到，谢谢", "收到收到"):
        assert chat.send(text, sender="jtzd_zhou").replies == []
    assert chat.send(f"{n}号收到，辛苦了", sender="ccb_wang").replies == []
    assert chat.send(f"{n}号收到", sender="hws_chen").replies == []
    assert ticket(services, n).status == "dispatched"
    assert "已由周交警（交警支队）认领" in chat.say(f"{n}号收到", sender="jtzd_zhou")
    assert chat.send(f"{n}号收到", sender="jtzd_zhou").replies == []
    assert event_types(services, n) == ["reported", "dispatched", "claimed"]


def test_second_claim_is_told_who_claimed(chat: Chat) -> None:
    n = chat.report(PARKING)
    chat.say(f"认领 {n}", sender="jtzd_zhou")
    assert chat.say(f"认领 {n}", sender="ccb_wang") == f"#{n} 已由周交警认领"
    # Someone of another unit is told why they may not, not who was first.
    assert chat.say(f"认领 {n}", sender="hws_chen") == f"#{n} 属于交警支队，您不是该单位成员"


@pytest.mark.parametrize(
    "text",
    [
        "{n}号怎么还没人认领",
        "#{n} 什么时候处理",
        "{n}号的问题到底管不管",
        "查一下{n}号",
        "{n}号呢",
        "{n}号完成了吗",
        "{n}号认领了没",
        "#{n} 处理完毕了吗？",
        "@大管家 我报的{n}号是谁在弄",
        "请问{n}号处理了吗",
        "那个{n}号的事到底有没有人管",
    ],
)
def test_a_question_about_a_ticket_by_number_gets_its_status(chat: Chat, services: AppServices, text: str) -> None:
    """Asked in the group as people ask, not as 查询 N: the answer is the ticket's state, and the
    question opens no ticket of its own (it used to be registered as a new 【其他】 for the office)."""
    n = chat.report(GARBAGE)
    outcome = chat.send(text.format(n=n), sender="ccb_wang")
    assert outcome.replies[0].text.startswith(f"#{n}【垃圾与环境卫生】待认领")
    assert outcome.tickets == []
    with services.session_factory() as session:
        assert session.query(Ticket).count() == 1


@pytest.mark.parametrize(
    "text", ["3号楼怎么这么脏 楼道里垃圾没人清", "10号商铺怎么还在门口占道经营", "那个5号楼门口怎么又堆满了垃圾"]
)
def test_a_numbered_place_with_a_question_is_still_a_report(chat: Chat, text: str) -> None:
    chat.report(GARBAGE)
    assert chat.send(text, sender="wgy_sun").replies[0].text.startswith("已登记 #2")


def test_unknown_ticket_and_missing_number(chat: Chat) -> None:
    assert chat.say("认领 999", sender="hws_chen") == "没有找到工单 #999"
    assert chat.say("认领", sender="hws_chen") == "请写明工单号，例如：认领 12"
    assert chat.say("查询 42") == "没有找到工单 #42"


@pytest.mark.parametrize(
    "text",
    [
        "完成 {n} 已清理",
        "已整改 {n}",
        "{n} 已整改",
        "#{n} 已整改",
        "办结 {n}",
        "#{n} 已处理完毕",
        "{n}号处理好了",
        "{n}号已清理完毕",
        "#{n}已修复",
        "{n}号已经处理好了",
        "{n}号已经清理完毕",
        "{n}号我们已经整改完成",
    ],
)
def test_fix_spellings(chat: Chat, services: AppServices, text: str) -> None:
    n = chat.report(GARBAGE)
    chat.say(f"认领 {n}", sender="hws_chen")
    assert "已报完成" in chat.say(text.format(n=n), sender="hws_chen")
    assert ticket(services, n).status == "fixed"


def test_fix_without_claim_claims_first_and_keeps_after_photos(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    reply = chat.say(f"完成 {n} 清运完毕", sender="hws_chen", images=("https://img/after.jpg",))
    assert "整改照片1张" in reply
    t = ticket(services, n)
    assert t.status == "fixed" and t.claimed_by == "hws_chen"
    assert event_types(services, n) == ["reported", "dispatched", "claimed", "fixed"]


def test_fix_refused_for_outsider_and_after_close(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    assert chat.say(f"完成 {n}", sender="wgy_sun") == f"#{n} 属于环卫中心，您不是该单位成员"
    chat.say(f"完成 {n}", sender="hws_chen")
    chat.say(f"验收 {n} 通过")
    assert chat.say(f"完成 {n}", sender="hws_chen") == f"#{n} 当前状态为「已销账」，不能报完成"


def test_return_goes_to_triage_and_reassign_dispatches_with_fresh_deadlines(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report(GARBAGE)
    assert chat.say(f"退回 {n}", sender="hws_chen") == f"请写明退回原因，例如：退回 {n} 不属于我单位职责"
    reply = chat.say(f"退回 {n} 这是工地渣土，属于住建", sender="hws_chen")
    assert f"#{n} 已被环卫中心退回" in reply
    t = ticket(services, n)
    assert t.status == "triage" and t.unit == "ccb" and t.fix_deadline is None

    clock.advance(timedelta(hours=1))
    assert chat.say(f"转派 {n} 住建", sender="hws_chen") == "只有创城办可以转派工单"
    assert chat.say(f"转派 {n} 火星局", sender="ccb_wang").startswith("没有找到单位「火星局」")
    reply = chat.say(f"转派 {n} 住建委", sender="ccb_wang")
    assert reply.startswith(f"#{n}【垃圾与环境卫生】已转派 → 住建委，请2小时内认领、24小时内整改")
    t = ticket(services, n)
    assert t.status == "dispatched" and t.unit == "zjw"
    assert t.fix_deadline == clock.now() + timedelta(hours=24)
    assert event_types(services, n)[-2:] == ["returned", "reassigned"]


def test_extension_request_approve_and_reject(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    chat.say(f"认领 {n}", sender="hws_chen")
    before = ticket(services, n).fix_deadline
    assert before is not None
    assert chat.say(f"延期 {n}", sender="hws_chen").startswith("请写明延期时长和原因")
    assert chat.say(f"延期 {n} 2天", sender="hws_chen") == f"请写明延期原因，例如：延期 {n} 2天 材料未到"
    reply = chat.say(f"延期 {n} 2天 需要协调清运车辆", sender="hws_chen")
    assert "申请延期2天（需要协调清运车辆）" in reply
    assert chat.say(f"延期 {n} 1天 再等等", sender="hws_chen") == f"#{n} 已有待审批的延期申请"
    assert chat.say(f"同意延期 {n}", sender="hws_chen") == "只有创城办可以审批延期"
    assert "已同意" in chat.say(f"同意延期 {n}", sender="ccb_wang")
    assert ticket(services, n).fix_deadline == before + timedelta(days=2)
    assert chat.say(f"同意延期 {n}", sender="ccb_wang") == f"#{n} 没有待审批的延期申请"

    chat.say(f"延期 {n} 6小时 雨天", sender="hws_chen")
    assert "延期申请未同意（理由不充分）" in chat.say(f"拒绝延期 {n} 理由不充分", sender="ccb_wang")
    assert ticket(services, n).fix_deadline == before + timedelta(days=2)
    assert event_types(services, n)[-4:] == [
        "extension_requested",
        "extension_approved",
        "extension_requested",
        "extension_rejected",
    ]


def test_an_extension_approved_after_the_deadline_runs_from_now(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    """A tester: 延期 1天 asked and approved a day after the deadline set "新的整改期限" in the
    past, and the overdue alarm followed a minute later, then 二次督办 to the leader."""
    n = chat.report(PARKING)
    chat.say(f"认领 {n}", sender="jtzd_zhou")
    deadline = ticket(services, n).fix_deadline
    assert deadline is not None
    clock.set(deadline + timedelta(days=1))
    chat.say(f"延期 {n} 1天 等拖车", sender="jtzd_zhou")
    assert "已同意" in chat.say(f"同意延期 {n}", sender="ccb_wang")
    assert ticket(services, n).fix_deadline == clock.now() + timedelta(days=1)


def test_verify_refusals(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    assert chat.say(f"验收 {n} 通过") == f"#{n} 当前状态为「待认领」，不能验收"
    chat.say(f"完成 {n}", sender="hws_chen")
    assert chat.say(f"验收 {n} 通过", sender="wgy_sun") == f"只有上报人或创城办可以验收 #{n}"
    assert chat.say(f"验收 {n}") == f"请写：验收 {n} 通过，或 验收 {n} 不通过 原因"
    assert chat.say(f"验收 {n} 不通过") == f"请写明不通过的原因，例如：验收 {n} 不通过 还有垃圾未清"
    assert ticket(services, n).status == "fixed"


def test_cancel_by_reporter_only_with_reason(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    assert chat.say(f"撤销 {n} 报错了", sender="hws_chen") == f"只有上报人或创城办可以撤销 #{n}"
    assert chat.say(f"撤销 {n}") == f"请写明撤销原因，例如：撤销 {n} 重复上报"
    assert "已撤销（报错了）" in chat.say(f"撤销 {n} 报错了")
    assert ticket(services, n).status == "cancelled"
    assert chat.say(f"撤销 {n} 再撤") == f"#{n} 当前状态为「已撤销」，不能撤销"


def test_query_todo_mine_overdue_help(chat: Chat, clock: ManualClock) -> None:
    g = chat.report(GARBAGE)
    p = chat.report(PARKING, sender="wgy_sun")
    shown = chat.say(f"查询 {g}")
    assert f"#{g}【垃圾与环境卫生】待认领" in shown and "单位：环卫中心" in shown

    assert f"#{g}" in chat.say("待办", sender="hws_chen") and f"#{p}" not in chat.say("待办", sender="hws_chen")
    assert f"#{p}" in chat.say("待办 交警")
    assert chat.say("待办 火星局") == "没有找到单位「火星局」，例如：待办 环卫"
    assert chat.say("待办") == "您不属于任何单位，请写明单位，例如：待办 环卫"

    mine = chat.say("我的")
    assert f"#{g}" in mine and f"#{p}" not in mine

    assert chat.say("超时") == "超时工单：无"
    clock.advance(timedelta(hours=3))
    late = chat.say("超时")
    assert f"#{g}" in late and f"#{p}" in late

    help_text = chat.say("帮助")
    for usage in ("认领 N", "完成 N", "退回 N 原因", "转派 N 单位", "延期 N 时长 原因", "验收 N 通过", "撤销 N 原因"):
        assert usage in help_text


def test_refused_command_changes_nothing(chat: Chat, services: AppServices) -> None:
    n = chat.report(PARKING)
    before = event_types(services, n)
    for text, sender in [
        (f"认领 {n}", "hws_chen"),
        (f"退回 {n} 不归我们", "hws_chen"),
        (f"延期 {n} 2天 忙", "hws_chen"),
        (f"验收 {n} 通过", "wgy_li"),
        (f"同意延期 {n}", "ccb_wang"),
    ]:
        chat.say(text, sender=sender)
    assert event_types(services, n) == before
    assert ticket(services, n).status == "dispatched"


def test_read_only_commands_write_nothing_but_the_message_record(chat: Chat, services: AppServices) -> None:
    """They run without the savepoint a writing command needs; this checks they really only read."""
    g = chat.report(GARBAGE)
    chat.say(f"认领 {g}", sender="hws_chen")
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        statements.append(" ".join(sql.split()).upper())

    event.listen(services.engine, "before_cursor_execute", seen)
    try:
        shown = chat.say(f"查询 {g}")
        for text in ("待办 环卫", "我的", "超时", "帮助", "日报", "周报", "月报"):
            chat.say(text)
    finally:
        event.remove(services.engine, "before_cursor_execute", seen)
    assert "认领" in shown.splitlines()[-1]  # the latest event, read alone
    writes = [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE", "SAVEPOINT", "RELEASE"))]
    assert writes and all("INBOUND_MESSAGES" in s for s in writes), writes


def test_a_long_todo_list_says_how_many_there_are_in_all(services: AppServices, chat: Chat) -> None:
    """A list shows 20 tickets; its count is every open ticket of the unit, not just the first batch read."""
    now = services.clock.now()
    with services.session_factory() as session, session.begin():
        for n in range(57):
            session.add(
                Ticket(
                    status="closed" if n < 2 else "dispatched", category="garbage", unit="hws",
                    text=f"第{n}处垃圾", location=f"府前街{n}号", reporter_id="wgy_li", reporter_name="李网格",
                    group_id="demo", created_at=now, dispatched_at=now, claim_deadline=now + timedelta(hours=2),
                    fix_deadline=now + timedelta(hours=24),
                )
            )  # fmt: skip
    lines = chat.say("待办 环卫").splitlines()
    assert lines[0] == "环卫中心待办（55）："
    assert len(lines) == 1 + 20 + 1 and lines[-1] == "……另有35条"
    assert lines[1].startswith("#3【") and "府前街2号" in lines[1]  # the oldest open first


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("这个量太大了 需要协调车辆 申请延期两天", "请写：延期 N 时长 原因，例如：延期 12 2天 需要协调清运车辆"),
        ("{n}号能不能延期", "请写：延期 {n} 时长 原因，例如：延期 {n} 2天 需要协调清运车辆"),
        ("这个不归我们管", "请写：退回 N 原因，例如：退回 12 不属于我单位职责"),
        ("{n}号不是我们的 是环卫的", "请写：退回 {n} 原因，例如：退回 {n} 不属于我单位职责"),
    ],
)
def test_a_command_asked_for_in_a_sentence_gets_how_to_write_it(
    chat: Chat, services: AppServices, text: str, hint: str
) -> None:
    """A unit's "申请延期两天" was kept as 疑似上报 without a word, and "这个不归我们管" dropped."""
    n = chat.report(GARBAGE)
    chat.say(f"认领 {n}", sender="hws_chen")
    outcome = chat.send(text.format(n=n), sender="hws_chen")
    assert [r.text for r in outcome.replies] == [hint.format(n=n)]
    assert outcome.tickets == []
    assert event_types(services, n) == ["reported", "dispatched", "claimed"]


def test_a_report_that_quotes_such_words_is_still_a_report(chat: Chat) -> None:
    assert "已登记 #1" in chat.say("幸福小区门口垃圾堆了好几天了 物业说不归我们管")


@pytest.mark.parametrize(
    "text", ["{n}号已经清走了 路通了", "{n}号好了", "{n}号垃圾已清理完了", "#{n} 已经找车拉走处理了"]
)
def test_a_units_own_words_for_done_report_the_fix(chat: Chat, services: AppServices, text: str) -> None:
    """Week tester: "23号树已经清走了 路通了" was only a note; the ticket stayed 整改中, the
    reporter's 验收 was refused, and the chase went on to 二次督办 at the leader's at 05:04."""
    n = chat.report(GARBAGE)
    chat.say(f"{n}号马上去", sender="hws_chen")
    assert ticket(services, n).status == "claimed"
    assert "已报完成" in chat.say(text.format(n=n), sender="hws_chen")
    assert ticket(services, n).status == "fixed"


@pytest.mark.parametrize("text", ["{n}号还没处理好", "{n}号处理好了吗", "{n}号又脏了"])
def test_words_that_deny_or_ask_are_not_a_fix(chat: Chat, services: AppServices, text: str) -> None:
    n = chat.report(GARBAGE)
    chat.say(text.format(n=n), sender="hws_chen")
    assert ticket(services, n).status == "dispatched"


def test_the_reporter_saying_it_is_done_adds_a_note(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    assert chat.say(f"{n}号好了") == f"已补充到 #{n}：「{n}号好了」"
    assert ticket(services, n).status == "dispatched"
