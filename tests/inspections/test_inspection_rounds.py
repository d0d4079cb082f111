"""Inspection rounds (督查) in chat: what the inspector and the group see, and what the round records."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from models import InspectionEvent, InspectionRound, OutboxMessage, Ticket
from tests.support.chat import Chat

INSPECTOR = "wgy_sun"  # points.inspectors in the demo config
MARKET_PROBLEMS = (
    "妫水农贸市场东门口垃圾堆放没人清理",
    "妫水农贸市场里有商户占道经营，摊位摆到了通道上",
    "妫水农贸市场西侧公厕门口污水横流",
)


def rounds(services: AppServices) -> list[InspectionRound]:
    with services.session_factory() as session:
        return list(session.scalars(select(InspectionRound).order_by(InspectionRound.id)))


def tickets(services: AppServices, ids: list[int]) -> list[Ticket]:
    with services.session_factory() as session:
        return [t for i in ids if (t := session.get(Ticket, i)) is not None]


def test_a_round_of_three_problems_links_them_to_the_point_and_ends_with_a_summary(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    started = chat.say("督查 妫水农贸市场", sender=INSPECTOR)
    assert "开始督查：妫水农贸市场" in started
    assert "1. 场内地面干净无积水垃圾" in started

    ids = []
    for text in MARKET_PROBLEMS:
        clock.advance(timedelta(minutes=10))
        ids.append(chat.report(text, sender=INSPECTOR))
    assert chat.say("不合格 1 3", sender=INSPECTOR).startswith("已记录妫水农贸市场不合格项：1.")

    clock.advance(timedelta(minutes=5))
    outcome = chat.send("督查结束", sender=INSPECTOR)
    summary = outcome.replies[0].text
    assert summary.startswith("督查结束：妫水农贸市场（责任单位：市场监管局）\n督查人：孙巡查，11月23日 09:00—09:35\n")
    assert "发现问题 3 个" in summary
    for ticket_id in ids:
        assert f"#{ticket_id}【" in summary
    assert "不合格检查项 2 项：1.场内地面干净无积水垃圾；3.公示栏价格公示齐全" in summary
    assert "已通知：" in summary and "市场监管局" in summary
    assert "scjg_shen" in outcome.replies[0].mentions

    found = tickets(services, ids)
    assert [t.point_id for t in found] == ["gs-market"] * 3
    assert all(t.status == "dispatched" or t.status == "triage" for t in found)  # dispatched as usual
    [round_] = rounds(services)
    assert (round_.point_id, round_.inspector_id, round_.failed_items) == ("gs-market", INSPECTOR, [1, 3])
    assert round_.ended_at is not None and round_.ended_at - round_.started_at == timedelta(minutes=35)
    with services.session_factory() as session:
        types = [e.type for e in session.scalars(select(InspectionEvent).order_by(InspectionEvent.id))]
    assert types == ["started", "problem_linked", "problem_linked", "problem_linked", "items_failed", "ended"]


def test_a_report_after_the_round_is_over_is_not_linked(chat: Chat, services: AppServices) -> None:
    chat.say("督查 妫水农贸市场", sender=INSPECTOR)
    chat.say("督查结束", sender=INSPECTOR)
    later = chat.report(MARKET_PROBLEMS[0], sender=INSPECTOR)
    assert tickets(services, [later])[0].point_id is None


def test_the_round_ends_by_itself_after_two_hours(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    chat.say("督查 妫水农贸市场", sender=INSPECTOR)
    inside = chat.report(MARKET_PROBLEMS[0], sender=INSPECTOR)
    clock.advance(timedelta(hours=2, minutes=1))
    after = chat.report(MARKET_PROBLEMS[1], sender=INSPECTOR)

    assert [t.point_id for t in tickets(services, [inside, after])] == ["gs-market", None]
    [round_] = rounds(services)
    assert round_.ended_at is not None and round_.ended_at - round_.started_at == timedelta(hours=2)
    assert chat.say("督查结束", sender=INSPECTOR) == "您当前没有进行中的督查，请先发“督查 点位名称”"


def test_someone_who_is_no_inspector_cannot_start_a_round(chat: Chat, services: AppServices) -> None:
    assert chat.say("督查 妫水农贸市场", sender="hws_chen") == "只有创城办或督查员可以发起督查"
    assert rounds(services) == []
    # Their report afterwards is an ordinary report, at no point.
    ticket_id = chat.report(MARKET_PROBLEMS[0], sender="hws_chen")
    assert tickets(services, [ticket_id])[0].point_id is None


def test_a_supervisor_picks_a_point_by_type_and_area(chat: Chat, services: AppServices) -> None:
    assert "开始督查：妫水农贸市场" in chat.say("督查 农贸市场 妫水", sender="ccb_wang")
    assert [r.point_id for r in rounds(services)] == ["gs-market"]


def test_an_ambiguous_point_lists_the_candidates_and_starts_nothing(chat: Chat, services: AppServices) -> None:
    reply = chat.say("督查 农贸市场", sender=INSPECTOR)
    assert reply == "“农贸市场”对应多个点位：妫水农贸市场、百泉农贸市场，请写明其中一个"
    assert chat.say("督查 火星广场", sender=INSPECTOR) == (
        "没有找到点位“火星广场”。请写点位名称，或“类型 区域”；全部点位见网页「测评点位」页"
    )
    assert rounds(services) == []


def test_an_unknown_point_offers_the_points_named_alike(chat: Chat, services: AppServices) -> None:
    """A newcomer does not know the config's names: "南关市场" offers the two 农贸市场."""
    reply = chat.say("督查 南关市场", sender=INSPECTOR)
    assert reply.startswith("没有找到点位“南关市场”。相近的点位：妫水农贸市场、百泉农贸市场。"), reply
    assert rounds(services) == []


def test_a_wrong_item_number_is_refused_and_changes_nothing(chat: Chat, services: AppServices) -> None:
    chat.say("督查 百泉里公厕", sender=INSPECTOR)
    assert chat.say("不合格 2 9", sender=INSPECTOR) == "检查项序号应为 1-5，没有第9项"
    assert rounds(services)[0].failed_items == []


def test_an_inspection_team_report_starting_with_督查_is_still_a_report(chat: Chat, services: AppServices) -> None:
    outcome = chat.send("督查发现湖滨路东侧垃圾堆放没人清理", sender="wgy_li")
    assert len(outcome.tickets) == 1
    assert rounds(services) == []


def test_the_sweep_ends_a_forgotten_round_and_posts_its_summary_once(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    chat.say("督查 百泉里公厕", sender=INSPECTOR)
    ticket_id = chat.report("百泉里公厕地面脏乱，洗手池堵塞", sender=INSPECTOR)
    clock.advance(timedelta(hours=1, minutes=59))
    assert "督查超时" not in " ".join(services.scheduler.run_due(clock.now()).digests)

    clock.advance(timedelta(hours=3))
    assert services.scheduler.run_due(clock.now()).failed == []
    services.scheduler.run_due(clock.now())  # a second sweep posts nothing more
    with services.session_factory() as session:
        posted = list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "inspection")))
    [message] = posted
    assert message.group_id == "demo"
    assert message.text.startswith("督查已到时自动结束：百泉里公厕（责任单位：环卫中心）")
    assert f"#{ticket_id}【" in message.text and "发现问题 1 个" in message.text
    [round_] = rounds(services)
    assert round_.ended_at is not None and round_.ended_at - round_.started_at == timedelta(hours=2)


def test_a_problem_written_without_a_place_during_a_round_is_at_the_point_and_nothing_is_asked(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    """An inspector at the market writes what they see, not where they are: the point is the place,
    so the bot does not ask for one, and the next problem is not taken for the answer."""
    chat.say("督查 妫水农贸市场", sender=INSPECTOR)
    first = chat.send("东门外垃圾桶满溢了", sender=INSPECTOR)
    assert "地点：妫水农贸市场" in first.replies[0].text
    assert "请补充地点" not in first.replies[0].text
    clock.advance(timedelta(minutes=3))
    second = chat.send("北侧通道有人占道经营", sender=INSPECTOR)
    assert second.replies[0].text.startswith(f"已登记 #{first.tickets[0] + 1}")
    found = tickets(services, [first.tickets[0], first.tickets[0] + 1])
    assert [(t.location, t.point_id) for t in found] == [("妫水农贸市场", "gs-market")] * 2


def test_outside_a_round_a_report_without_a_place_is_still_asked_for_one(chat: Chat) -> None:
    answer = chat.send("东门外垃圾桶满溢了", sender=INSPECTOR)
    assert "请补充地点" in answer.replies[0].text
