"""Each robot transport against a fake platform server that enforces the platform's sending rules."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.app_services import build_services
from bot.core.clock import ManualClock
from bot.outbound.delivery import OutboundMessage
from bot.outbound.dingtalk_transport import DingTalkTransport
from bot.outbound.feishu_transport import FeishuTransport
from bot.outbound.outbox import enqueue
from bot.outbound.wecom_transport import WeComTransport
from config.schema import OutboundConfig
from config.settings import Settings
from tests.support import fake_platforms
from tests.support.platform_factories import platform_cfg

CFG = platform_cfg()
REMINDER = OutboundMessage("demo", "⏰ #1【垃圾与环境卫生】还有1小时到整改期限", mentions=("hws_chen",))


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[fake_platforms.FakePlatforms]:
    with fake_platforms.running(clock) as running:
        yield running


def test_dingtalk_signed_text_with_at(fake: fake_platforms.FakePlatforms, clock: ManualClock) -> None:
    url = fake.add("dingtalk", "t1", secret="SECabc")
    result = DingTalkTransport(clock=clock).send(
        OutboundConfig(platform="dingtalk", url=url, secret="SECabc"), REMINDER, CFG
    )
    assert result.ok, result.error
    [body] = fake.robot("dingtalk", "t1").received
    assert body["msgtype"] == "text" and body["at"]["atUserIds"] == ["staff-chen"]
    assert body["text"]["content"].endswith("@staff-chen")  # the @ is written into the text too


def test_dingtalk_mobile_mention_and_markdown(fake: fake_platforms.FakePlatforms, clock: ManualClock) -> None:
    url = fake.add("dingtalk", "t1")
    cfg = platform_cfg()
    people = cfg.model_dump()["contacts"]
    people["hws_chen"]["dingtalk"] = None
    message = OutboundMessage("demo", "周报\n第一行", mentions=("hws_chen",))
    cfg2 = cfg.model_copy(update={"contacts": {k: type(cfg.contacts[k])(**v) for k, v in people.items()}})
    assert DingTalkTransport(clock=clock).send(OutboundConfig(platform="dingtalk", url=url), message, cfg2).ok
    [body] = fake.robot("dingtalk", "t1").received
    assert body["msgtype"] == "markdown" and body["at"]["atMobiles"] == ["13800000001"]
    assert "@13800000001" in body["markdown"]["text"]


def test_dingtalk_wrong_secret_is_permanent_and_rate_limit_asks_to_wait(
    fake: fake_platforms.FakePlatforms, clock: ManualClock
) -> None:
    url = fake.add("dingtalk", "t1", secret="SECabc", per_minute=2)
    transport = DingTalkTransport(clock=clock)
    wrong = transport.send(OutboundConfig(platform="dingtalk", url=url, secret="SECzzz"), REMINDER, CFG)
    assert not wrong.ok and wrong.permanent and "310000" in (wrong.error or "")
    target = OutboundConfig(platform="dingtalk", url=url, secret="SECabc")
    assert transport.send(target, REMINDER, CFG).ok and transport.send(target, REMINDER, CFG).ok
    limited = transport.send(target, REMINDER, CFG)
    assert not limited.ok and not limited.permanent and limited.retry_after_seconds == 60
    clock.advance(timedelta(seconds=61))
    assert transport.send(target, REMINDER, CFG).ok


def test_dingtalk_stale_signature_is_refused(fake: fake_platforms.FakePlatforms, clock: ManualClock) -> None:
    url = fake.add("dingtalk", "t1", secret="SECabc")
    stale_clock = ManualClock(clock.now() - timedelta(hours=2))
    result = DingTalkTransport(clock=stale_clock).send(
        OutboundConfig(platform="dingtalk", url=url, secret="SECabc"), REMINDER, CFG
    )
    assert result.permanent


def test_wecom_text_mentions_long_markdown_split_and_image(fake: fake_platforms.FakePlatforms) -> None:
    url = fake.add("wecom", "k1")
    target = OutboundConfig(platform="wecom", url=url)
    transport = WeComTransport()
    assert transport.send(target, REMINDER, CFG).ok
    digest = "\n".join(f"{n}. 城管执法队 派单{n} 按期整改率 95%" for n in range(400))
    png = base64.b64encode(b"\x89PNG\r\n" + b"0" * 1000).decode()
    assert transport.send(target, OutboundMessage("demo", digest, ("hws_chen",), png), CFG).ok
    received = fake.robot("wecom", "k1").received
    assert received[0]["text"]["mentioned_list"] == ["ChenHW"]
    pieces = [r for r in received if r["msgtype"] == "markdown"]
    assert len(pieces) > 1 and all(len(p["markdown"]["content"].encode()) <= 4096 for p in pieces)
    assert "<@ChenHW>" in pieces[-1]["markdown"]["content"]
    assert received[-1]["msgtype"] == "image" and fake.robot("wecom", "k1").refused == []


def test_wecom_oversize_image_and_rate_limit(fake: fake_platforms.FakePlatforms) -> None:
    url = fake.add("wecom", "k1", per_minute=1)
    target = OutboundConfig(platform="wecom", url=url)
    big = base64.b64encode(b"0" * (2 * 1024 * 1024 + 1)).decode()
    oversize = WeComTransport().send(target, OutboundMessage("demo", "图", image_png_base64=big), CFG)
    assert oversize.permanent and "2 MB" in (oversize.error or "")
    assert WeComTransport().send(target, REMINDER, CFG).ok
    limited = WeComTransport().send(target, REMINDER, CFG)
    assert limited.retry_after_seconds == 60 and "45009" in (limited.error or "")
    wrong_key = WeComTransport().send(OutboundConfig(platform="wecom", url=url + "x"), REMINDER, CFG)
    assert wrong_key.permanent


def test_feishu_signed_text_with_at_and_errors(fake: fake_platforms.FakePlatforms, clock: ManualClock) -> None:
    url = fake.add("feishu", "h1", secret="fs", per_minute=1)
    transport = FeishuTransport(clock=clock)
    assert transport.send(OutboundConfig(platform="feishu", url=url, secret="fs"), REMINDER, CFG).ok
    [body] = fake.robot("feishu", "h1").received
    assert body["msg_type"] == "text" and '<at user_id="ou_chen"></at>' in body["content"]["text"]
    limited = transport.send(OutboundConfig(platform="feishu", url=url, secret="fs"), REMINDER, CFG)
    assert limited.retry_after_seconds == 60
    wrong = transport.send(OutboundConfig(platform="feishu", url=url, secret="nope"), REMINDER, CFG)
    assert wrong.permanent and "19021" in (wrong.error or "")


def test_secret_from_environment(
    fake: fake_platforms.FakePlatforms, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fake.add("feishu", "h1", secret="from-env")
    monkeypatch.setenv("GUANJIA_TEST_FEISHU_SECRET", "from-env")
    target = OutboundConfig(platform="feishu", url=url, secret_env="GUANJIA_TEST_FEISHU_SECRET")
    assert FeishuTransport(clock=clock).send(target, REMINDER, CFG).ok


def test_outbox_backs_off_on_the_robots_rate_limit_and_loses_nothing_across_a_restart(
    fake: fake_platforms.FakePlatforms, clock: ManualClock, engine: Engine, database_url: str
) -> None:
    # The robot is shared with another system, so it refuses after 3 this minute although we send fewer than 20.
    url = fake.add("dingtalk", "t1", secret="SECabc", per_minute=3)
    cfg = platform_cfg({"platform": "dingtalk", "url": url, "secret": "SECabc"})
    settings = Settings(database_url=database_url, config=None, run_scheduler=False)
    services = build_services(
        settings, cfg, clock=clock, engine=engine, transports={"dingtalk": DingTalkTransport(clock=clock)}
    )
    with services.session_factory() as session, session.begin():
        for n in range(5):
            enqueue(session, group_id="demo", kind="reminder", text=f"提醒 {n}", mentions=["hws_chen"], now=clock.now())
    first = services.sender.run_once()
    assert first.sent == 3 and first.retried >= 1
    # Restart: a fresh process (new services, same database) picks up where the first left off.
    clock.advance(timedelta(seconds=61))
    restarted = build_services(
        settings, cfg, clock=clock, engine=engine, transports={"dingtalk": DingTalkTransport(clock=clock)}
    )
    for _ in range(3):
        restarted.sender.run_once()
        clock.advance(timedelta(seconds=61))
    texts = [b["text"]["content"].split("\n")[0] for b in fake.robot("dingtalk", "t1").received]
    assert sorted(texts) == [f"提醒 {n}" for n in range(5)]
    assert (410100, "send too fast, exceed 20 times per minute") in fake.robot("dingtalk", "t1").refused
