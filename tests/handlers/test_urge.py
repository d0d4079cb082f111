"""催办: the 创城办 presses a unit on an open ticket; the group sees it, the deadlines do not move."""

from __future__ import annotations

from datetime import timedelta

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from tests.handlers.test_commands import GARBAGE, event_types, ticket
from tests.support.chat import Chat


def test_urge_presses_the_unit_with_its_deadline_and_changes_nothing_else(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report(GARBAGE)
    before = ticket(services, n)
    clock.advance(timedelta(minutes=30))
    outcome = chat.send(f"催办 {n} 领导在问 请今天处理", sender="ccb_wang")
    [reply] = outcome.replies
    assert reply.text.startswith(f"📣 王督查催办 #{n}【垃圾与环境卫生】")
    assert "→ 环卫中心：领导在问 请今天处理" in reply.text
    assert reply.text.endswith(f"认领期限11月23日 11:00（还剩1.5小时），请回复：认领 {n}")
    assert "hws_chen" in reply.mentions, "the unit is @-ed"
    after = ticket(services, n)
    assert (after.status, after.claim_deadline, after.fix_deadline) == (
        before.status,
        before.claim_deadline,
        before.fix_deadline,
    )
    assert event_types(services, n)[-1] == "urged"
    assert after.events[-1].note == "领导在问 请今天处理" and after.events[-1].actor_name == "王督查"

    # Pressed again by a colleague within minutes: refused, naming who pressed and when.
    clock.advance(timedelta(minutes=5))
    again = chat.say(f"督办 {n}", sender="ccb_zhao")
    assert again == f"#{n} 已由王督查于11月23日 09:30催办，10分钟内不重复催办"
    assert event_types(services, n).count("urged") == 1

    # Once claimed, the press is about the fix deadline; after 10 minutes it may come again.
    chat.say(f"认领 {n}", sender="hws_chen")
    clock.advance(timedelta(minutes=6))
    claimed = chat.say(f"催办 {n}", sender="ccb_zhao")
    assert claimed.startswith(f"📣 {services.cfg.display_name('ccb_zhao')}催办 #{n}")
    assert claimed.endswith(f"完成后请回复：完成 {n}") and "整改期限" in claimed
    assert event_types(services, n).count("urged") == 2


def test_urge_is_the_offices_and_only_on_open_work(chat: Chat, services: AppServices) -> None:
    n = chat.report(GARBAGE)
    # The unit itself, or the reporter, may not: a 催办 @s the unit in the office's name.
    assert chat.say(f"催办 {n}", sender="hws_chen") == "只有创城办可以催办"
    assert chat.say(f"催办 {n}", sender="wgy_li") == "只有创城办可以催办"
    assert chat.say("催办 9999", sender="ccb_wang").startswith("没有")
    chat.say(f"完成 {n}", sender="hws_chen")
    assert chat.say(f"催办 {n}", sender="ccb_wang") == f"#{n} 当前状态为「待验收」，不能催办"
    assert "urged" not in event_types(services, n)
    assert "催办 N [说明]" in chat.say("帮助")


def test_urge_several_tickets_in_one_line(chat: Chat, services: AppServices) -> None:
    """The office reads the overdue list and presses its tickets at once: "催办 1 2"."""
    first = chat.report(GARBAGE)
    second = chat.report("东关大街与北环路交叉口有辆白色轿车停在人行道上，行人只能走机动车道")
    outcome = chat.send(f"催办 {first} {second} 今天下班前处理", sender="ccb_wang")
    [reply] = outcome.replies
    lines = reply.text.splitlines()
    assert lines[0].startswith(f"📣 王督查催办 #{first}") and lines[0].endswith("今天下班前处理")
    assert lines[2].startswith(f"📣 王督查催办 #{second}")
    assert {"hws_chen"} <= set(reply.mentions) and len(reply.mentions) > 1, "both units are @-ed"
    assert event_types(services, first)[-1] == event_types(services, second)[-1] == "urged"
