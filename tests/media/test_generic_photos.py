"""Generic-webhook `images`: a URL is never drawn in staff browsers, an inline photo only once checked."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pydantic import SecretStr
from sqlalchemy import select

from bot.app_services import AppServices
from config.settings import Settings
from models import MediaDownload, MediaStatus
from tests.support.web_helpers import login, make_user

REPORT = "府前街与南环路交叉口西北角垃圾堆了两天了"
TRACKER = "https://tracker.example/pixel.gif?who=staff"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        config=None,
        run_scheduler=False,
        web_secret_key=SecretStr("test-web-key"),
        media_dir=tmp_path / "media",
    )


def data_uri(image: Image.Image, kind: str = "PNG") -> str:
    out = io.BytesIO()
    image.save(out, kind, optimize=True)
    return f"data:image/{kind.lower()};base64," + base64.b64encode(out.getvalue()).decode()


def post(client: TestClient, msg_id: str, images: list[str]) -> int:
    body = {"msg_id": msg_id, "group_id": "demo", "sender_id": "wgy_li", "sender_name": "李网格", "text": REPORT}
    answer = client.post("/webhook/generic", json=body | {"images": images})
    assert answer.status_code == 200, answer.text
    tickets: list[int] = answer.json()["tickets"]
    return tickets[0]


def test_tracking_pixel_url_is_not_drawn_and_inline_photo_is_shown_re_encoded(
    client: TestClient, services: AppServices
) -> None:
    photo = data_uri(Image.new("RGB", (3000, 2000), "red"), "JPEG")
    ticket = post(client, "g-1", [TRACKER, photo])
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    page = client.get(f"/tickets/{ticket}")
    assert "tracker.example" not in page.text and "外部图片（未经本系统下载核验，不显示）" in page.text
    assert "img-src 'self';" in page.headers["content-security-policy"]
    [src] = re.findall(r'<img src="([^"]+)"', page.text)
    assert src.startswith("/media/generic/")
    served = client.get(src)
    assert served.status_code == 200 and Image.open(io.BytesIO(served.content)).size == (2048, 1365)


def test_inline_pixel_bomb_is_refused_and_never_drawn(client: TestClient, services: AppServices) -> None:
    bomb = data_uri(Image.new("1", (16000, 16000)))
    assert len(bomb) < 48 * 1024  # fits a webhook body: a 31 KB PNG
    ticket = post(client, "g-2", [bomb])
    with services.session_factory() as session:
        row = session.scalars(select(MediaDownload)).one()
        assert row.status == MediaStatus.FAILED and "pixels" in (row.last_error or "")
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    page = client.get(f"/tickets/{ticket}").text
    assert "<img src=" not in page and "data:image" not in page and "照片未通过安全检查，未保存" in page


def test_a_photo_sent_before_the_words_is_shown_on_the_report(client: TestClient, services: AppServices) -> None:
    """In a chat the picture usually comes first. It is fetched right after its own message is
    answered, before the words arrive; the report that takes it must show the stored copy, not
    a placeholder "still being fetched" forever (the worker rewrote only rows existing then)."""
    photo = data_uri(Image.new("RGB", (40, 30), "blue"), "JPEG")
    alone = {"msg_id": "g-p1", "group_id": "demo", "sender_id": "wgy_li", "sender_name": "李网格", "text": "[图片]"}
    assert client.post("/webhook/generic", json=alone | {"images": [photo]}).status_code == 200
    with services.session_factory() as session:
        assert session.scalars(select(MediaDownload)).one().status == MediaStatus.DONE
    ticket = post(client, "g-p2", [])
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    page = client.get(f"/tickets/{ticket}").text
    [src] = re.findall(r'<img src="([^"]+)"', page)
    assert src.startswith("/media/generic/")
    assert client.get(src).status_code == 200


def test_a_suspected_reports_photo_is_shown_on_the_ticket_it_becomes(client: TestClient, services: AppServices) -> None:
    """立案 comes hours after the near miss, long after its photo was fetched."""
    photo = data_uri(Image.new("RGB", (40, 30), "green"), "JPEG")
    near = {"msg_id": "g-s1", "group_id": "demo", "sender_id": "wgy_li", "sender_name": "李网格"}
    near |= {"text": "昨天说的那个东关大街臭味还在", "images": [photo]}
    assert client.post("/webhook/generic", json=near).json()["tickets"] == []
    convert = {"msg_id": "g-s2", "group_id": "demo", "sender_id": "ccb_wang", "sender_name": "王督查", "text": "立案 1"}
    [ticket] = client.post("/webhook/generic", json=convert).json()["tickets"]
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    [src] = re.findall(r'<img src="([^"]+)"', client.get(f"/tickets/{ticket}").text)
    assert src.startswith("/media/generic/")
