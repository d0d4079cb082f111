"""The WeCom 智能机器人 long connection against a fake gateway speaking the aibot frames."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from websockets.asyncio.client import connect

from bot.app_services import AppServices
from bot.connections.wecom_bot_ws import HeartbeatLost, SubscribeRefused, WeComBotConnection, build
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import InboundMessage, MediaDownload, Ticket
from tests.support.fake_wecom_bot_ws import UNKNOWN_REQ_ID, FakeWeComBotGateway
from tests.support.platform_factories import REPORT, platform_cfg


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


class StepPacer:
    """A heartbeat each time the test releases one: no timer, no sleep."""

    def __init__(self) -> None:
        self._due: asyncio.Queue[None] = asyncio.Queue()

    def beat(self) -> None:
        self._due.put_nowait(None)

    async def wait(self) -> None:
        await self._due.get()


def robot_body(msg_id: str, text: str = REPORT, msgtype: str = "text", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "msgid": msg_id,
        "aibotid": "bot-1",
        "chatid": "wr-demo",
        "chattype": "group",
        "from": {"userid": "LiWG"},
        "msgtype": msgtype,
    }
    if msgtype == "text":
        body["text"] = {"content": f"@创城大管家 {text}"}
    return body | extra


def count(services: AppServices, model: Any) -> int:
    with services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


BOT = {"bot_id": "bot-1", "secret": "bot-secret"}
Scenario = Callable[[FakeWeComBotGateway, WeComBotConnection, StepPacer], Awaitable[None]]


def run(services: AppServices, scenario: Scenario, secret: str = "bot-secret") -> FakeWeComBotGateway:
    async def main() -> FakeWeComBotGateway:
        async with FakeWeComBotGateway() as fake:
            pacer = StepPacer()
            connection = WeComBotConnection(services, "bot-1", secret, fake.url, pacer)
            async with asyncio.timeout(60):  # a regression fails here instead of hanging the suite
                await scenario(fake, connection, pacer)
            return fake

    return asyncio.run(main())


async def serving(
    connection: WeComBotConnection, fake: FakeWeComBotGateway
) -> tuple[asyncio.Task[None], asyncio.Event]:
    stop = asyncio.Event()
    before = fake.subscribes
    task = asyncio.create_task(connection.run_once(stop))
    await fake.until(lambda: fake.subscribes > before)
    return task, stop


def test_a_report_becomes_a_ticket_and_its_stream_reply_reaches_wecom(services: AppServices) -> None:
    pushed: list[str] = []

    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        task, stop = await serving(connection, fake)
        pushed.append(await fake.push(robot_body("wm-1")))
        await fake.until(lambda: len(fake.replies) == 1)
        stop.set()
        await task

    fake = run(services, scenario)
    [reply] = fake.replies
    assert reply["cmd"] == "aibot_respond_msg" and reply["headers"]["req_id"] == pushed[0]
    stream = reply["body"]["stream"]
    assert reply["body"]["msgtype"] == "stream" and stream["finish"] is True and stream["id"] == "gj-wm-1"
    assert "已登记 #1" in stream["content"] and "<@ChenHW>" in stream["content"]
    assert count(services, Ticket) == 1 and fake.refused == []


def test_a_wrong_secret_is_refused_at_subscribe_and_nothing_is_read(services: AppServices) -> None:
    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        with pytest.raises(SubscribeRefused, match="853000"):
            await connection.run_once(asyncio.Event())

    fake = run(services, scenario, secret="guessed")
    assert fake.subscribes == 0 and count(services, InboundMessage) == 0


def test_a_drop_before_the_reply_is_redelivered_and_answered_once(services: AppServices) -> None:
    """The message is recorded, the socket drops before WeCom gets the reply, WeCom pushes it again."""

    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        fake.drop_on_next_reply = True
        first, _ = await serving(connection, fake)
        await fake.push(robot_body("wm-7"))
        await fake.until(lambda: fake.closed_connections == 1)
        await first  # run_once returns when the connection drops; the runner calls it again
        assert fake.replies == []
        second, stop = await serving(connection, fake)  # the gateway redelivers on the new connection
        await fake.until(lambda: len(fake.replies) == 1)
        stop.set()
        await second

    fake = run(services, scenario)
    [reply] = fake.replies
    assert reply["headers"]["req_id"] != "callback-0"  # answered on the redelivery's own req_id
    assert "已登记 #1" in reply["body"]["stream"]["content"]
    assert count(services, Ticket) == 1 and count(services, InboundMessage) == 1 and fake.refused == []


def test_a_message_the_database_failed_to_record_is_left_unanswered_then_taken_on_redelivery(
    services: AppServices,
) -> None:
    lost = threading.Event()

    def drop(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not lost.is_set() and statement.lstrip().upper().startswith("INSERT INTO TICKETS"):
            lost.set()
            raise OperationalError(statement, None, Exception("server closed the connection unexpectedly"))

    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        event.listen(services.engine, "before_cursor_execute", drop)
        try:
            first, stop = await serving(connection, fake)
            await fake.push(robot_body("wm-9"))
            assert await asyncio.to_thread(lost.wait, 10)
            stop.set()
            await first  # waits for the failed handler: it sent nothing
        finally:
            event.remove(services.engine, "before_cursor_execute", drop)
        assert fake.replies == [] and count(services, InboundMessage) == 0
        second, stop = await serving(connection, fake)
        await fake.until(lambda: len(fake.replies) == 1)
        stop.set()
        await second

    fake = run(services, scenario)
    assert "已登记 #1" in fake.replies[0]["body"]["stream"]["content"] and count(services, Ticket) == 1


def test_unsupported_frames_are_ignored_and_the_connection_goes_on(services: AppServices) -> None:
    pushed: list[str] = []

    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        task, stop = await serving(connection, fake)
        await fake.push(robot_body("wm-video", msgtype="video", video={"url": "https://x.qpic.cn/v"}))
        await fake.push({"msgid": "wm-odd"})  # no sender, no type: not a message
        await fake.push_event({"msgid": "ev-1", "event": {"eventtype": "enter_chat"}})
        await fake.send_raw("not json")
        await fake.send_raw('{"cmd": "aibot_new_kind", "headers": {"req_id": "x"}}')
        pushed.append(await fake.push(robot_body("wm-2")))
        await fake.until(lambda: len(fake.replies) == 1)
        stop.set()
        await task

    fake = run(services, scenario)
    assert [r["headers"]["req_id"] for r in fake.replies] == pushed
    assert count(services, InboundMessage) == 1 and fake.closed_connections == 1


def test_a_photo_over_the_long_connection_is_queued_with_its_own_key(services: AppServices) -> None:
    """The long connection has no EncodingAESKey: each image names its `aeskey`, kept for the download."""
    image = {"url": "https://not-a-wecom-host.example/pic", "aeskey": "kXnZn8rs6oNpBVxaSkHuCyna4LB2ulBk4zllS7r3C3D="}

    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        task, stop = await serving(connection, fake)
        await fake.push(robot_body("wm-3"))
        await fake.until(lambda: len(fake.replies) == 1)
        await fake.push(robot_body("wm-4", msgtype="image", image=image))
        await fake.until(lambda: len(fake.replies) == 2)  # the photo joins the report, and says so
        stop.set()
        await task

    fake = run(services, scenario)
    with services.session_factory() as session:
        [download] = session.scalars(select(MediaDownload)).all()
    assert download.ref["aeskey"] == image["aeskey"] and download.ref["encrypted"] is True
    assert download.status != "done"  # a URL off the WeCom media hosts is never fetched
    assert "#1" in fake.replies[1]["body"]["stream"]["content"]


def test_heartbeats_follow_the_pacer_and_unanswered_ones_end_the_connection(services: AppServices) -> None:
    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, pacer: StepPacer) -> None:
        task, _stop = await serving(connection, fake)
        pacer.beat()
        await fake.until(lambda: len(fake.pings) == 1)
        fake.answer_pings = False  # a half-open connection: nothing comes back
        pacer.beat()
        await fake.until(lambda: len(fake.pings) == 2)
        pacer.beat()
        pacer.beat()
        with pytest.raises(HeartbeatLost):
            await task

    fake = run(services, scenario)
    assert len(fake.pings) == 3 and len(set(fake.pings)) == 3


def test_a_newer_connection_taking_over_ends_this_one(services: AppServices) -> None:
    async def scenario(fake: FakeWeComBotGateway, connection: WeComBotConnection, _pacer: StepPacer) -> None:
        task, _stop = await serving(connection, fake)
        await fake.push_event({"event": {"eventtype": "disconnected_event"}})
        await task  # returns, so the runner (holding the lease) decides whether to dial again

    run(services, scenario)


def test_the_fake_refuses_a_reply_to_a_req_id_it_never_pushed() -> None:
    """What makes `fake.refused == []` above mean something: a forged or stale req_id is refused."""

    async def main() -> dict[str, Any]:
        async with FakeWeComBotGateway() as fake, connect(fake.url) as ws:
            await ws.send(json.dumps({"cmd": "aibot_subscribe", "headers": {"req_id": "s"}, "body": BOT}))
            assert json.loads(await ws.recv())["errcode"] == 0
            await ws.send(json.dumps({"cmd": "aibot_respond_msg", "headers": {"req_id": "callback-99"}, "body": {}}))
            answer: dict[str, Any] = json.loads(await ws.recv())
            assert len(fake.refused) == 1 and fake.replies == []
            return answer

    assert asyncio.run(main())["errcode"] == UNKNOWN_REQ_ID


def test_build_only_in_ws_mode_with_credentials(services: AppServices) -> None:
    assert build(services) is None
    services.settings = services.settings.model_copy(
        update={"wecom_bot_id": "bot-1", "wecom_bot_secret": SecretStr("s")}
    )
    connection = build(services)
    assert isinstance(connection, WeComBotConnection) and connection.name == "wecom-bot-ws"
    assert connection.url == "wss://openws.work.weixin.qq.com"
    services.settings = services.settings.model_copy(update={"wecom_bot_mode": "http"})
    assert build(services) is None


def test_settings_refuse_ws_mode_without_credentials_and_blank_secrets() -> None:
    with pytest.raises(ValueError, match="GUANJIA_WECOM_BOT_MODE=ws needs"):
        Settings(wecom_bot_mode="ws")
    with pytest.raises(ValueError, match="GUANJIA_WECOM_BOT_SECRET is set but empty"):
        Settings(wecom_bot_id="bot-1", wecom_bot_secret=SecretStr("  "))
    with pytest.raises(ValueError, match="GUANJIA_WECOM_BOT_WS_URL"):
        Settings(wecom_bot_ws_url="https://openws.work.weixin.qq.com")
    assert Settings(wecom_bot_id="bot-1", wecom_bot_secret=SecretStr("s")).wecom_bot_effective_mode() == "ws"
    assert Settings().wecom_bot_effective_mode() == "http"
