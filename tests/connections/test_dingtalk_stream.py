"""DingTalk Stream mode against a fake gateway on 127.0.0.1 speaking the real frames.

What a district sees: a robot message sent over the Stream connection becomes a ticket and the
reply appears in the group (its sessionWebhook), @-ing the unit (here the app has no 互动卡片
permission, so replies with buttons go as text too; the cards are tests/connections/test_dingtalk_cards.py); a dropped connection comes
back and a message DingTalk redelivers is answered once; frames we do not handle are
acknowledged so DingTalk does not redeliver them forever.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from bot.app import create_app
from bot.app_services import AppServices, build_services
from bot.connections.dingtalk_stream import DingTalkStream, GatewayRefused
from bot.connections.registry import configured_connections
from bot.connections.runner import ConnectionRunner
from bot.core.clock import ManualClock
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import InboundMessage, OutboxMessage, OutboxStatus, Ticket
from tests.support.fake_dingtalk_stream import FakeDingTalkStream
from tests.support.platform_factories import REPORT, dingtalk_message, platform_cfg

KEY, SECRET = "ding-key", "ding-secret"


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


def _ms(instant: datetime) -> int:
    return int(instant.timestamp() * 1000)


class Pauses:
    """The runner's wait between attempts: recorded, and over at once (no test sleeps)."""

    def __init__(self) -> None:
        self.seen: list[float] = []

    async def __call__(self, seconds: float, _stop: asyncio.Event) -> None:
        self.seen.append(seconds)


Scenario = Callable[[FakeDingTalkStream, AppServices, ConnectionRunner], Awaitable[None]]


def run_stream(
    settings: Settings,
    cfg: GuanjiaConfig,
    clock: ManualClock,
    engine: Engine,
    scenario: Scenario,
    cards_allowed: bool = False,
    **extra: Any,
) -> AppServices:
    async def main() -> AppServices:
        async with FakeDingTalkStream(KEY, SECRET, cards_allowed) as gateway:
            stream_settings = settings.model_copy(
                update={
                    "dingtalk_app_key": KEY,
                    "dingtalk_app_secret": SecretStr(SECRET),
                    "dingtalk_stream_endpoint": gateway.endpoint,
                    **extra,
                }
            )
            services = build_services(stream_settings, cfg, clock=clock, engine=engine)
            runner = ConnectionRunner(configured_connections(services), engine, clock, pause=Pauses())
            runner.start()
            try:
                await gateway.connected(1)
                await scenario(gateway, services, runner)
            finally:
                await runner.stop()
            return services

    return asyncio.run(main())


def report(msg_id: str, gateway: FakeDingTalkStream, clock: ManualClock, **extra: Any) -> dict[str, Any]:
    fields = {
        "sessionWebhook": gateway.session_webhook(f"session-{msg_id}"),
        "sessionWebhookExpiredTime": _ms(clock.now() + timedelta(hours=2)),
        "createAt": _ms(clock.now()),
    }
    return dingtalk_message(msg_id, REPORT, **(fields | extra))


def count(engine: Engine, model: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_stream_message_becomes_a_ticket_and_the_reply_reaches_the_session_webhook(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    seen: dict[str, Any] = {}

    async def scenario(gateway: FakeDingTalkStream, services: AppServices, _runner: ConnectionRunner) -> None:
        frame_id = await gateway.push_bot_message(report("ding-1", gateway, clock))
        seen["ack"] = await gateway.ack_for(frame_id)
        seen["tickets_at_ack"] = count(engine, Ticket)
        await gateway.wait_for(lambda: len(gateway.replies) == 1)
        seen["replies"] = gateway.replies
        # Frames are handled in turn: a second frame's ack proves the first one is settled.
        await gateway.ack_for(await gateway.push("SYSTEM", "ping", {"opaque": "x"}))

    run_stream(settings, cfg, clock, engine, scenario)
    with engine.connect() as connection:
        kept = connection.execute(select(OutboxMessage.dedupe_key, OutboxMessage.status)).all()
    # Kept for the group robot in the message's transaction, superseded once the webhook took it.
    assert [tuple(row) for row in kept] == [("reply:dingtalk:ding-1:0", OutboxStatus.SUPERSEDED)]
    ack = seen["ack"]
    assert ack["code"] == 200 and ack["message"] == "OK"
    assert ack["headers"]["messageId"].startswith("frame-")
    assert "response" in json.loads(ack["data"])
    assert seen["tickets_at_ack"] == 1  # acknowledged only once the ticket was recorded
    assert count(engine, Ticket) == 1
    (reply,) = seen["replies"]
    assert reply["session"] == "session-ding-1"
    assert reply["text"]["content"].startswith("已登记 #1")
    assert reply["at"]["atUserIds"] == ["staff-chen"]  # the unit is @-ed by its DingTalk id


def test_a_dropped_connection_reconnects_and_a_redelivered_message_is_answered_once(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    seen: dict[str, Any] = {}

    async def scenario(gateway: FakeDingTalkStream, _services: AppServices, runner: ConnectionRunner) -> None:
        payload = report("ding-1", gateway, clock)
        await gateway.ack_for(await gateway.push_bot_message(payload))
        await gateway.wait_for(lambda: len(gateway.replies) == 1)
        await gateway.drop()
        await gateway.connected(2)  # the runner dialled again, with a fresh ticket
        # DingTalk redelivers the message in a new frame; then a new message arrives.
        seen["redelivered"] = await gateway.ack_for(await gateway.push_bot_message(payload))
        claim = dingtalk_message("ding-2", "认领 1", sender="staff-chen", sessionWebhook=gateway.session_webhook("s2"))
        await gateway.ack_for(await gateway.push_bot_message(claim))
        await gateway.wait_for(lambda: len(gateway.replies) == 2)
        seen["replies"] = list(gateway.replies)
        seen["delays"] = list(runner.delays["dingtalk-stream"])

    run_stream(settings, cfg, clock, engine, scenario)
    assert seen["redelivered"]["code"] == 200
    assert count(engine, Ticket) == 1  # the redelivered report made no second ticket
    assert count(engine, InboundMessage) == 2  # and both messages were recorded once
    assert [r["session"] for r in seen["replies"]] == ["session-ding-1", "s2"]
    assert seen["delays"] == [1.0]  # one reconnect, after the first backoff step


def test_frames_we_do_not_handle_are_acknowledged_and_change_nothing(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    seen: dict[str, Any] = {}

    async def scenario(gateway: FakeDingTalkStream, _services: AppServices, _runner: ConnectionRunner) -> None:
        ping = await gateway.push("SYSTEM", "ping", {"opaque": "abc-123"})
        event = await gateway.push("EVENT", "chat_update_title", {"title": "新群名"})
        other = await gateway.push("CALLBACK", "/v1.0/card/instances/callback", {"value": "{}"})
        card = dingtalk_message("ding-card", "", msgtype="interactiveCard", content={"cardData": "{}"})
        unknown = await gateway.push_bot_message(card)
        garbage = await gateway.push("CALLBACK", "/v1.0/im/bot/messages/get", "not json")
        seen["acks"] = [await gateway.ack_for(frame) for frame in (ping, event, other, unknown, garbage)]

    run_stream(settings, cfg, clock, engine, scenario)
    acks = seen["acks"]
    assert all(a["code"] == 200 for a in acks)
    assert json.loads(acks[0]["data"]) == {"opaque": "abc-123"}  # a ping's pong echoes its data
    assert count(engine, Ticket) == 0
    assert count(engine, OutboxMessage) == 0


def test_the_gateway_asking_to_reconnect_is_followed(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    async def scenario(gateway: FakeDingTalkStream, _services: AppServices, _runner: ConnectionRunner) -> None:
        await gateway.push("SYSTEM", "disconnect", {"reason": "server restarting"})
        await gateway.connected(2)
        await gateway.ack_for(await gateway.push_bot_message(report("ding-after", gateway, clock)))

    run_stream(settings, cfg, clock, engine, scenario)
    assert count(engine, Ticket) == 1


def test_an_expired_session_webhook_sends_the_reply_through_the_group_robot(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    seen: dict[str, Any] = {}

    async def scenario(gateway: FakeDingTalkStream, _services: AppServices, _runner: ConnectionRunner) -> None:
        expired = report("ding-old", gateway, clock, sessionWebhookExpiredTime=_ms(clock.now() - timedelta(seconds=1)))
        await gateway.ack_for(await gateway.push_bot_message(expired))
        # The reply is queued after the ack: a second frame's ack proves the first one is done.
        await gateway.ack_for(await gateway.push("SYSTEM", "ping", {"opaque": "x"}))
        seen["webhook_posts"] = list(gateway.replies)

    run_stream(settings, cfg, clock, engine, scenario)
    assert seen["webhook_posts"] == []
    with engine.connect() as connection:
        rows = connection.execute(select(OutboxMessage.group_id, OutboxMessage.text, OutboxMessage.dedupe_key)).all()
    assert [(r.group_id, r.dedupe_key) for r in rows] == [("demo", "reply:dingtalk:ding-old:0")]
    assert rows[0].text.startswith("已登记 #1")


def test_wrong_app_credentials_are_refused_by_the_gateway_and_no_socket_opens(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    async def main() -> tuple[FakeDingTalkStream, str]:
        async with FakeDingTalkStream(KEY, "the-real-secret") as gateway:
            wrong = settings.model_copy(
                update={
                    "dingtalk_app_key": KEY,
                    "dingtalk_app_secret": SecretStr(SECRET),
                    "dingtalk_stream_endpoint": gateway.endpoint,
                }
            )
            connection = DingTalkStream(build_services(wrong, cfg, clock=clock, engine=engine))
            with pytest.raises(GatewayRefused) as refused:
                await connection.run_once(asyncio.Event())
            return gateway, str(refused.value)

    gateway, problem = asyncio.run(main())
    assert "401" in problem
    assert gateway.connections_opened == 0
    assert len(gateway.refused_opens) == 1


def test_stream_is_the_default_once_the_app_credentials_are_set() -> None:
    assert Settings(dingtalk_app_key=KEY, dingtalk_app_secret=SECRET).dingtalk_stream()
    assert not Settings(dingtalk_app_key=KEY, dingtalk_app_secret=SECRET, dingtalk_mode="http").dingtalk_stream()
    assert not Settings(dingtalk_app_secret=SECRET).dingtalk_stream()  # HTTP signing only
    with pytest.raises(ValueError, match="GUANJIA_DINGTALK_MODE=stream needs"):
        Settings(dingtalk_mode="stream", dingtalk_app_secret=SECRET)
    with pytest.raises(ValueError, match="GUANJIA_DINGTALK_APP_KEY is set but empty"):
        Settings(dingtalk_app_key=" ", dingtalk_app_secret=SECRET)
    with pytest.raises(ValueError, match="GUANJIA_DINGTALK_STREAM_ENDPOINT"):
        Settings(dingtalk_stream_endpoint="api.dingtalk.com")


def test_a_message_the_intake_could_not_record_is_not_acknowledged_and_is_taken_on_redelivery(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    seen: dict[str, Any] = {}

    async def scenario(gateway: FakeDingTalkStream, services: AppServices, _runner: ConnectionRunner) -> None:
        handle = services.intake.handle
        failures = [OperationalError("INSERT", {}, Exception("database is down"))]

        def down_once(*args: Any) -> Any:
            if failures:
                raise failures.pop()
            return handle(*args)

        setattr(services.intake, "handle", down_once)  # noqa: B010 - the database fails for one message
        payload = report("ding-1", gateway, clock)
        lost = await gateway.push_bot_message(payload)
        await gateway.connected(2)  # the failure ended the connection; the runner dialled again
        seen["unacked"] = lost not in gateway.acks
        await gateway.ack_for(await gateway.push_bot_message(payload))  # DingTalk redelivers it
        await gateway.wait_for(lambda: len(gateway.replies) == 1)

    run_stream(settings, cfg, clock, engine, scenario)
    assert seen["unacked"]
    assert count(engine, Ticket) == 1


def test_the_server_lifespan_runs_the_stream_client_and_stops_it(
    settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, engine: Engine
) -> None:
    """`guanjia serve` needs nothing else: with the app's credentials the connection is up."""

    async def main() -> int:
        async with FakeDingTalkStream(KEY, SECRET, cards_allowed=False) as gateway:
            stream_settings = settings.model_copy(
                update={
                    "dingtalk_app_key": KEY,
                    "dingtalk_app_secret": SecretStr(SECRET),
                    "dingtalk_stream_endpoint": gateway.endpoint,
                }
            )
            app = create_app(build_services(stream_settings, cfg, clock=clock, engine=engine))
            async with app.router.lifespan_context(app):
                await gateway.connected(1)
                await gateway.ack_for(await gateway.push_bot_message(report("ding-1", gateway, clock)))
                await gateway.wait_for(lambda: len(gateway.replies) == 1)
            await gateway.wait_for(lambda: gateway.open_sockets == 0)  # shutdown closed the connection
            return gateway.connections_opened

    assert asyncio.run(main()) == 1
    assert count(engine, Ticket) == 1
