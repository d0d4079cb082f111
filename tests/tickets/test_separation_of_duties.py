"""Separation of duties (issue 14 finding 12), written as the attacks.

A unit that reports, fixes and closes its own ticket games the ledger; so does a reporter who
cancels a ticket about to be late. Each attack gets a refusal, and the ticket stays as it was.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from bot.app_services import AppServices, build_services
from bot.core.clock import ManualClock
from config import GuanjiaConfig
from config.schema import LifecycleConfig
from config.settings import Settings
from models import Ticket, TicketEvent
from tests.support.chat import Chat
from tests.support.web_helpers import login, make_user

GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"
PARKING = "东关大街与北环路交叉口有辆白色轿车停在人行道上，行人只能走机动车道"


def ticket(services: AppServices, ticket_id: int) -> Ticket:
    with services.session_factory() as session:
        return session.get_one(Ticket, ticket_id)


def events(services: AppServices, ticket_id: int) -> list[str]:
    with services.session_factory() as session:
        query = select(TicketEvent.type).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        return list(session.scalars(query))


def act(client: TestClient, ticket_id: int, csrf: str, action: str, **fields: str) -> str:
    answer = client.post(f"/tickets/{ticket_id}/act", data={"csrf_token": csrf, "action": action, **fields})
    return answer.text


def test_unit_member_cannot_report_fix_and_verify_their_own_ticket(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE, sender="hws_chen")  # 环卫中心's own member reports a 环卫 problem
    chat.say(f"认领 {n}", sender="hws_chen")
    chat.say(f"完成 {n} 已清理", sender="hws_chen")
    before = events(services, n)
    for attack in (f"验收 {n} 通过", f"验收 {n} 不通过 再延长点时间"):
        reply = chat.say(attack, sender="hws_chen")
        assert reply == f"#{n} 是您报的完成，不能自己验收，请上报人或创城办验收"
    assert ticket(services, n).status == "fixed"
    assert events(services, n) == before
    assert "验收通过" in chat.say(f"验收 {n} 通过", sender="ccb_wang"), "the 创城办 still closes it"


def test_a_colleague_of_the_fixer_cannot_verify_either(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE, sender="sd_zhu")
    chat.say(f"转派 {n} 属地街乡", sender="ccb_wang")
    chat.say(f"完成 {n}", sender="sd_qin")  # the other 属地 member reports the fix
    reply = chat.say(f"验收 {n} 通过", sender="sd_zhu")
    assert reply == f"#{n} 由属地街乡报完成，本单位人员不能验收，请上报人或创城办验收"
    assert ticket(services, n).status == "fixed"


def test_supervisor_who_reported_the_fix_cannot_close_it(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    chat.say(f"完成 {n}", sender="ccb_zhao")
    assert "不能自己验收" in chat.say(f"验收 {n} 通过", sender="ccb_zhao")
    assert ticket(services, n).status == "fixed"
    assert "验收通过" in chat.say(f"验收 {n} 通过", sender="ccb_wang"), "another 创城办 member may"


def test_web_supervisor_who_fixed_gets_no_verify_button_and_the_post_is_refused(
    client: TestClient, chat: Chat, services: AppServices
) -> None:
    n = chat.report(GARBAGE)
    make_user(services, "wang", "supervisor")
    csrf = login(client, "wang")
    act(client, n, csrf, "fix", note="已清理")
    assert ticket(services, n).status == "fixed"
    assert 'data-action="verify"' not in client.get(f"/tickets/{n}").text
    before = events(services, n)
    page = act(client, n, csrf, "verify", verdict="通过")
    assert f"#{n} 是您报的完成，不能自己验收" in page
    assert ticket(services, n).status == "fixed" and events(services, n) == before


def test_web_unit_user_cannot_verify_their_units_fix(client: TestClient, chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    chat.say(f"完成 {n}", sender="hws_chen")
    make_user(services, "chen", "unit", unit="hws")
    csrf = login(client, "chen")
    assert 'data-action="verify"' not in client.get(f"/tickets/{n}").text
    page = act(client, n, csrf, "verify", verdict="通过")
    assert f"只有上报人或创城办可以验收 #{n}" in page
    assert ticket(services, n).status == "fixed"


def window(services: AppServices, n: int) -> tuple[ManualClock, Ticket]:
    clock = services.clock
    assert isinstance(clock, ManualClock)
    found = ticket(services, n)
    assert found.dispatched_at is not None and found.fix_deadline is not None
    return clock, found


def test_reporter_cannot_cancel_in_the_last_quarter_of_the_fix_window(chat: Chat, services: AppServices) -> None:
    late, early = chat.report(PARKING), chat.report(GARBAGE)
    clock, t = window(services, late)
    assert t.fix_deadline is not None and t.dispatched_at is not None
    clock.set(t.dispatched_at + (t.fix_deadline - t.dispatched_at) * 0.8)
    chat.say(f"认领 {late}", sender="jtzd_zhou")
    reply = chat.say(f"撤销 {late} 重复上报")
    assert reply == f"#{late} 已临近或超过整改时限，撤销需由创城办办理"
    assert ticket(services, late).status == "claimed"
    assert "已撤销" in chat.say(f"撤销 {late} 重复上报", sender="ccb_wang"), "the 创城办 may"
    _, e = window(services, early)
    assert e.fix_deadline is not None and e.dispatched_at is not None
    clock.set(e.dispatched_at + (e.fix_deadline - e.dispatched_at) * 0.7)
    chat.say(f"认领 {early}", sender="hws_chen")  # unclaimed past the claim deadline would count as late
    assert "已撤销" in chat.say(f"撤销 {early} 重复上报"), "before the last quarter the reporter may cancel"


def test_reporter_cannot_cancel_an_overdue_ticket(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    clock, t = window(services, n)
    assert t.fix_deadline is not None
    clock.set(t.fix_deadline + timedelta(hours=1))
    assert "撤销需由创城办办理" in chat.say(f"撤销 {n} 不需要了")
    assert ticket(services, n).status == "dispatched"


def test_reporter_cannot_cancel_a_ticket_unclaimed_past_its_claim_deadline(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    clock, t = window(services, n)
    assert t.claim_deadline is not None and t.fix_deadline is not None and t.dispatched_at is not None
    clock.set(t.claim_deadline + timedelta(minutes=1))
    assert clock.now() < t.fix_deadline - (t.fix_deadline - t.dispatched_at) / 4, "still early in the fix window"
    assert "撤销需由创城办办理" in chat.say(f"撤销 {n} 不需要了")
    assert ticket(services, n).status == "dispatched"


def test_separation_of_duties_is_a_config_choice(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    relaxed = cfg.model_copy(update={"lifecycle": LifecycleConfig(separation_of_duties=False)})
    services = build_services(settings, relaxed, clock=clock, engine=engine)
    chat = Chat(services)
    n = chat.report(GARBAGE, sender="hws_chen")
    chat.say(f"完成 {n}", sender="hws_chen")
    assert "验收通过" in chat.say(f"验收 {n} 通过", sender="hws_chen")
    assert "separation_of_duties" in LifecycleConfig.model_fields
    assert cfg.lifecycle.separation_of_duties is True, "on by default, and in config/guanjia.yaml"


def test_help_tells_who_may_do_what(chat: Chat) -> None:
    text = chat.say("帮助")
    assert "· 认领 N —— " in text and "（本单位成员或创城办）" in text
    assert "验收 N 通过 / 验收 N 不通过 原因 —— 验收整改结果：通过即销账，不通过退回单位返工（上报人或创城办）" in text
    assert "验收不能由报完成的单位自己进行；超时未认领、整改时限只剩最后25%或已超期的工单，撤销需由创城办办理。" in text
