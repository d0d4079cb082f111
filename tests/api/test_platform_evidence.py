"""Locations, files and videos join the sender's report: the one just made, or the next one.

A map pin's address fills a report's missing place and its coordinates are recorded on the
ticket; a file or video is recorded with the platform's key for it. Sent first, the evidence
waits (within the follow-up window) for that sender's next report, and is taken once.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app_services import AppServices
from bot.chat.report import place_question
from bot.core.clock import ManualClock
from config.schema import GuanjiaConfig
from config.settings import Settings
from models import OutboxMessage, TicketEvent
from tests.support.platform_factories import (
    NO_PLACE_REPORT,
    dingtalk_message,
    dingtalk_typed,
    feishu_event,
    feishu_typed,
    platform_cfg,
    wecom_app_xml,
    wecom_robot_message,
    wecom_robot_typed,
)
from tests.support.platform_http import ding, feishu_post, platform_settings, wecom_answer, wecom_post

PIN = {"name": "延庆区妫水北街12号", "longitude": "115.974", "latitude": "40.456"}

PLACE_QUESTION = place_question(platform_cfg())


@pytest.fixture
def cfg() -> GuanjiaConfig:
    return platform_cfg()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return platform_settings(database_url, tmp_path / "media")


def ticket(client: TestClient, ticket_id: int = 1) -> dict[str, Any]:
    detail: dict[str, Any] = client.get(f"/api/tickets/{ticket_id}").json()
    return detail


def evidence_events(services: AppServices) -> list[dict[str, Any]]:
    with services.session_factory() as session:
        rows = session.scalars(select(TicketEvent.data).where(TicketEvent.type == "supplemented"))
        return [dict(d or {}) for d in rows]


def queued(services: AppServices) -> list[str]:
    with services.session_factory() as session:
        return list(session.scalars(select(OutboxMessage.text).order_by(OutboxMessage.id)))


def test_feishu_location_fills_the_place_of_the_report_just_made(client: TestClient, services: AppServices) -> None:
    feishu_post(client, feishu_event("om_1", NO_PLACE_REPORT))
    assert ticket(client)["location"] is None and PLACE_QUESTION in queued(services)[0]
    assert feishu_post(client, feishu_typed("om_2", "location", PIN)).json() == {}
    detail = ticket(client)
    assert detail["location"] == "延庆区妫水北街12号"
    assert any("位置「延庆区妫水北街12号」" in (e["note"] or "") for e in detail["events"])
    [data] = evidence_events(services)
    assert (data["latitude"], data["longitude"]) == (40.456, 115.974)
    assert queued(services)[-1] == "已补充到 #1：位置「延庆区妫水北街12号」"


def test_wecom_app_location_sent_first_is_taken_by_the_next_report(client: TestClient) -> None:
    pin = {"Location_X": "40.456", "Location_Y": "115.974", "Scale": "15", "Label": "妫水北街12号"}
    assert wecom_answer(wecom_post(client, wecom_app_xml("801", "location", **pin))) == ""
    answer = wecom_answer(wecom_post(client, wecom_app_xml("802", "text", Content=NO_PLACE_REPORT)))
    assert "已登记 #1" in answer and "已附上：位置「妫水北街12号」" in answer and PLACE_QUESTION not in answer
    assert ticket(client)["location"] == "妫水北街12号"
    # Taken once: the sender's next report does not get the same pin again.
    wecom_post(client, wecom_app_xml("803", "text", Content="东门外井盖丢了很危险"))
    assert ticket(client, 2)["location"] is None


def test_a_location_older_than_the_follow_up_window_is_not_taken(
    client: TestClient, clock: ManualClock, cfg: GuanjiaConfig
) -> None:
    pin = {"Location_X": "40.456", "Location_Y": "115.974", "Label": "妫水北街12号"}
    wecom_post(client, wecom_app_xml("801", "location", **pin))
    clock.advance(timedelta(minutes=cfg.parser.followup_minutes + 1))
    answer = wecom_answer(wecom_post(client, wecom_app_xml("802", "text", Content=NO_PLACE_REPORT)))
    assert PLACE_QUESTION in answer and ticket(client)["location"] is None


def test_someone_elses_location_is_not_taken(client: TestClient) -> None:
    pin = {"Location_X": "40.456", "Location_Y": "115.974", "Label": "妫水北街12号"}
    wecom_post(client, wecom_app_xml("801", "location", user="ChenHW", **pin))
    wecom_post(client, wecom_app_xml("802", "text", Content=NO_PLACE_REPORT))
    assert ticket(client)["location"] is None


def test_dingtalk_file_after_a_report_is_kept_as_evidence(
    client: TestClient, clock: ManualClock, services: AppServices
) -> None:
    ding(client, clock, dingtalk_message("d1", NO_PLACE_REPORT))
    content = {"downloadCode": "dc-file-1", "fileName": "现场照片.zip", "spaceId": "1", "fileId": "2"}
    reply = ding(client, clock, dingtalk_typed("d2", "file", content)).json()
    assert reply["text"]["content"] == "已补充到 #1：文件「现场照片.zip」"
    [data] = evidence_events(services)
    assert data["evidence"]["attachments"] == [{"kind": "file", "name": "现场照片.zip", "key": "dc-file-1"}]
    assert ticket(client)["location"] is None  # a file names no place


def test_feishu_video_sent_first_joins_the_next_report(client: TestClient, services: AppServices) -> None:
    video = {"file_key": "file_v3_vid", "image_key": "img_v3_thumb", "file_name": "现场.mp4", "duration": 9000}
    assert feishu_post(client, feishu_typed("om_v", "media", video)).json() == {}
    assert queued(services) == []  # nothing to add it to yet: kept, nothing said
    feishu_post(client, feishu_event("om_r", NO_PLACE_REPORT))
    assert "已附上：视频「现场.mp4」" in queued(services)[0]
    [data] = evidence_events(services)
    assert data["evidence"]["attachments"][0]["key"] == "file_v3_vid"


@pytest.mark.parametrize(
    "pin",
    [
        {"name": "x", "longitude": "abc", "latitude": "40"},
        {"name": "x", "longitude": "115.9", "latitude": "400"},
        {"name": "x"},
    ],
)
def test_a_malformed_location_is_answered_and_changes_nothing(
    client: TestClient, services: AppServices, pin: dict[str, str]
) -> None:
    feishu_post(client, feishu_event("om_1", NO_PLACE_REPORT))
    assert feishu_post(client, feishu_typed("om_2", "location", pin)).status_code == 200
    assert ticket(client)["location"] is None and evidence_events(services) == []


def test_a_location_answering_the_bots_question_registers_the_report_there(
    client: TestClient, services: AppServices
) -> None:
    feishu_post(client, feishu_event("om_1", "东关那块有点情况"))
    assert queued(services) == ["要登记为问题吗？请说明问题和地点"]
    feishu_post(client, feishu_typed("om_2", "location", PIN))
    detail = ticket(client)
    assert detail["location"] == "延庆区妫水北街12号" and detail["reporter_id"] == "wgy_li"
    assert "已附上：位置「延庆区妫水北街12号」" in queued(services)[-1] and PLACE_QUESTION not in queued(services)[-1]


@pytest.mark.parametrize(
    ("report", "evidence", "kept"),
    [
        (
            wecom_app_xml("811", "text", Content=NO_PLACE_REPORT),
            wecom_app_xml("812", "video", MediaId="media-vid-1", ThumbMediaId="t"),
            {"kind": "video", "name": "video", "key": "media-vid-1"},
        ),
        (
            wecom_robot_message("w1", NO_PLACE_REPORT),
            wecom_robot_typed("w2", "file", {"chattype": "single", "file": {"url": "https://ww.example/f?x=1"}}),
            {"kind": "file", "name": "file", "key": "https://ww.example/f?x=1"},
        ),
    ],
    ids=["app-video", "robot-file"],
)
def test_wecom_videos_and_files_after_a_report_are_kept_with_their_platform_key(
    client: TestClient, services: AppServices, report: bytes, evidence: bytes, kept: dict[str, str]
) -> None:
    assert "已登记 #1" in wecom_answer(wecom_post(client, report))
    assert "已补充到 #1" in wecom_answer(wecom_post(client, evidence))
    [data] = evidence_events(services)
    assert data["evidence"]["attachments"] == [kept]


def post_with_video(message_id: str, text: str) -> dict[str, Any]:
    """A Feishu rich-text post: a line of words and a video recorded in the chat."""
    video = {"tag": "media", "file_key": f"file_{message_id}", "image_key": "img_thumb", "file_name": "现场.mp4"}
    content = {"zh_cn": {"title": "", "content": [[{"tag": "text", "text": text}], [video]]}}
    return feishu_typed(message_id, "post", content, chat_type="p2p")


def test_feishu_post_with_words_and_a_video_is_a_report_with_its_evidence(
    client: TestClient, services: AppServices
) -> None:
    feishu_post(client, post_with_video("om_p", NO_PLACE_REPORT))
    assert "已登记 #1" in queued(services)[0] and "已附上：视频「现场.mp4」" in queued(services)[0]
    [data] = evidence_events(services)
    assert data["evidence"]["attachments"][0]["key"] == "file_om_p"


def test_feishu_post_answering_the_place_question_with_a_video_adds_both(
    client: TestClient, services: AppServices
) -> None:
    feishu_post(client, feishu_event("om_1", NO_PLACE_REPORT))
    feishu_post(client, post_with_video("om_2", "在3号楼北边"))
    assert queued(services)[-1] == "李网格 私聊机器人：\n已补充到 #1：「在3号楼北边」及视频「现场.mp4」"  # a 单聊
    assert ticket(client)["location"] == "3号楼北边"
    assert [d["evidence"]["attachments"][0]["key"] for d in evidence_events(services) if "evidence" in d] == [
        "file_om_2"
    ]
