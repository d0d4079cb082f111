"""A four-week history for the demo district, played through the real chat intake.

Why a simulation and not inserts: every ticket is reported, claimed, fixed and verified with
chat lines through `services.intake`, the clock advanced step by step and the scheduler swept
every hour, so the events, deadlines, 回头看 samples, digests and KPIs are exactly what real use
would have left behind. A seeded random generator makes the same history every run.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.app_services import AppServices
from bot.chat.messages import IncomingMessage, Outcome
from bot.core.clock import ManualClock
from models import Recheck, Ticket

# Each category's report lines; {p} is the place. Strong keywords, so the parser files them right.
PROBLEMS: dict[str, tuple[str, ...]] = {
    "garbage": ("{p}垃圾堆了两天没人清", "{p}垃圾桶满溢，生活垃圾撒了一地"),
    "piles": ("{p}楼道里堆物堆料，杂物乱堆乱放", "{p}人行道上乱堆乱放建筑材料"),
    "ads": ("{p}墙上贴满了小广告", "{p}电线杆上乱贴乱画牛皮癣"),
    "vending": ("{p}有人占道经营摆摊卖水果", "{p}饭馆出店经营，桌椅摆到人行道上"),
    "car_parking": ("{p}私家车违停堵住了消防通道", "{p}机动车乱停车占了盲道"),
    "bike_parking": ("{p}共享单车乱停一大片", "{p}电动自行车乱停堵住路口"),
    "traffic": ("{p}路口行人闯红灯很严重", "{p}斑马线前车辆不礼让行人"),
    "construction": ("{p}工地围挡破损，扬尘很大没有苫盖", "{p}渣土车遗撒，路面全是泥"),
    "dog": ("{p}有人遛狗不拴绳，大型犬吓到孩子", "{p}遛狗不牵绳还不清理"),
    "storefront": ("{p}商户门前三包不落实，门前脏乱", "{p}店门口门前脏乱，三包责任牌没挂"),
    "sewer": ("{p}雨水篦子堵了，下水道反水", "{p}井盖松动，污水外溢"),
    "facility": ("{p}路灯不亮好几天了", "{p}健身器材坏了，座椅也破了"),
    "road": ("{p}路面塌陷出现一个大坑", "{p}路面破损坑坑洼洼"),
    "greening": ("{p}黄土裸露没有覆盖", "{p}绿篱缺株，有人毁绿种菜"),
    "wires": ("{p}有人飞线充电，私拉电线", "{p}楼上私拉电线给电动车充电"),
    "toilet": ("{p}公厕地面脏乱有异味", "{p}公厕洗手液手纸都没有了"),
    "market": ("{p}农贸市场水产区地面积水", "{p}农贸市场活禽区没有隔离"),
    "publicity": ("{p}公益广告牌破损褪色", "{p}宣传栏文明标语脱落"),
    "illegal_building": ("{p}有人私搭乱建彩钢房", "{p}楼顶违建私自加盖"),
}
PLACES = (
    "府前街与南环路交叉口",
    "妫水北街",
    "东外大街",
    "高塔街",
    "新华营北路",
    "百泉小区",
    "东湖家园",
    "湖滨路",
    "百泉路",
    "舜泽园",
    "康安小区",
    "香水园街",
)
# The places that keep coming back (顽疾): the same problem reported every few days.
HOTSPOTS = (("妫水北街", "garbage"), ("东湖家园", "wires"), ("高塔街", "vending"))
# Problems an inspector finds at a point of each type, posted during a 督查 round.
ROUND_PROBLEMS: dict[str, tuple[str, ...]] = {
    "农贸市场": ("{p}内地面积存垃圾烂菜叶", "{p}门口占道经营摆摊", "{p}公益广告牌破损"),
    "背街小巷": ("{p}墙上乱贴小广告", "{p}路边乱堆乱放杂物", "{p}路灯不亮"),
    "公厕": ("{p}地面脏乱有异味", "{p}洗手液手纸都没有了"),
    "公交站": ("{p}站台旁共享单车乱停", "{p}站台贴满小广告"),
    "社区": ("{p}楼道堆物堆料", "{p}有人飞线充电", "{p}垃圾桶满溢"),
    "学校周边": ("{p}校门口占道经营摆摊", "{p}校门口私家车违停"),
}
REPORTERS = ("wgy_li", "sd_zhu", "sd_qin", "wmb_han")
INSPECTORS = ("wgy_sun", "ccb_zhao")
SUPERVISOR = "ccb_wang"
PHOTO = "https://demo.invalid/photo/{}.jpg"
SCALES = {"small": (3, 1), "default": (14, 5)}  # reports per weekday, per weekend day


@dataclass
class Tally:
    """What the demo did, counted as it went, for the closing line."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, what: str) -> None:
        self.counts[what] += 1


Story = Iterator[timedelta]


class DemoHistory:
    """Plays stories (generators yielding the wait before their next chat line) in time order."""

    def __init__(self, services: AppServices, clock: ManualClock, seed: int = 16) -> None:
        self.services = services
        self.clock = clock
        self.rng = random.Random(seed)
        self.tally = Tally()
        self._queue: list[tuple[datetime, int, Story]] = []
        self._seq = itertools.count()
        self._msg = itertools.count(1)
        self._rechecks_seen: set[int] = set()

    # --- chat ----------------------------------------------------------------------

    def say(self, text: str, sender: str, photo: bool = False) -> Outcome:
        images = (PHOTO.format(next(self._seq)),) if photo else ()
        message = IncomingMessage(
            platform="demo",
            msg_id=f"demo-{next(self._msg)}",
            group_id="demo",
            sender_id=sender,
            sender_name=self.services.cfg.display_name(sender),
            text=text,
            images=images,
        )
        return self.services.intake.handle(message)

    def ticket(self, number: int) -> Ticket | None:
        with self.services.session_factory() as session:
            return session.get(Ticket, number)

    def member(self, unit: str) -> str | None:
        members = self.services.cfg.units[unit].members if unit in self.services.cfg.units else []
        return members[0] if members else None

    # --- the timeline ---------------------------------------------------------------

    def start(self, at: datetime, story: Story) -> None:
        """Queue a story; its body runs only when its time comes (generators start lazily)."""
        heapq.heappush(self._queue, (at, next(self._seq), story))

    def run(self, end: datetime) -> None:
        """Advance the clock event by event up to `end`; the clock never moves backwards."""
        while self._queue and self._queue[0][0] <= end:
            at, _, story = heapq.heappop(self._queue)
            if at > self.clock.now():
                self.clock.set(at)
            wait = next(story, None)
            if wait is not None:
                heapq.heappush(self._queue, (self.clock.now() + wait, next(self._seq), story))
        self.clock.set(max(end, self.clock.now()))

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.rng.uniform(low, high))

    # --- stories ----------------------------------------------------------------------

    def report(self, text: str, sender: str) -> int | None:
        outcome = self.say(text, sender)
        if not outcome.tickets:
            return None
        self.tally.add("上报")
        number = outcome.tickets[0]
        self.start(self.clock.now(), self.lifecycle(number))
        return number

    def lifecycle(self, number: int) -> Story:
        """One ticket from dispatch to close, with the detours units and reporters take."""
        rng = self.rng
        returned = extended = failed = rated = False
        last: str | None = None
        while True:
            t = self.ticket(number)
            if t is None or t.duplicate_of is not None:
                return
            if t.status == last and t.status != "closed":  # the line was refused: stop, and say so
                self.tally.add("未完成")
                return
            last = t.status
            category = self.services.cfg.categories.get(t.category)
            claim_h = float(getattr(category, "claim_hours", 2) or 2)
            fix_h = float(getattr(category, "fix_hours", 24) or 24)
            if t.status == "triage":
                yield self.hours(0.5, 2)
                target = category.unit if category and category.unit != t.unit else "sd"
                self.say(f"转派 {number} {self.services.cfg.units[target].name}", SUPERVISOR)
                self.tally.add("转派")
            elif t.status == "dispatched":
                late = rng.random() < 0.15
                yield self.hours(claim_h + 0.5, claim_h + 6) if late else self.hours(0.1, claim_h * 0.8)
                who = self.member(t.unit)
                if who is None:
                    return
                if not returned and rng.random() < 0.05:
                    returned = True
                    self.say(f"退回 {number} 不属于我单位职责，请重新分拨", who)
                    self.tally.add("退回")
                    continue
                self.say(f"认领 {number}", who)
                self.tally.add("认领（超时）" if late else "认领")
            elif t.status == "claimed":
                who = t.claimed_by or self.member(t.unit) or ""
                if not extended and rng.random() < 0.08:
                    extended = True
                    yield self.hours(1, 4)
                    self.say(f"延期 {number} 2天 需要协调车辆和物业", who)
                    yield self.hours(0.5, 3)
                    self.say(f"同意延期 {number}", SUPERVISOR)
                    self.tally.add("延期")
                    fix_h += 48
                late = rng.random() < 0.12
                yield self.hours(fix_h + 1, fix_h + 24) if late else self.hours(1, fix_h * 0.8)
                self.say(f"完成 {number} 已整改到位", who, photo=True)
                self.tally.add("完成（超时）" if late else "完成")
            elif t.status == "fixed":
                yield self.hours(0.5, 6)
                # the reporter verifies, unless they belong to the fixing unit (separation of duties)
                verifier = SUPERVISOR if t.reporter_id in self.services.cfg.units[t.unit].members else t.reporter_id
                if not failed and rng.random() < 0.1:
                    failed = True
                    self.say(f"验收 {number} 不通过 还有遗留没有清理干净", verifier)
                    self.tally.add("验收不通过")
                    continue
                self.say(f"验收 {number} 通过", verifier)
                self.tally.add("验收通过")
            elif t.status == "closed" and not rated:
                rated = True
                if rng.random() < 0.6:
                    yield self.hours(1, 48)
                    if rng.random() < 0.88:
                        self.say(f"满意 {number}", t.reporter_id)
                        self.tally.add("满意")
                    else:
                        self.say(f"不满意 {number} 只处理了一半，过两天又回来了", t.reporter_id)
                        self.tally.add("不满意")
            else:
                return

    def recheck(self, number: int, inspector: str) -> Story:
        """An inspector goes back to a sampled ticket: mostly still fine, sometimes 反弹."""
        yield self.hours(3, 30)
        if self.rng.random() < 0.2:
            self.say(f"回头看 {number} 反弹 问题又出现了", inspector, photo=True)
            self.tally.add("回头看反弹")
            self.start(self.clock.now(), self.lifecycle(number))
        else:
            self.say(f"回头看 {number} 合格 现场保持良好", inspector, photo=True)
            self.tally.add("回头看合格")

    def inspection(self, point_name: str, point_type: str, inspector: str) -> Story:
        """A 督查 round over one point: a few problems, the failed checklist items, 督查结束."""
        self.say(f"督查 {point_name}", inspector)
        self.tally.add("督查")
        lines = ROUND_PROBLEMS.get(point_type, ("{p}垃圾桶满溢",))
        for line in self.rng.sample(lines, self.rng.randint(1, len(lines))):
            yield timedelta(minutes=self.rng.randint(5, 20))
            self.report(line.format(p=point_name), inspector)
        items = len(self.services.cfg.points.checklists.get(point_type, []))
        if items:
            failed = sorted(self.rng.sample(range(1, items + 1), self.rng.randint(1, min(2, items))))
            self.say("不合格 " + " ".join(map(str, failed)), inspector)
        yield timedelta(minutes=self.rng.randint(5, 15))
        self.say("督查结束", inspector)

    def sweeper(self, end: datetime) -> Story:
        """The scheduler every hour: reminders, escalations, digests and 回头看 sampling."""
        while self.clock.now() < end:
            self.services.scheduler.run_due(self.clock.now())
            self.services.sender.run_once()
            with self.services.session_factory() as session:
                pending = session.scalars(select(Recheck).where(Recheck.result.is_(None))).all()
                fresh = [(r.ticket_id, r.inspector_id) for r in pending if r.ticket_id not in self._rechecks_seen]
            for number, inspector in fresh:
                self._rechecks_seen.add(number)
                self.start(self.clock.now(), self.recheck(number, inspector))
            yield timedelta(hours=1)
