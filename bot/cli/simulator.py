"""Terminal chat simulator: talk to the bot as any group member, with a clock you can move.

It goes through the same Intake as the webhooks, so what works here works in a group.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app_services import AppServices
from bot.chat.messages import IncomingMessage, Outcome
from bot.chat.text_normalize import addresses_bot
from bot.core.clock import ManualClock
from bot.outbound.transports import ConsoleTransport
from bot.tickets.formatting import time_text
from models import SuspectedReport

PLATFORM = "simulator"
_STEP = re.compile(r"^\+\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>m|min|分钟|h|小时|d|天)$", re.IGNORECASE)
_STEP_HOURS = {"m": 1 / 60, "min": 1 / 60, "分钟": 1 / 60, "h": 1, "小时": 1, "d": 24, "天": 24}
_PHOTO = re.compile(r"\[(?:图片|照片)\]")

HELP = """模拟器命令：
  /as 名字或ID     切换发言人（如 /as 陈环卫、/as ccb_wang）
  /group 群ID      切换群
  /time +3h        拨快模拟时钟（+30m、+2d，或 /time 2026-11-23T09:00）；期间的提醒、日报照常发出
  /who             当前发言人、群和时间
  /people          配置里的人员和所属单位
  /help            本说明；/quit 退出
  消息里的 [图片] 会作为一张照片随消息发送。"""


class ChatSimulator:
    def __init__(self, services: AppServices, clock: ManualClock, group_id: str, sender_id: str) -> None:
        self.services = services
        self.clock = clock
        self.cfg = services.cfg
        self.group_id = group_id
        self.sender_id = sender_id
        self._photos = 0
        self._last_msg_id = ""
        # The bot's own messages (reminders, digests) to console groups land here, not on stdout,
        # stamped with the simulated instant they went out: a jump of hours shows them all at
        # once, and a reminder's "还剩12分钟" is only true at its own minute.
        self._proactive: list[str] = []
        services.sender.transports["console"] = ConsoleTransport(write=self._posted)

    @property
    def sender_name(self) -> str:
        return self.cfg.display_name(self.sender_id)

    def prompt(self) -> str:
        group = self.cfg.groups.get(self.group_id)
        label = group.name if group else self.group_id
        return f"[{label} | {self.sender_name} | {time_text(self.cfg, self.clock.now())}] > "

    def handle_line(self, line: str) -> list[str]:
        line = line.strip()
        if not line:
            return []
        if line.startswith("/"):
            return self._meta(line) + self._deliver()
        outcome = self.send(line)
        return (self._render(outcome) or self._silence(self._last_msg_id)) + self._deliver()

    def _deliver(self) -> list[str]:
        """Post what the outbox holds for console groups, as the server's sender would."""
        self.services.sender.run_once()
        lines, self._proactive[:] = list(self._proactive), []
        return lines

    def _posted(self, text: str) -> None:
        group, bracket, rest = text.partition("] ")
        stamp = f" · {time_text(self.cfg, self.clock.now())}"
        self._proactive.append(f"{group}{stamp}{bracket}{rest}" if bracket else text)

    def _run_schedule(self, until: datetime) -> None:
        """Sweep and send as the server does every minute while the clock moves (coarser steps
        for long jumps), so each message goes out at its own instant."""
        span = until - self.clock.now()
        minutes = 1 if span <= timedelta(hours=6) else 5 if span <= timedelta(days=2) else 15
        step = timedelta(minutes=minutes)
        while self.clock.now() < until:
            self.clock.set(min(self.clock.now() + step, until))
            self.services.scheduler.run_due(self.clock.now())
            self.services.sender.run_once()

    def send(self, text: str) -> Outcome:
        images = []
        for _ in _PHOTO.findall(text):
            self._photos += 1
            images.append(f"sim://photo/{self._photos}")
        self._last_msg_id = uuid.uuid4().hex
        msg = IncomingMessage(
            platform=PLATFORM,
            msg_id=self._last_msg_id,
            group_id=self.group_id,
            sender_id=self.sender_id,
            sender_name=self.sender_name,
            text=text,
            images=tuple(images),
            sent_at=self.clock.now(),
            addressed=addresses_bot(text, self.cfg.bot_names),  # "@大管家 …", as in a group
        )
        return self.services.intake.handle(msg)

    def _render(self, outcome: Outcome) -> list[str]:
        lines: list[str] = []
        for reply in outcome.replies:
            lines.append("🤖 " + reply.text.replace("\n", "\n   "))
            if reply.mentions:
                lines.append("   " + " ".join("@" + self.cfg.display_name(m) for m in reply.mentions))
        return lines

    def _silence(self, msg_id: str) -> list[str]:
        """Why the bot said nothing: a near miss is kept as 疑似上报 without a word in the group,
        which a tester trying that list would otherwise not know."""
        with self.services.session_factory() as session:
            kept = session.scalar(select(SuspectedReport.id).where(SuspectedReport.msg_id == msg_id))
        if kept is not None:
            return [
                f"（机器人在群里不回复：已记为疑似上报第{kept}条，创城办可发「立案 {kept}」或在网页「疑似上报」页立案）"
            ]
        return ["（机器人未回复：不是问题上报，也不是命令）"]

    def _meta(self, line: str) -> list[str]:
        name, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        actions: dict[str, Callable[[str], list[str]]] = {
            "as": self._switch_sender,
            "group": self._switch_group,
            "time": self._move_clock,
            "who": lambda _: [self.prompt()],
            "people": lambda _: self._people(),
            "help": lambda _: HELP.splitlines(),
        }
        action = actions.get(name)
        if action is None:
            return [f"未知的模拟器命令 /{name}，输入 /help 查看"]
        return action(arg)

    def _switch_sender(self, who: str) -> list[str]:
        if not who:
            return ["用法：/as 名字或ID"]
        by_name = {name: pid for pid, name in self.cfg.people.items()}
        self.sender_id = by_name.get(who, who)
        role = self._role(self.sender_id)
        line = f"现在以 {self.sender_name}（{self.sender_id}，{role}）发言"
        if self.sender_id not in self.cfg.people:
            # A mistyped name would otherwise act as a stranger, and 认领 would be refused.
            line += "；配置里没有这个人，按普通群成员发言（/people 列出配置的人员）"
        return [line]

    def _role(self, sender_id: str) -> str:
        roles = ["创城办"] if self.cfg.is_supervisor(sender_id) else []
        roles += [self.cfg.unit_name(u) for u in self.cfg.units_of(sender_id) if u != self.cfg.triage_unit]
        return "、".join(roles) or "群成员"

    def _people(self) -> list[str]:
        return [f"{name}（{pid}）：{self._role(pid)}" for pid, name in self.cfg.people.items()]

    def _switch_group(self, group_id: str) -> list[str]:
        if not group_id:
            return ["用法：/group 群ID，已配置：" + "、".join(self.cfg.groups)]
        self.group_id = group_id
        known = "" if group_id in self.cfg.groups else "（未在配置中）"
        return [f"现在在群 {group_id}{known}"]

    def _move_clock(self, arg: str) -> list[str]:
        step = _STEP.match(arg)
        if step:
            hours = float(step.group("n")) * _STEP_HOURS[step.group("unit").lower()]
            self._run_schedule(self.clock.now() + timedelta(hours=hours))
        else:
            try:
                instant = datetime.fromisoformat(arg)
            except ValueError:
                return ["用法：/time +3h、/time +30m、/time +2d 或 /time 2026-11-23T09:00"]
            if instant.tzinfo is None:
                instant = instant.replace(tzinfo=ZoneInfo(self.cfg.timezone))
            if instant < self.clock.now():
                return ["模拟时钟只能向前拨"]
            self._run_schedule(instant)
        return [f"模拟时间：{time_text(self.cfg, self.clock.now())}"]
