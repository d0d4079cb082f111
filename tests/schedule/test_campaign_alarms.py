"""迎检 alarms as the group sees them: a repeat counts from the previous alarm that went out,
the first alarm is never "再次", and quiet hours release one alarm per ticket, in one list."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy import select

from bot.app_services import AppServices
from bot.core.clock import ManualClock
from models import OutboxMessage, Ticket, TicketReminder
from tests.schedule.test_campaign_reminders import GARBAGE, at
from tests.support.chat import Chat

ON = "迎检模式 开启 至 12月15日"
ROADS = "东西南北前后新"


def group_sees(
    services: AppServices, clock: ManualClock, until: datetime, step: timedelta
) -> list[tuple[datetime, str]]:
    """Sweep every `step` until `until`: (instant, text) of each reminder message queued."""
    seen: list[tuple[datetime, str]] = []
    while clock.now() < until:
        clock.advance(step)
        services.scheduler.run_due(clock.now())
        with services.session_factory() as session:
            query = select(OutboxMessage.text).where(
                OutboxMessage.kind == "reminder", OutboxMessage.created_at == clock.now()
            )
            seen += [(clock.now(), text) for text in session.scalars(query.order_by(OutboxMessage.id))]
    return seen


ALARMS = ("超时未认领", "超期未整改", "迎检再次催办")


def lines(seen: list[tuple[datetime, str]], ticket: int, words: tuple[str, ...] = ALARMS) -> list[tuple[datetime, str]]:
    """(instant, headline word) of each overdue alarm about `ticket`, whether alone or in a list."""
    found = []
    for when, text in seen:
        for line in text.splitlines():
            if f" #{ticket}【" in line and line.split(" ")[1] in words:
                found.append((when, line.split(" ")[1]))
    return found


def test_switching_on_does_not_bring_a_repeat_within_the_interval(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    """The tester's case: 迎检模式 开启 at 09:41 sent 迎检再次催办 at 09:41 and again at 10:35."""
    clock.set(at("2026-11-24T00:35"))
    n = chat.report(GARBAGE)  # at night: claim by 02:35, held by quiet hours till 07:00
    seen = group_sees(services, clock, at("2026-11-24T09:40"), timedelta(minutes=5))
    assert lines(seen, n) == [(at("2026-11-24T07:00"), "超时未认领")]
    clock.set(at("2026-11-24T09:41"))
    chat.say(ON, "ccb_wang")
    seen = group_sees(services, clock, at("2026-11-24T10:40"), timedelta(minutes=1))
    seen += group_sees(services, clock, at("2026-11-24T12:00"), timedelta(minutes=10))
    # Four hours after the 07:00 alarm, not at the switch nor at the 10:35 "slot" of the deadline.
    assert lines(seen, n) == [(at("2026-11-24T11:00"), "迎检再次催办")]


def test_a_repeat_right_at_the_switch_when_the_last_alarm_is_older_than_the_interval(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    n = chat.report(GARBAGE)  # Monday 09:00: claim by 11:00
    seen = group_sees(services, clock, at("2026-11-23T18:30"), timedelta(minutes=10))
    assert lines(seen, n) == [(at("2026-11-23T11:00"), "超时未认领")]
    chat.say(ON, "ccb_wang")
    seen = group_sees(services, clock, at("2026-11-23T19:05"), timedelta(minutes=1))
    seen += group_sees(services, clock, at("2026-11-23T21:55"), timedelta(minutes=10))
    # 11:00 + 4 h has long passed: once at the first sweep, then not again until 22:31 (held).
    assert lines(seen, n) == [(at("2026-11-23T18:31"), "迎检再次催办")]


def test_the_first_alarm_of_a_deadline_is_never_again(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    chat.say(ON, "ccb_wang")
    clock.set(at("2026-11-23T23:00"))
    n = chat.report(GARBAGE)  # claim by 00:00, fix by 11:00 (迎检: 1 h / 12 h)
    seen = group_sees(services, clock, at("2026-11-24T11:30"), timedelta(minutes=10))
    assert lines(seen, n) == [
        (at("2026-11-24T07:00"), "超时未认领"),  # first: plain, alone (no 迎检再次催办 with it)
        (at("2026-11-24T11:00"), "超期未整改"),  # the fix deadline's first alarm: plain too
    ]
    with services.session_factory() as session:
        events = [e for e in session.get_one(Ticket, n).events if e.type == "reminded"]
    assert [e.note.split(" ")[1] for e in events if e.note] == ["超时未认领", "整改提醒", "超期未整改"]


def test_quiet_hours_release_one_alarm_per_ticket_as_one_list(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    """The tester's 07:00: 超期未整改 and 迎检再次催办 for each of 7 tickets, 14 messages."""
    chat.say(ON, "ccb_wang")
    clock.set(at("2026-11-23T10:30"))
    tickets = [chat.report(f"{road}环路与光明大街交叉口垃圾桶满溢没人清") for road in ROADS]
    # Fix by 22:30 (12 h): its alarm and the 02:30 repeat fall due in quiet hours.
    group_sees(services, clock, at("2026-11-23T21:00"), timedelta(minutes=30))
    seen = group_sees(services, clock, at("2026-11-24T07:10"), timedelta(minutes=10))
    ((when, text),) = seen  # one message
    assert when == at("2026-11-24T07:00")
    head, *rows = text.splitlines()
    assert head == "🔔 免打扰时段（22:00–07:00）暂缓的提醒7条："
    assert [row.split(" ")[1] for row in rows] == ["超期未整改"] * 7
    assert [f"#{n}【" in row for n, row in zip(tickets, rows, strict=True)] == [True] * 7
    assert "迎检再次催办" not in text
    with services.session_factory() as session:
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.created_at == when)).one()
        assert {"hws_chen", "ccb_wang", "ccb_zhao"} <= set(message.mentions)
        rows_at_release = session.scalars(select(TicketReminder).where(TicketReminder.created_at == when)).all()
        assert sorted((r.ticket_id, r.kind, r.outbox_id) for r in rows_at_release) == [
            (n, "fix_overdue", message.id) for n in tickets
        ]
        for n in tickets:  # one `reminded` event each, for what went out; none for the dropped repeat
            events = [e for e in session.get_one(Ticket, n).events if e.type == "reminded" and e.at == when]
            assert [e.data["kind"] for e in events] == ["fix_overdue"]
    # The repeat counts from the release: 11:00, not the deadline's 10:30 slot.
    seen = group_sees(services, clock, at("2026-11-24T11:30"), timedelta(minutes=10))
    for n in tickets:
        assert lines(seen, n) == [(at("2026-11-24T11:00"), "迎检再次催办")]


def test_repeats_keep_their_interval_over_a_week(chat: Chat, services: AppServices, clock: ManualClock) -> None:
    """Tickets reported day and night, the period switched on mid-week: for each ticket and
    deadline, no 迎检再次催办 before a plain alarm, and none within 4 h of the alarm before it."""
    reported: list[int] = []
    for day in range(3):
        for hour in ("08:10", "14:50", "21:40", "23:20"):
            clock.set(at(f"2026-11-{23 + day}T{hour}"))
            if day == 1 and hour == "14:50":
                chat.say(ON, "ccb_wang")
            reported.append(
                chat.report(f"{ROADS[len(reported) % 7]}环路与光明大街交叉口垃圾桶满溢没人清{len(reported)}")
            )
            group_sees(services, clock, clock.now() + timedelta(hours=1), timedelta(minutes=15))
    seen = group_sees(services, clock, at("2026-11-28T12:00"), timedelta(minutes=15))
    with services.session_factory() as session:
        rows = session.scalars(select(TicketReminder).order_by(TicketReminder.created_at)).all()
    repeats = 0
    for n in reported:
        for plain, again in (("claim_overdue", "claim_overdue_again"), ("fix_overdue", "fix_overdue_again")):
            times = [r.created_at for r in rows if r.ticket_id == n and r.kind in (plain, again)]
            kinds = [r.kind for r in rows if r.ticket_id == n and r.kind in (plain, again)]
            assert kinds[:1] in ([], [plain]), (n, kinds)
            assert all(b - a >= timedelta(hours=4) for a, b in pairwise(times)), (n, times)
            repeats += kinds.count(again)
    assert repeats > 10 and seen


def test_reminders_owed_from_before_quiet_hours_are_not_called_held_by_them(
    chat: Chat, services: AppServices, clock: ManualClock
) -> None:
    """The scheduler is down from 20:00 to 07:30. The claim alarm due at 20:30 was not held by
    quiet hours (22:00–07:00), so it must not go out under their "暂缓" heading with the one that was."""
    clock.set(at("2026-11-23T18:30"))
    before = chat.report("东环路与光明大街交叉口垃圾桶满溢没人清")  # claim by 20:30
    clock.set(at("2026-11-23T21:00"))
    inside = chat.report("西环路与光明大街交叉口垃圾桶满溢没人清")  # claim by 23:00
    clock.set(at("2026-11-24T07:30"))
    services.scheduler.run_due(clock.now())
    with services.session_factory() as session:
        query = select(OutboxMessage.text).where(OutboxMessage.kind == "reminder")
        texts = session.scalars(query.order_by(OutboxMessage.id)).all()
    assert not any(t.startswith("🔔") for t in texts), texts
    assert len(texts) == 2
    assert [f"#{before}【" in t and "超时未认领" in t for t in texts].count(True) == 1
    assert [f"#{inside}【" in t and "超时未认领" in t for t in texts].count(True) == 1
