"""Feishu 长连接: events pushed over a websocket of pbbp2 frames become tickets, answered once.

The fake (tests/support/fake_feishu_ws.py) builds its frames with lark-oapi's own protobuf
class; every wait is on its conditions, with a timeout only so a broken client fails the test.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.app_services import AppServices, build_services
from bot.connections import feishu_ws
from bot.connections.feishu_ws import frame_class
from bot.core.clock import ManualClock
from config.settings import Settings
from models import InboundMessage, Ticket, TicketEvent
from tests.support.fake_feishu_ws import APP_ID, APP_SECRET, FakeFeishu, card_buttons, click_event, fake_feishu
from tests.support.platform_factories import REPORT, feishu_event, feishu_typed, platform_cfg

LIMIT = 30  # seconds: only a hung client ever reaches it


def _services(database_url: str, tmp_path: Path, clock: ManualClock, engine: Engine, domain: str) -> AppServices:
    settings = Settings(
        database_url=database_url,
        config=None,
        run_scheduler=False,
        feishu_app_id=APP_ID,
        feishu_app_secret=SecretStr(APP_SECRET),
        feishu_domain=domain,
        media_dir=tmp_path / "media",
    )
    return build_services(settings, platform_cfg(), clock=clock, engine=engine)


def _count(services: AppServices, model: type[Ticket] | type[InboundMessage]) -> int:
    with services.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


Scenario = Callable[[FakeFeishu, AppServices, asyncio.Event], Awaitable[None]]


def _run(database_url: str, tmp_path: Path, clock: ManualClock, engine: Engine, scenario: Scenario) -> AppServices:
    box: list[AppServices] = []

    async def main() -> None:
        async with fake_feishu() as fake:
            services = _services(database_url, tmp_path, clock, engine, fake.base)
            box.append(services)
            await asyncio.wait_for(scenario(fake, services, asyncio.Event()), LIMIT)

    asyncio.run(main())
    return box[0]


async def _connect(fake: FakeFeishu, services: AppServices, stop: asyncio.Event, nth: int) -> asyncio.Task[None]:
    connection = feishu_ws.build(services)
    assert connection is not None and connection.name == "feishu-ws"
    task = asyncio.create_task(connection.run_once(stop))
    await fake.wait_for("connections", nth)
    await fake.wait_for("pings", nth)  # the client pings as soon as it is connected
    return task


def test_a_report_over_the_connection_becomes_a_ticket_and_is_answered_through_the_reply_api(
    database_url: str, tmp_path: Path, clock: ManualClock, engine: Engine
) -> None:
    async def scenario(fake: FakeFeishu, services: AppServices, stop: asyncio.Event) -> None:
        task = await _connect(fake, services, stop, 1)
        ack = await fake.push(feishu_event("om_1", REPORT))
        assert ack["code"] == 200
        assert _count(services, Ticket) == 1  # recorded before the answer
        [reply] = fake.replies
        assert reply["message_id"] == "om_1" and reply["msg_type"] == "interactive" and fake.refused == []
        card = json.loads(reply["content"])  # the card travels as a JSON string, as Feishu takes it
        assert "已登记 #1" in card["elements"][0]["text"]["content"]
        assert card["elements"][1]["text"] == {"tag": "lark_md", "content": "<at id=ou_chen></at>"}
        assert card_buttons(card) == [
            ("认领", {"ticket": 1, "action": "claim"}),
            ("退回", {"ticket": 1, "action": "return"}),
        ]
        stop.set()
        await task  # a stop ends the run cleanly

    _run(database_url, tmp_path, clock, engine, scenario)


def _status(services: AppServices) -> str:
    with services.session_factory() as session:
        ticket = session.get(Ticket, 1)
        assert ticket is not None
        return ticket.status


def _answer(ack: dict[str, Any]) -> dict[str, Any]:
    """A callback's answer: JSON, base64-encoded in the ack's `data` (as lark-oapi writes it)."""
    return json.loads(base64.b64decode(ack["data"]))


def test_a_click_on_the_sent_card_claims_the_ticket_and_the_answer_redraws_the_card(
    database_url: str, tmp_path: Path, clock: ManualClock, engine: Engine
) -> None:
    async def scenario(fake: FakeFeishu, services: AppServices, stop: asyncio.Event) -> None:
        task = await _connect(fake, services, stop, 1)
        await fake.push(feishu_event("om_1", REPORT))
        [(label, value), _] = card_buttons(json.loads(fake.replies[0]["content"]))
        assert label == "认领"
        ack = await fake.push(click_event("ev-click-1", value["ticket"], value["action"], "ou_chen"))
        answer = _answer(ack)
        assert ack["code"] == 200 and _status(services) == "claimed"
        assert answer["toast"]["type"] == "success" and "已由陈环卫（环卫中心）认领" in answer["toast"]["content"]
        card = answer["card"]["data"]
        assert "状态：整改中" in card["elements"][0]["text"]["content"] and card_buttons(card) == []
        again = await fake.push(click_event("ev-click-1", 1, "claim", "ou_chen"))  # Feishu pushes it again
        assert _answer(again) == answer
        with services.session_factory() as session:
            claims = session.scalars(select(TicketEvent).where(TicketEvent.type == "claimed")).all()
        assert len(claims) == 1  # counted once
        stop.set()
        await task

    _run(database_url, tmp_path, clock, engine, scenario)


def test_a_refused_click_over_the_connection_changes_nothing_and_says_why(
    database_url: str, tmp_path: Path, clock: ManualClock, engine: Engine
) -> None:
    async def scenario(fake: FakeFeishu, services: AppServices, stop: asyncio.Event) -> None:
        task = await _connect(fake, services, stop, 1)
        await fake.push(feishu_event("om_1", REPORT))
        answer = _answer(await fake.push(click_event("ev-x", 1, "claim", "ou_stranger")))
        assert answer["toast"] == {"type": "error", "content": "#1 属于环卫中心，您不是该单位成员"}
        assert [label for label, _ in card_buttons(answer["card"]["data"])] == ["认领", "退回"]
        forged = _answer(await fake.push(click_event("ev-f", 1, "close_all", "ou_chen")))
        assert forged == {"toast": {"type": "error", "content": "无法识别的按钮，请改用文字命令"}}
        assert _status(services) == "dispatched" and len(fake.replies) == 1
        stop.set()
        await task

    _run(database_url, tmp_path, clock, engine, scenario)


def test_a_split_payload_is_reassembled_before_it_is_read(
    database_url: str, tmp_path: Path, clock: ManualClock, engine: Engine
) -> None:
    async def scenario(fake: FakeFeishu, services: AppServices, stop: asyncio.Event) -> None:
        task = await _connect(fake, services, stop, 1)
        ack = await fake.push(feishu_event("om_split", REPORT), parts=3)
        assert ack["code"] == 200 and len(fake.acks["frame-1"]) == 1  # one answer, to the last part
        assert _count(services, Ticket) == 1 and len(fake.replies) == 1
        stop.set()
        await task

    _run(database_url, tmp_path, clock, engine, scenario)


def test_an_answer_lost_with_the_connection_is_redelivered_and_answered_once(
    database_url: str, tmp_path: Path, clock: ManualClock, engine: Engine
) -> None:
    async def scenario(fake: FakeFeishu, services: AppServices, stop: asyncio.Event) -> None:
        first = await _connect(fake, services, stop, 1)
        await fake.push(feishu_event("om_1", REPORT), lose_ack=True)  # recorded, replied, answer lost
        await first  # the dropped connection ends this run; the runner calls run_once again
        second = await _connect(fake, services, stop, 2)
        ack = await fake.push(feishu_event("om_1", REPORT))  # Feishu pushes it again
        assert ack["code"] == 200
        await fake.push(feishu_event("om_2", "东关街人行道井盖破损"))  # and the connection carries on
        assert _count(services, InboundMessage) == 2 and _count(services, Ticket) == 2
        assert [r["message_id"] for r in fake.replies] == ["om_1", "om_2"]  # nothing lost, nothing doubled
        stop.set()
        await second

    _run(database_url, tmp_path, clock, engine, scenario)


def test_frames_it_cannot_use_are_answered_and_change_nothing(
    database_url: str, tmp_path: Path, clock: ManualClock, engine: Engine
) -> None:
    async def scenario(fake: FakeFeishu, services: AppServices, stop: asyncio.Event) -> None:
        task = await _connect(fake, services, stop, 1)
        sticker = feishu_typed("om_s", "sticker", {"file_key": "sticker-1"})
        other_event = {"schema": "2.0", "header": {"event_type": "im.chat.member.bot.added_v1"}, "event": {}}
        assert (await fake.push(sticker))["code"] == 200
        assert (await fake.push(other_event))["code"] == 200
        assert (await fake.push({"action": {"value": {}}}, kind="card"))["code"] == 200
        assert (await fake.push({"schema": "2.0"}))["code"] == 400  # no header: never readable
        assert _count(services, InboundMessage) == 0 and fake.replies == []
        stop.set()
        await task

    _run(database_url, tmp_path, clock, engine, scenario)


def test_malformed_frames_are_dropped_and_the_connection_carries_on(
    database_url: str, tmp_path: Path, clock: ManualClock, engine: Engine
) -> None:
    async def scenario(fake: FakeFeishu, services: AppServices, stop: asyncio.Event) -> None:
        task = await _connect(fake, services, stop, 1)
        await fake.send_raw(b"\xff\x00 not protobuf")
        await fake.send_raw("a text frame")
        too_many = frame_class()(SeqID=1, LogID=1, service=7, method=1)
        for key, value in (("type", "event"), ("message_id", "huge"), ("sum", "100000"), ("seq", "0")):
            too_many.headers.add(key=key, value=value)
        await fake.send_raw(too_many.SerializeToString())  # would reserve 100000 parts
        ack = await fake.push(feishu_event("om_1", REPORT))
        assert ack["code"] == 200 and _count(services, Ticket) == 1
        assert "huge" not in fake.acks and not task.done()
        stop.set()
        await task

    _run(database_url, tmp_path, clock, engine, scenario)


def test_wrong_app_secret_is_refused_by_the_endpoint_with_its_reason(
    database_url: str, tmp_path: Path, clock: ManualClock, engine: Engine
) -> None:
    async def scenario(fake: FakeFeishu, services: AppServices, stop: asyncio.Event) -> None:
        connection = feishu_ws.FeishuWs(services, APP_ID, "not-the-secret", fake.base)
        with pytest.raises(feishu_ws.FeishuWsError, match="invalid app credentials"):
            await connection.run_once(stop)
        assert fake.connections == 0

    _run(database_url, tmp_path, clock, engine, scenario)


def test_mode_follows_the_credentials_and_can_be_switched_off(database_url: str) -> None:
    both = {"database_url": database_url, "feishu_app_id": APP_ID, "feishu_app_secret": SecretStr(APP_SECRET)}
    assert Settings(**both).feishu_ws_enabled()
    assert not Settings(**both, feishu_mode="http").feishu_ws_enabled()
    assert not Settings(database_url=database_url).feishu_ws_enabled()
    with pytest.raises(ValidationError, match="GUANJIA_FEISHU_MODE=ws needs"):
        Settings(database_url=database_url, feishu_mode="ws")
    with pytest.raises(ValidationError, match="GUANJIA_FEISHU_APP_SECRET is set but empty"):
        Settings(database_url=database_url, feishu_app_id=APP_ID, feishu_app_secret=" ")
    with pytest.raises(ValidationError, match="GUANJIA_FEISHU_DOMAIN"):
        Settings(**both, feishu_domain="open.feishu.cn")


def test_build_gives_nothing_when_feishu_is_not_configured(
    database_url: str, tmp_path: Path, clock: ManualClock, engine: Engine
) -> None:
    settings = Settings(database_url=database_url, config=None, run_scheduler=False)
    assert feishu_ws.build(build_services(settings, platform_cfg(), clock=clock, engine=engine)) is None
