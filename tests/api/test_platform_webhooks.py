"""DingTalk, WeCom and Feishu callbacks end to end: signed or encrypted in, ticket made, platform reply out."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError

from bot.adapters.wecom_crypto import WXBizMsgCrypt
from bot.api.errors import UNAUTHENTICATED
from bot.app import create_app
from bot.app_services import AppServices, build_services
from bot.core.clock import ManualClock
from bot.outbound.feishu_transport import FeishuTransport
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import InboundMessage, MediaDownload, OutboxMessage, Ticket
from tests.support import fake_platforms
from tests.support.chat import START
from tests.support.platform_factories import REPORT, dingtalk_message, feishu_event, platform_cfg, wecom_robot_message
from tests.support.platform_http import AES_KEY, ding, feishu_post, platform_settings, wecom_post
from tests.support.web_helpers import login, make_user

# The suite's clock (tests/conftest.py START) in unix seconds: WeCom and Feishu timestamps must be fresh.
NOW_S = str(int(START.timestamp()))


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


@pytest.fixture
def settings(database_url: str, tmp_path: Any) -> Settings:
    return platform_settings(database_url, tmp_path / "media")


@contextmanager
def connection_lost_at(engine: Engine, insert_into: str) -> Iterator[None]:
    """The database connection drops at the first INSERT INTO `insert_into` (once)."""
    armed = [True]

    def drop(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if armed[0] and statement.lstrip().upper().startswith(f"INSERT INTO {insert_into.upper()}"):
            armed[0] = False
            raise OperationalError(statement, None, Exception("server closed the connection unexpectedly"))

    event.listen(engine, "before_cursor_execute", drop)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", drop)


def count(services: AppServices, model: Any) -> int:
    with services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def tickets(client: TestClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get("/api/tickets").json()["items"]
    return items


# --- DingTalk ----------------------------------------------------------------------------


def test_dingtalk_report_becomes_a_ticket_and_the_unit_is_mentioned(client: TestClient, clock: ManualClock) -> None:
    response = ding(client, clock, dingtalk_message("msg-1", REPORT))
    assert response.status_code == 200
    reply = response.json()
    assert reply["msgtype"] == "text"
    assert "已登记 #1" in reply["text"]["content"] and "@staff-chen" in reply["text"]["content"]
    assert reply["at"]["atUserIds"] == ["staff-chen"]
    [ticket] = tickets(client)
    assert ticket["reporter_id"] == "wgy_li" and ticket["group_id"] == "demo"
    # The unit member claims from DingTalk: their staff id maps to the config person, so rights hold.
    claim = ding(client, clock, dingtalk_message("msg-2", "认领 1", sender="staff-chen"))
    assert "认领" in claim.json()["text"]["content"]
    assert client.get("/api/tickets/1").json()["status"] == "claimed"


def test_dingtalk_retry_is_answered_once_and_chatter_gets_empty(client: TestClient, clock: ManualClock) -> None:
    first = ding(client, clock, dingtalk_message("msg-1", REPORT))
    again = ding(client, clock, dingtalk_message("msg-1", REPORT))
    assert first.json() == again.json()
    assert len(tickets(client)) == 1
    assert ding(client, clock, dingtalk_message("msg-3", "大家辛苦了")).json() == {"msgtype": "empty"}


@pytest.mark.parametrize(("case", "expected"), [("wrong", "sign does not match"), ("stale", "3600 s away")])
def test_dingtalk_bad_signature_is_refused_and_nothing_stored(
    client: TestClient, clock: ManualClock, case: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret, age = ("guess", 0) if case == "wrong" else ("ding-secret", 3601)
    response = ding(client, clock, dingtalk_message("msg-1", REPORT), secret=secret, age_s=age)
    assert response.status_code == 401 and response.json() == UNAUTHENTICATED
    assert expected in caplog.text  # the reason is for the operator's log, not for the caller
    assert tickets(client) == []


def test_dingtalk_oversize_body_is_413(client: TestClient, clock: ManualClock) -> None:
    response = ding(client, clock, dingtalk_message("msg-1", "垃圾" * 40_000))
    assert response.status_code == 413
    assert tickets(client) == []


def test_dingtalk_picture_is_queued_and_linked_after_download(
    client: TestClient, clock: ManualClock, services: AppServices
) -> None:
    from bot.media.downloads import MediaWorker

    body = dingtalk_message("msg-p", "") | {
        "msgtype": "richText",
        "content": {"richText": [{"text": REPORT}, {"type": "picture", "downloadCode": "dc-1"}]},
    }
    body.pop("text")
    assert ding(client, clock, body).status_code == 200
    [ticket] = tickets(client)
    detail = client.get(f"/api/tickets/{ticket['id']}").json()
    assert [i["url"] for i in detail["images"]] == ["media-pending://dingtalk/msg-p/0"]

    class Flaky:
        calls = 0

        def fetch(self, ref: dict[str, Any]) -> bytes:
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise OSError("platform timed out")
            assert ref["downloadCode"] == "dc-1" and ref["robotCode"] == "dingbot"
            out = io.BytesIO()
            Image.new("RGB", (4000, 3000), "blue").save(out, "JPEG")
            return out.getvalue()

    worker = MediaWorker(services.session_factory, services.clock, services.settings.media_dir, {"dingtalk": Flaky()})
    assert worker.run_once() == 0  # first try fails, the photo waits for its retry
    clock.advance(timedelta(seconds=31))
    assert worker.run_once() == 1
    url = client.get(f"/api/tickets/{ticket['id']}").json()["images"][0]["url"]
    assert url.startswith("/media/dingtalk/") and client.get(url).status_code == 401  # photos need a login
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    served = client.get(url)
    assert served.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(served.content)).size == (2048, 1536)  # the re-encoded copy, not the original


def test_dingtalk_picture_lost_with_the_connection_leaves_no_ticket_without_its_photo(
    client: TestClient, clock: ManualClock, services: AppServices
) -> None:
    """The photo's download row is written with the ticket: a crash between them is impossible."""
    body = dingtalk_message("msg-q", "") | {
        "msgtype": "richText",
        "content": {"richText": [{"text": REPORT}, {"type": "picture", "downloadCode": "dc-2"}]},
    }
    body.pop("text")
    with connection_lost_at(services.engine, "media_downloads"):
        assert ding(client, clock, body).status_code == 503
    assert [count(services, m) for m in (InboundMessage, Ticket, MediaDownload)] == [0, 0, 0]
    assert ding(client, clock, body).status_code == 200  # DingTalk retries
    [ticket] = tickets(client)
    assert client.get(f"/api/tickets/{ticket['id']}").json()["images"][0]["url"] == "media-pending://dingtalk/msg-q/0"
    assert count(services, MediaDownload) == 1


# --- WeCom -------------------------------------------------------------------------------


def test_wecom_smart_robot_report_gets_an_encrypted_reply_mentioning_the_unit(client: TestClient) -> None:
    # A retry (same msgid) is answered from the intake's record.
    response = wecom_post(client, wecom_robot_message("wm-1", REPORT))
    assert response.status_code == 200
    envelope = response.json()
    crypt = WXBizMsgCrypt("wecom-token", AES_KEY, "")
    plain = crypt.open(envelope["msgsignature"], str(envelope["timestamp"]), envelope["nonce"], envelope["encrypt"])
    answer = json.loads(plain)
    # A finished stream: the form the 智能机器人 docs list for answering a message.
    assert answer["msgtype"] == "stream" and answer["stream"]["finish"] is True
    assert answer["stream"]["id"] == "gj-wm-1"
    content = answer["stream"]["content"]
    assert "已登记 #1" in content and "<@ChenHW>" in content
    [ticket] = tickets(client)
    assert ticket["reporter_id"] == "wgy_li" and ticket["group_id"] == "demo"
    assert wecom_post(client, wecom_robot_message("wm-1", REPORT)).status_code == 200
    assert len(tickets(client)) == 1


def test_wecom_url_verification_answers_the_plain_echostr(client: TestClient) -> None:
    crypt = WXBizMsgCrypt("wecom-token", AES_KEY, "")
    echo, sig = crypt.seal(b"1288432023552776189", NOW_S, "47744683")
    params = {"msg_signature": sig, "timestamp": NOW_S, "nonce": "47744683", "echostr": echo}
    response = client.get("/webhook/wecom", params=params)
    assert response.status_code == 200 and response.text == "1288432023552776189"
    bad = client.get("/webhook/wecom", params=params | {"msg_signature": "0" * 40})
    assert bad.status_code == 401


@pytest.mark.parametrize(("receive_id", "token"), [("ww-other-corp", "wecom-token"), ("", "other-token")])
def test_wecom_wrong_receive_id_or_signature_is_refused(client: TestClient, receive_id: str, token: str) -> None:
    response = wecom_post(client, wecom_robot_message("wm-1", REPORT), receive_id=receive_id, token=token)
    assert response.status_code == 401
    assert tickets(client) == []


def test_wecom_self_built_app_private_message_counts_in_the_default_group(services: AppServices) -> None:
    services.settings = services.settings.model_copy(update={"wecom_corp_id": "wwcorp"})
    xml = (
        "<xml><ToUserName><![CDATA[wwcorp]]></ToUserName><FromUserName><![CDATA[LiWG]]></FromUserName>"
        f"<CreateTime>{NOW_S}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{REPORT}]]>"
        "</Content><MsgId>4561255354251345929</MsgId><AgentID>218</AgentID></xml>"
    ).encode()
    crypt = WXBizMsgCrypt("wecom-token", AES_KEY, "wwcorp")
    encrypted, sig = crypt.seal(xml, NOW_S, "n")
    body = f"<xml><ToUserName><![CDATA[wwcorp]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    with TestClient(create_app(services)) as client:
        params = {"msg_signature": sig, "timestamp": NOW_S, "nonce": "n"}
        response = client.post("/webhook/wecom", params=params, content=body)
        assert response.status_code == 200 and "<Encrypt>" in response.text
        [ticket] = tickets(client)
    assert ticket["group_id"] == "demo" and ticket["reporter_id"] == "wgy_li"


# --- Feishu ------------------------------------------------------------------------------


def test_feishu_url_verification_challenge(client: TestClient) -> None:
    event = {"challenge": "ch-123", "token": "vtoken", "type": "url_verification"}
    assert feishu_post(client, event, sign=False).json() == {"challenge": "ch-123"}
    assert feishu_post(client, event | {"token": "wrong"}, sign=False).status_code == 401


def test_feishu_refuses_wrong_signature_and_wrong_token(client: TestClient) -> None:
    assert feishu_post(client, feishu_event("om_1", REPORT), sign=False).status_code == 401
    assert feishu_post(client, feishu_event("om_1", REPORT, token="forged")).status_code == 401
    assert tickets(client) == []


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[fake_platforms.FakePlatforms]:
    with fake_platforms.running(clock) as running:
        yield running


def test_feishu_report_makes_a_ticket_and_the_reply_reaches_the_groups_robot(
    settings: Settings, clock: ManualClock, engine: Engine, fake: fake_platforms.FakePlatforms
) -> None:
    url = fake.add("feishu", "hook-1", secret="bot-secret")
    cfg = platform_cfg({"platform": "feishu", "url": url, "secret": "bot-secret"})
    services = build_services(
        settings, cfg, clock=clock, engine=engine, transports={"feishu": FeishuTransport(clock=clock)}
    )
    with TestClient(create_app(services)) as client:
        assert feishu_post(client, feishu_event("om_1", REPORT)).json() == {}
        assert feishu_post(client, feishu_event("om_1", REPORT)).json() == {}  # a retry queues nothing new
        [ticket] = tickets(client)
    assert ticket["reporter_id"] == "wgy_li" and ticket["group_id"] == "demo"
    assert services.sender.run_once().sent == 1
    [sent] = fake.robot("feishu", "hook-1").received
    assert sent["msg_type"] == "text" and "已登记 #1" in sent["content"]["text"]
    assert '<at user_id="ou_chen"></at>' in sent["content"]["text"]


def test_feishu_reply_lost_with_the_connection_leaves_no_ticket_without_its_reply(
    settings: Settings, clock: ManualClock, engine: Engine, fake: fake_platforms.FakePlatforms
) -> None:
    """The reply is queued with the ticket: a crash between them cannot leave a ticket nobody was told of."""
    url = fake.add("feishu", "hook-1", secret="bot-secret")
    cfg = platform_cfg({"platform": "feishu", "url": url, "secret": "bot-secret"})
    services = build_services(
        settings, cfg, clock=clock, engine=engine, transports={"feishu": FeishuTransport(clock=clock)}
    )
    with TestClient(create_app(services)) as client:
        with connection_lost_at(engine, "outbox_messages"):
            assert feishu_post(client, feishu_event("om_2", REPORT)).status_code == 503
        assert [count(services, m) for m in (InboundMessage, Ticket, OutboxMessage)] == [0, 0, 0]
        assert feishu_post(client, feishu_event("om_2", REPORT)).json() == {}  # Feishu retries
        [ticket] = tickets(client)
    assert services.sender.run_once().sent == 1
    [sent] = fake.robot("feishu", "hook-1").received
    assert f"已登记 #{ticket['id']}" in sent["content"]["text"]


# --- The platform simulator (`guanjia chat --platform …`) ---------------------------------


@pytest.mark.parametrize("platform", ["dingtalk", "wecom", "feishu"])
def test_platform_simulator_signs_like_the_platform(
    client: TestClient, settings: Settings, cfg: GuanjiaConfig, clock: ManualClock, platform: str
) -> None:
    from bot.cli.platform_simulator import PlatformChat

    chat = PlatformChat(platform, "http://testserver", settings, cfg, "wgy_li", "demo", client=client, clock=clock)
    lines = chat.send(REPORT)
    [ticket] = tickets(client)
    assert ticket["reporter_id"] == "wgy_li" and ticket["group_id"] == "demo"
    if platform == "dingtalk":
        assert "已登记 #1" in lines[0] and "staff-chen" in lines[1]
    elif platform == "wecom":
        assert "已登记 #1" in lines[0] and "<@ChenHW>" in lines[0]
    else:
        assert "发件箱" in lines[0]
