"""改类 (supervisor only) and routing learned from corrections, inspectable and removable."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app_services import AppServices
from bot.chat.messages import Outcome
from bot.cli import learned_command
from bot.core.clock import ManualClock
from bot.parsing.parser import ParsedMessage, Problem
from models import RoutingCorrection, Ticket
from tests.support.chat import Chat


def load(services: AppServices, ticket_id: int) -> Ticket:
    with services.session_factory() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.events  # noqa: B018
        return ticket


def test_recategorize_redispatches_with_fresh_deadlines(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    n = chat.report("松林小区东门 墙上被人弄得乱七八糟 没人管 [图片]")
    before = load(services, n)
    assert before.category != "publicity"  # read as 小广告 or left to the office; the wall is a 公益 mural
    clock.advance(timedelta(hours=1))
    reply = chat.send(f"改类 {n} 公益宣传", sender="ccb_wang")
    assert reply.replies[0].text.startswith(f"#{n}已改为【公益宣传】→ 文明办，请4小时内认领")
    assert reply.replies[0].mentions == ("wmb_han",)
    ticket = load(services, n)
    assert (ticket.category, ticket.unit, ticket.status) == ("publicity", "wmb", "dispatched")
    assert ticket.claim_deadline == clock.now() + timedelta(hours=4)
    event = ticket.events[-1]
    assert event.type == "recategorized" and event.actor_id == "ccb_wang"
    assert event.data == {
        "from_category": before.category,
        "from_unit": before.unit,
        "to_category": "publicity",
        "to_unit": "wmb",
    }


def test_recategorize_within_the_same_unit_keeps_the_clock(chat: Chat, services: AppServices) -> None:
    n = chat.report("松林小区东门 有人摆摊卖水果")
    deadline = load(services, n).fix_deadline
    text = chat.say(f"改类 {n} ads", sender="ccb_zhao")
    assert text == f"#{n}已改为【非法小广告】，仍由城管执法队办理"
    assert load(services, n).fix_deadline == deadline


@pytest.mark.parametrize(
    ("line", "sender", "reason"),
    [
        ("改类 {n} 非法小广告", "wgy_li", "只有创城办可以更改工单类别"),
        ("改类 {n} 非法小广告", "cgzf_liu", "只有创城办可以更改工单类别"),
        ("改类 {n} 飞碟", "ccb_wang", "没有找到类别「飞碟」"),
        ("改类 {n}", "ccb_wang", "请写明类别，例如：改类"),
        ("改类 {n} 占道经营", "ccb_wang", "已经是「占道经营」"),
        ("改类 999 占道经营", "ccb_wang", "没有找到工单 #999"),
    ],
)
def test_recategorize_refusals_change_nothing(
    chat: Chat, services: AppServices, line: str, sender: str, reason: str
) -> None:
    n = chat.report("松林小区东门 有人摆摊卖水果")
    events = len(load(services, n).events)
    assert reason in chat.say(line.format(n=n), sender=sender)
    ticket = load(services, n)
    assert (ticket.category, len(ticket.events)) == ("vending", events)


def test_recategorize_is_in_the_help(chat: Chat) -> None:
    assert "改类 N 类别" in chat.say("帮助")


SLANG_REPORTS = [
    "东湖家园北门 好几辆黑三轮趴活 把路口占了 没人管",
    "百泉路口 一排黑三轮在趴活 行人都过不去 没人管",
    "湖滨路 地铁口黑三轮趴活拉客 没人管",
]


def test_three_corrections_teach_an_unknown_slang_word(chat: Chat, services: AppServices) -> None:
    # Before: the bot does not know 趴活 and leaves such reports to the office.
    for text in SLANG_REPORTS:
        n = chat.report(text)
        assert load(services, n).status == "triage"
        assert chat.say(f"改类 {n} 交通秩序", sender="ccb_wang").startswith(f"#{n}已改为【交通秩序】")
    # After three corrections a fresh message goes straight to the traffic police.
    outcome = chat.send("金河路与平安街路口 黑三轮趴活 太乱了", sender="wgy_sun")
    ticket = load(services, outcome.tickets[0])
    assert (ticket.category, ticket.unit, ticket.status) == ("traffic", "jtzd", "dispatched")
    assert outcome.replies[0].mentions == ("jtzd_zhou",)


def test_two_corrections_are_not_enough(chat: Chat, services: AppServices) -> None:
    for text in SLANG_REPORTS[:2]:
        chat.say(f"改类 {chat.report(text)} 交通秩序", sender="ccb_wang")
    outcome = chat.send("金河路与平安街路口 黑三轮趴活 太乱了", sender="wgy_sun")
    assert_left_to_the_office(services, outcome)


def assert_left_to_the_office(services: AppServices, outcome: Outcome) -> None:
    """Recorded, but waiting for 创城办 to assign: not sent to the traffic police."""
    assert len(outcome.tickets) == 1, outcome
    ticket = load(services, outcome.tickets[0])
    assert (ticket.status, ticket.unit) == ("triage", "ccb")
    assert "待创城办分拨" in outcome.replies[0].text
    assert "jtzd_zhou" not in outcome.replies[0].mentions


def test_reassign_teaches_the_unit_for_a_category(chat: Chat, services: AppServices) -> None:
    texts = [
        # 地库: the word the office's 转派 teaches (院内 is a place word of the config, never learned)
        "松林小区 地库的垃圾桶满了 保洁没来",
        "东湖家园 地库垃圾桶满了没人清",
        "百泉小区 地库的垃圾桶又满了",
    ]
    for text in texts:
        n = chat.report(text)
        assert load(services, n).unit == "hws"
        chat.say(f"转派 {n} 物业", sender="ccb_wang")
    outcome = chat.send("金河小区 地库垃圾桶满了", sender="wgy_sun")
    ticket = load(services, outcome.tickets[0])
    assert (ticket.category, ticket.unit) == ("garbage", "sd")


def test_learned_words_are_listed_and_forgotten(
    chat: Chat, services: AppServices, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for text in SLANG_REPORTS:
        chat.say(f"改类 {chat.report(text)} 交通秩序", sender="ccb_wang")
    monkeypatch.setenv("GUANJIA_DATABASE_URL", services.settings.database_url)
    from bot.cli.main import main

    assert main(["learned", "list"]) == 0
    listing = capsys.readouterr().out
    assert "趴活 → 交通秩序 / 交警支队  （3次，生效）" in listing
    with services.session_factory() as session:
        row = session.query(RoutingCorrection).filter_by(word="趴活").one()
    assert main(["learned", "forget", str(row.id)]) == 0
    assert "「趴活」不再影响派单" in capsys.readouterr().out
    assert main(["learned", "forget", str(row.id)]) == 1
    assert learned_command is not None


def test_a_word_forgotten_elsewhere_stops_routing_within_the_refresh_time(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    """Another worker or `guanjia learned forget` on another machine: seen after learned_refresh_seconds."""
    for text in SLANG_REPORTS:
        chat.say(f"改类 {chat.report(text)} 交通秩序", sender="ccb_wang")
    slang = "金河路与平安街路口 黑三轮趴活 太乱了"
    assert load(services, chat.send(slang, sender="wgy_sun").tickets[0]).category == "traffic"
    with services.session_factory() as session, session.begin():  # as another process would
        session.query(RoutingCorrection).delete()
    refresh = services.cfg.parser.learned_refresh_seconds
    clock.advance(timedelta(seconds=refresh / 2))
    assert load(services, chat.send("平安街北口 黑三轮趴活 太乱了", sender="wgy_zhao").tickets[0]).category == "traffic"
    clock.advance(timedelta(seconds=refresh))
    assert_left_to_the_office(services, chat.send("湖滨路南口 黑三轮趴活 太乱了", sender="wgy_qian"))


def test_confirming_the_guess_of_a_triage_ticket_dispatches_it(
    chat: Chat, services: AppServices, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report the parser was unsure of waits in triage under its guess; 改类 to that guess sends it on."""
    guess = Problem("ads", "cgzf", "松林小区东门", False, 0.3, ("ads", "publicity", "other"))
    monkeypatch.setattr(
        services.intake.parser, "parse_clean", lambda clean, learned=None: ParsedMessage(True, (guess,))
    )
    n = chat.report("松林小区东门 墙上被人弄得乱七八糟 没人管")
    assert (load(services, n).status, load(services, n).category) == ("triage", "ads")
    reply = chat.send(f"改类 {n} 非法小广告", sender="ccb_wang")
    assert reply.replies[0].text.startswith(f"#{n}已改为【非法小广告】→ 城管执法队，请2小时内认领")
    ticket = load(services, n)
    assert (ticket.status, ticket.unit) == ("dispatched", "cgzf")
    assert ticket.claim_deadline == clock.now() + timedelta(hours=2)
