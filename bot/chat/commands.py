"""The shape of a chat-command registry: verbs, argument shape, permission and help text.

A command is one function whose docstring is its help line; `帮助` is generated from
the registry, and the registry decides which text is a command before the parser sees it.
The registry filled with the commands lives in `handlers/`; the composition root hands it
to the intake, so nothing here imports a handler.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.chat.context import ChatContext, CommandArgs
from bot.chat.messages import Outcome

Handler = Callable[[ChatContext, CommandArgs], Outcome]

# Ticket numbers longer than this name no ticket; reading them as int could even fail (int_max_str_digits).
_MAX_TICKET_DIGITS = 10

# A bare verb with at most this many trailing characters and no ticket number is read as a
# command missing its number; a longer text is left to the parser (it is probably a report).
_MAX_REST_FOR_USAGE_HINT = 6
# What separates a verb from its note when the ticket number comes from a quote.
_NOTE_SEPARATORS = tuple(" \t\n,，:：;；。!！")
# A question about a ticket by its number, with no verb: "1号怎么还没人认领", "#12 什么时候处理".
# The question word must follow the number (and at most a word for the ticket): "10号商铺怎么
# 还在占道" is a report about shop 10, and 3号楼, 2号线, 5号院 are places, not tickets.
_ASKING = re.compile(
    r"^#?\s*(?P<n>\d+)\s*号?(?![楼院线门栋幢])\s*(?:工单|单子|的问题|问题|的事|那个|那件事)?\s*"
    r"(?:怎么|咋|为什么|为啥|什么时候|啥时候|何时|还没|到底|进度|处理了吗|好了吗|好了没|认领了吗|解决了吗|呢)"
)
# What follows "N号" when N is a place, not a ticket: 3号楼, 7号摊位, 2号口, 5号地块, 12号日…
NOT_A_TICKET = "楼院线门栋幢口地摊铺位车间室层单日"
# The same question with a few words before the number: "我报的1号是谁在弄", "请问3号处理了吗".
_ASKING_AFTER_LEAD = re.compile(
    r"^(?:请问|问一下|问下|想问一下|想问下|我报的|我上报的|我反映的|我们报的|那个|昨天的?|刚才的?)\s*"
    rf"#?\s*(?P<n>\d+)(?!\d)(?!\s*号[{NOT_A_TICKET}])\s*号?\s*(?:工单|单子|的问题|问题|的事|那个)?\s*"
    r".{0,6}?(?:谁|怎么|咋|为什么|为啥|什么时候|啥时候|何时|还没|到底|进度|吗|没|呢|[?？])"
)
# The ticket a sentence opens with: "2号不是我们的", "#3 申请延期" (not 3号楼, 7号摊位).
_LEADING_NUMBER = re.compile(rf"^#?\s*(?P<n>\d{{1,10}})(?!\d)(?!\s*号[{NOT_A_TICKET}])\s*号?")
# A line quoting one of the bot's messages about #N that asks about it: "怎么还没人处理".
_QUOTED_QUESTION = re.compile(r"怎么|咋|为什么|为啥|什么时候|啥时候|何时|还没|到底|进度|谁|吗|呢|[?？]")
# A unit's own words about ticket N (CommandRegistry._natural): what the line says happened.
NATURAL = "自然语句"
_NATURAL_LEAD = re.compile(
    rf"^(?:#\s*(?P<h>\d{{1,10}})\s*号?|(?P<n>\d{{1,10}})\s*号(?![{NOT_A_TICKET}\d]))[\s,，:：、]*(?P<rest>\S.*)$", re.S
)
_NATURAL_NOT = re.compile(r"没|未|不|吗|么|呢|[?？]|还是|仍然|依然|又")
_NATURAL_DONE = re.compile(
    r"已经?[^，,。；;\s]{0,8}?(?:清走|清理|清运|清除|处理|修复|修好|更新|更换|拆除|解决|整改|完成|疏通|弄好|搞定|劝离|拖走"
    r"|拉走|取缔)|(?:清理|清走|清运|清除|清掉|拉走|拖走|搬走|拆除?|修复?|修好|弄好|处理|取缔|劝离|整改|解决|疏通|更换)"
    r"(?:完毕|干净|掉|走|好)?了(?!一半|一部分|部分)|(?:处理|修|弄|搞|清理|整改)?好了|搞定"
)
# A plan, not a deed, in the words before a done-word: "已安排明天清理", "准备拆了", "已要求物业清理".
_NATURAL_PLAN = re.compile(r"安排|准备|计划|打算|将|要|会|正在|明天|明早|后天|今晚|下午|晚上|稍后|马上|去|派")
_NATURAL_GOING = re.compile(r"马上去|这就去|马上到|马上处理|在路上|已经?安排|马上安排|立即处理")
# Words people put between a ticket's number and the verb: "1号已经处理好了", "3号我们马上认领".
_BETWEEN = r"(?:我们|我)?(?:已经|都已经|已|马上|立即|现在)?"
# What is left after "1号完成" when the line asks rather than tells: "1号完成了吗", "2号认领了没".
_ASKED_REST = re.compile(r"^了?\s*(?:(?:吗|么|没|没有|呢)\s*[?？]*|[?？]+)$")
# One of several tickets a line names ("认领 3 4", "3号和4号已处理", "1,2号收到"): digits with
# # or 号 or neither, never a place (3号楼, 7号摊位: NOT_A_TICKET); and what joins two of them.
_LISTED = re.compile(rf"#?\s*(?P<d>\d+)(?P<mark>\s*号(?![{NOT_A_TICKET}]))?")
_LIST_GAP = re.compile(r"[\s,，、/]*(?:和|及|与|跟)?[\s,，、/]*(?=[#\d])")
_PLACE_MARK = re.compile(r"\s*号")
MAX_LISTED = 20  # more in one line is refused: the reply stays readable, the writer is not held


@dataclass(frozen=True)
class _Listed:
    """Two or more ticket numbers at the head of a line (after the verb, if it comes first)."""

    numbers: tuple[str, ...]  # digits as written
    end: int  # where the list ends in the text
    marked: bool  # the last one is written 29号 or #29, not a bare 29 (which may count: "5 2处")


def listed_numbers(text: str, pos: int) -> _Listed | None:
    """The numbers listed at `pos`; None for fewer than two, or a place among them (3号楼和5号楼)."""
    numbers: list[str] = []
    while True:
        found = _LISTED.match(text, pos)
        if found is None:
            return None
        if not found.group("mark") and _PLACE_MARK.match(text, found.end()):
            return None  # 3号楼: the 号 belongs to a place
        numbers.append(found.group("d"))
        marked = bool(found.group("mark")) or found.group(0).startswith("#")
        pos = found.end()
        gap = _LIST_GAP.match(text, pos)
        if gap is None or _LISTED.match(text, gap.end()) is None:
            return _Listed(tuple(numbers), pos, marked) if len(numbers) > 1 else None
        pos = gap.end()


@dataclass(frozen=True)
class Command:
    name: str
    verbs: tuple[str, ...]
    usage: str
    permission: str
    help: str
    takes_ticket: bool
    accepts_rest: bool
    func: Handler
    number_label: str = "工单号"  # what the number names, for the hint when it is missing
    # True: a question about a ticket by its number and no verb ("1号怎么还没人认领") runs it.
    answers_questions: bool = False
    # False: the command only reads, so it runs without the savepoint that undoes a refused
    # command's changes (two statements fewer; tests/handlers check it writes nothing).
    writes: bool = True
    # Verbs that are everyday words too ("收到"): a command only with a ticket number written
    # beside them, and otherwise plain chat, never a hint about the missing number.
    everyday_verbs: tuple[str, ...] = ()
    # How people ask for the command in a sentence ("…申请延期两天", "这个不归我们管"): such a
    # line gets the command's usage with an example instead of going to the parser, where it
    # was kept as 疑似上报 or dropped as chatter. Regular expressions, searched anywhere; one
    # with a group "arg" ("申请延期1天") is, in a line about a ticket, the command itself.
    phrasings: tuple[str, ...] = ()
    example: str = ""  # a filled-in usage for that answer, N for the ticket number
    # Words the command's text opens with after the number ("验收 3 不通过 …"): written right
    # after the verb without a number ("验收不通过，车还在"), the line is this command missing
    # its number (or taking a quoted ticket's), however long, never a sentence for the parser.
    leading_words: tuple[str, ...] = ()
    # True: one line may name several tickets ("认领 3 4", "3号和4号已处理"); the pipeline runs
    # the command once per ticket (bot/chat/pipeline.py, CommandStep).
    several: bool = False


@dataclass(frozen=True)
class UsageError:
    """The text is clearly a command but cannot be read; `reason` says how to write it."""

    reason: str


@dataclass(frozen=True)
class CommandMatch:
    command: Command
    args: CommandArgs  # for several tickets: the first one's, and the verb and rest they share
    # The tickets a line names with one verb ("27号 29号都已经处理好了"), in order, each once;
    # empty when it names one (args.ticket_id).
    tickets: tuple[int, ...] = ()


@dataclass
class CommandRegistry:
    commands: list[Command] = field(default_factory=list)
    _compiled: tuple[tuple[str, ...], tuple[re.Pattern[str], ...]] | None = field(
        default=None, repr=False, compare=False
    )

    def command(
        self,
        *verbs: str,
        usage: str,
        permission: str,
        takes_ticket: bool = True,
        accepts_rest: bool = True,
        number_label: str = "工单号",
        writes: bool = True,
        answers_questions: bool = False,
        everyday: tuple[str, ...] = (),
        phrasings: tuple[str, ...] = (),
        example: str = "",
        leading_words: tuple[str, ...] = (),
        several: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            taken = {v for c in self.commands for v in c.verbs}
            clash = taken.intersection(verbs)
            if clash:
                raise ValueError(f"verb already registered: {sorted(clash)}")
            if not set(everyday) <= set(verbs):
                raise ValueError(f"everyday verbs must be verbs of the command: {sorted(set(everyday) - set(verbs))}")
            doc = (func.__doc__ or "").strip().splitlines()
            self.commands.append(
                Command(
                    name=verbs[0],
                    verbs=verbs,
                    usage=usage,
                    permission=permission,
                    help=doc[0] if doc else "",
                    takes_ticket=takes_ticket,
                    accepts_rest=accepts_rest,
                    func=func,
                    number_label=number_label,
                    writes=writes,
                    answers_questions=answers_questions,
                    everyday_verbs=everyday,
                    phrasings=phrasings,
                    example=example,
                    leading_words=leading_words,
                    several=several,
                )
            )
            return func

        return register

    def _patterns(self) -> tuple[re.Pattern[str], ...]:
        """The command shapes, compiled once per set of verbs (every message is tried against them):
        verb and number, number and verb, the verb alone; a verb before a list of numbers, and
        the verb after one (`_several`)."""
        verbs = tuple(sorted((v for c in self.commands for v in c.verbs), key=len, reverse=True))
        if self._compiled is None or self._compiled[0] != verbs:
            alternation = "|".join(map(re.escape, verbs))
            number = r"#?\s*(?P<n>\d+)\s*(?:号(?![楼院线]))?"
            patterns = (
                re.compile(rf"^(?P<verb>{alternation})\s*{number}(?P<rest>.*)$", re.S),
                re.compile(rf"^#?\s*(?P<n>\d+)\s*号?\s*{_BETWEEN}(?P<verb>{alternation})(?P<rest>.*)$", re.S),
                re.compile(rf"^(?P<verb>{alternation})(?P<rest>.*)$", re.S),
                re.compile(rf"^(?P<verb>{alternation})\s*"),
                re.compile(rf"^\s*{_BETWEEN}(?P<verb>{alternation})(?P<rest>.*)$", re.S),
            )
            self._compiled = (verbs, patterns)
        return self._compiled[1]

    def answering(self) -> Command | None:
        """The command that answers a question about a ticket (查询)."""
        return next((c for c in self.commands if c.answers_questions), None)

    def _question(self, digits: str) -> CommandMatch | None:
        """A question about ticket `digits`: the command that answers questions, run on it."""
        answering = self.answering()
        if answering is None or len(digits.lstrip("0")) > _MAX_TICKET_DIGITS:
            return None
        return CommandMatch(answering, CommandArgs(int(digits), ""))

    def phrased(self, text: str) -> UsageError | None:
        """A sentence asking for a command in its own words: how to write it, with the ticket
        number when the line opens with one ("2号不是我们的" → "退回 2 原因"). Asked only of a
        line that is no command and no report: "物业说不归我们管" in a report stays a report."""
        for command in self.commands:
            if command.phrasings and any(re.search(p, text) for p in command.phrasings):
                number = _LEADING_NUMBER.match(text)
                n = number.group("n") if number else "N"
                example = (command.example or command.usage).replace("N", n if number else "12")
                return UsageError(f"请写：{command.usage.replace('N', n)}，例如：{example}")
        return None

    def _natural(self, text: str) -> CommandMatch | UsageError | None:
        """A unit's own words about ticket N: "23号树已经清走了" is 完成 23 (its verb NATURAL, so a
        refusal adds the line as a note instead), "35号马上去" is "35号收到" (a quiet claim);
        "8号不归我们管" asks for a command (`_asked_for`), even in words that deny."""
        if (found := _NATURAL_LEAD.match(text)) is None:
            return None
        n, rest = found.group("h") or found.group("n"), found.group("rest")
        if (asked := self._asked_for(n, rest, text)) is not None or _NATURAL_NOT.search(rest):
            return asked
        if _says_done(rest):
            matched = self.match(f"完成 {n} {rest}")
            if isinstance(matched, CommandMatch):
                return CommandMatch(matched.command, CommandArgs(matched.args.ticket_id, text, NATURAL))
        if _NATURAL_GOING.search(rest):
            matched = self.match(f"{n}号收到 {rest}")
            return matched if isinstance(matched, CommandMatch) else None
        return None

    def _asked_for(self, n: str, rest: str, text: str) -> CommandMatch | UsageError | None:
        """A command asked for in a sentence about ticket `n` ("8号不归我们管，是银行的装修垃圾"):
        its usage with the number, whatever the parser makes of the rest; with its argument
        (a phrasing's group "arg"), the command itself, the rest of the line its reason."""
        for command in self.commands:
            found = [m for p in command.phrasings if (m := re.search(p, rest))]
            taken = next((m for m in found if "arg" in m.re.groupindex), None)
            if taken is not None and rest[0] not in "#0123456789":  # one ticket, not "1号2号申请…"
                reason = (rest[: taken.start()] + " " + rest[taken.end() :]).strip(" \t\n,，:：;；。")
                return self.match(f"{command.name} {n} {taken.group('arg')} {reason}")
            if found:
                return self.phrased(text)
        return None

    def _several(self, text: str) -> CommandMatch | UsageError | None:
        """Several tickets and one verb: "认领 3 4", "完成 5、6", "3号4号我们认领", "11 12号收到",
        "3号和4号已处理", "27号 29号都已经处理好了" (a unit's own words, as `_natural`), and
        "3号4号完成了吗" (a question: 查询 each). Only a command marked `several` takes a list;
        "延期 3 2天" is one ticket and two days."""
        verb_lead, verb_after = self._patterns()[3:]
        lead = verb_lead.match(text)
        listed = listed_numbers(text, lead.end() if lead else 0)
        if listed is None:
            return None
        after = text[listed.end :]
        if lead:
            if not listed.marked and after[:1] not in ("", *_NOTE_SEPARATORS):
                return None  # "完成 5 2处已清运": the 2 counts heaps, it names no ticket
            verb, rest = lead.group("verb"), after
        else:
            found = verb_after.match(after)
            if found is None:
                return self._several_natural(text, listed)
            verb, rest = found.group("verb"), found.group("rest")
        command = self.by_verb(verb)
        if command is None or not command.several:
            return None
        if _ASKED_REST.match(rest.strip()):
            answering = self.answering()
            return _listed_match(answering, listed, "", "") if answering is not None else None
        return _listed_match(command, listed, rest.strip(" \t\n,，:：;；"), verb)

    def _several_natural(self, text: str, listed: _Listed) -> CommandMatch | UsageError | None:
        """`_natural` for a line opening with several numbers: "27号 29号都清走了", "5号6号马上去"."""
        rest = text[listed.end :].lstrip(" \t\n,，:：、")
        if not listed.marked or not rest or rest[0] in "#0123456789" or _NATURAL_NOT.search(rest):
            return None
        if _says_done(rest):
            fix = self.by_verb("完成")
            return _listed_match(fix, listed, text, NATURAL) if fix is not None and fix.several else None
        if _NATURAL_GOING.search(rest):
            claim = self.by_verb("收到")
            return _listed_match(claim, listed, rest, "收到") if claim is not None and claim.several else None
        return None

    def by_verb(self, verb: str) -> Command | None:
        return next((c for c in self.commands if verb in c.verbs), None)

    def match(self, text: str, quoted_ticket: int | None = None) -> CommandMatch | UsageError | None:
        """Read `text` (already normalised) as a command, a malformed command, or neither.

        `quoted_ticket` is the number a quoted message names (bot/chat/reading.py): a command
        written without one ("已整改" quoting "已登记 #12") is about that ticket.
        """
        several = self._several(text)
        if several is not None:
            return several
        verb_first_re, number_first_re, bare_re = self._patterns()[:3]
        verb_first = verb_first_re.match(text)
        number_first = number_first_re.match(text)
        bare = bare_re.match(text)
        for found in (verb_first, number_first):
            if found:
                command = self.by_verb(found.group("verb"))
                if command and command.takes_ticket and _ASKED_REST.match(found.group("rest").strip()):
                    return self._question(found.group("n"))  # "1号完成了吗" asks, it does not report
                if command and command.takes_ticket:
                    digits = found.group("n").lstrip("0") or "0"
                    if len(digits) > _MAX_TICKET_DIGITS:
                        return _too_long(command, digits)
                    rest = found.group("rest").strip(" \t\n,，:：;；")
                    return CommandMatch(command, CommandArgs(int(digits), rest, found.group("verb")))
        asking = (_ASKING.match(text) or _ASKING_AFTER_LEAD.match(text)) if not bare else None
        if asking:
            return self._question(asking.group("n"))
        if not bare:
            if quoted_ticket is not None and _QUOTED_QUESTION.search(text):
                return self._question(str(quoted_ticket))  # "怎么还没人处理" quoting "已登记 #9"
            return self._natural(text)
        command = self.by_verb(bare.group("verb"))
        if command is None or bare.group("verb") in command.everyday_verbs:
            return None
        rest = bare.group("rest").strip(" \t\n,，:：;；。?？!！")
        argument = bool(command.leading_words) and rest.startswith(command.leading_words)
        if command.takes_ticket and quoted_ticket is not None and (command.accepts_rest or not rest):
            # "已整改，垃圾已清运" is the command with a note; "已完成的地方又有垃圾了" is a sentence.
            separated = bare.group("rest")[:1] in ("", *_NOTE_SEPARATORS)
            if separated or argument or len(rest) <= _MAX_REST_FOR_USAGE_HINT:
                return CommandMatch(command, CommandArgs(quoted_ticket, rest, bare.group("verb")))
        if command.takes_ticket:
            if argument or len(rest) <= _MAX_REST_FOR_USAGE_HINT:
                return UsageError(f"请写明{command.number_label}，例如：{command.usage.replace('N', '12')}")
            return None
        if rest and not command.accepts_rest:
            return None
        return CommandMatch(command, CommandArgs(None, rest, bare.group("verb")))


def _says_done(rest: str) -> bool:
    """A done-word with no plan between 已 and it ("已安排明天清理"), or in its clause before it."""
    for found in _NATURAL_DONE.finditer(rest):
        clause = "" if found.group(0).startswith("已") else re.split(r"[，,。；;\s]", rest[: found.start()])[-1]
        if not _NATURAL_PLAN.search(clause + found.group(0)):
            return True
    return False


def _too_long(command: Command, digits: str) -> UsageError:
    """A number too long to name a ticket (or anything `command` numbers)."""
    what = "工单 #" if command.number_label == "工单号" else f"{command.number_label} "
    return UsageError(f"没有找到{what}{digits[:_MAX_TICKET_DIGITS]}…")


def _listed_match(command: Command, listed: _Listed, rest: str, verb: str) -> CommandMatch | UsageError:
    """`command` on each ticket of the list, each once; a number too long for a ticket refuses
    the line, as it refuses one written alone."""
    tickets: list[int] = []
    for written in listed.numbers:
        digits = written.lstrip("0") or "0"
        if len(digits) > _MAX_TICKET_DIGITS:
            return _too_long(command, digits)
        if int(digits) not in tickets:
            tickets.append(int(digits))
    if len(tickets) > MAX_LISTED:
        return UsageError(f"一条消息最多写{MAX_LISTED}个工单号，请分几条发")
    args = CommandArgs(tickets[0], rest, verb)
    return CommandMatch(command, args, tuple(tickets) if len(tickets) > 1 else ())
