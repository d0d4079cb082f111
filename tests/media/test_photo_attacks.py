"""Issue 14 findings 7 and 10, as the attacks: what a hostile sender or a stranger tries with photos.

Each test sends what the attacker would and asserts what they must not get: a request to the
metadata service or to the server itself, a server that buffers 384 MiB, a viewer that decodes
a 16000×16000 image, a stored non-image, a photo without a login, or a photo on someone
else's ticket.
"""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pydantic import SecretStr
from sqlalchemy import select

from bot.adapters.identity import MediaRef
from bot.app_services import AppServices
from bot.core.clock import ManualClock
from bot.media import downloads
from bot.media.fetchers import DingTalkFetcher, WeComFetcher
from bot.media.images import NotAPhoto, sanitize
from bot.media.safe_http import AddressRefused, SafeHttp, TooLarge
from bot.media.signed_urls import signed_url
from config.settings import Settings
from models import MediaDownload, MediaStatus, Ticket, TicketImage
from tests.support import fake_media
from tests.support.chat import Chat
from tests.support.web_helpers import login, make_user

CAP = 10 * 1024 * 1024
WEB_KEY = "test-web-key"
GARBAGE = "府前街与南环路交叉口西北角垃圾堆了两天了"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        config=None,
        run_scheduler=False,
        web_secret_key=SecretStr(WEB_KEY),
        media_dir=tmp_path / "media",
    )


@pytest.fixture
def fake() -> Iterator[fake_media.FakeMedia]:
    with fake_media.running() as server:
        yield server


def jpeg(width: int = 64, height: int = 48, exif: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), "green")
    out = io.BytesIO()
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "SpyPhone"  # Make
        tags[0x8825] = {2: (39.0, 54.0, 0.0)}  # GPSInfo: latitude
        image.save(out, "JPEG", exif=tags)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def pixel_bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (16000, 16000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def ding_fetcher(fake: fake_media.FakeMedia, allow_loopback: bool = True) -> DingTalkFetcher:
    return DingTalkFetcher(SafeHttp(CAP, allow_loopback=allow_loopback), "ding-key", "ding-secret", fake.base)


def run_photo(services: AppServices, fetcher: Any, ref: dict[str, Any], platform: str = "dingtalk") -> MediaDownload:
    """Queue one photo as an adapter would, let the worker try it once; the download row after."""
    with services.session_factory.begin() as session:
        downloads.queue(session, services.clock.now(), [MediaRef(platform, "msg-1/0", ref)])
    worker = downloads.MediaWorker(
        services.session_factory, services.clock, services.settings.media_dir, {platform: fetcher}
    )
    worker.run_once()
    with services.session_factory() as session:
        row = session.scalars(select(MediaDownload)).one()
        session.expunge(row)
        return row


def stored_files(services: AppServices) -> list[Path]:
    root = Path(services.settings.media_dir)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- finding 10: SSRF ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/latest/meta-data/iam/", "http://10.0.0.5/admin", "http://[fe80::1]/"]
)
def test_download_url_to_metadata_or_private_network_is_refused_and_nothing_stored(
    services: AppServices, fake: fake_media.FakeMedia, target: str
) -> None:
    # Even DingTalk's own API answer (here: a compromised or spoofed one) cannot aim the server inward.
    fake.ding_codes["dc-1"] = target
    row = run_photo(services, ding_fetcher(fake), {"downloadCode": "dc-1", "robotCode": "ding-key"})
    assert row.status == MediaStatus.FAILED and "AddressRefused" in (row.last_error or "")
    assert row.attempts == 1  # given up at once: retrying would only knock on the same door
    assert stored_files(services) == []


def test_redirect_to_metadata_is_not_followed(services: AppServices, fake: fake_media.FakeMedia) -> None:
    fake.ding_codes["dc-1"] = f"{fake.base}/redirect?to=http://169.254.169.254/latest/meta-data/"
    row = run_photo(services, ding_fetcher(fake), {"downloadCode": "dc-1", "robotCode": "ding-key"})
    assert row.status == MediaStatus.FAILED and "link-local" in (row.last_error or "")
    assert "GET /redirect" in fake.requests and stored_files(services) == []


def test_wecom_url_at_this_server_is_refused_without_the_loopback_setting(
    services: AppServices, fake: fake_media.FakeMedia
) -> None:
    url = fake.add_file("secret.jpg", jpeg())
    fetcher = WeComFetcher(SafeHttp(CAP), fake.base, "", None, None, ["127.0.0.1"])
    row = run_photo(services, fetcher, {"url": url}, platform="wecom")
    assert row.status == MediaStatus.FAILED and "loopback" in (row.last_error or "")
    assert fake.requests == [] and stored_files(services) == []


def test_every_address_a_host_resolves_to_must_be_public() -> None:
    # A name with one public and one internal address (DNS rebinding): refused, not a coin toss.
    http = SafeHttp(CAP, resolver=lambda host, port: ["93.184.216.34", "127.0.0.1"])
    with pytest.raises(AddressRefused, match="loopback"):
        http.check("https://photos.example.com/a.jpg")
    pinned = SafeHttp(CAP, resolver=lambda host, port: ["93.184.216.34"]).check("https://photos.example.com/a.jpg")
    assert pinned.url.host == "93.184.216.34" and pinned.sni == "photos.example.com"


def test_loopback_setting_still_refuses_link_local_and_private() -> None:
    http = SafeHttp(CAP, allow_loopback=True)
    for url in ("http://169.254.169.254/", "http://192.168.1.1/", "http://[::ffff:169.254.169.254]/"):
        with pytest.raises(AddressRefused):
            http.check(url)


# --- finding 10: no size cap ---------------------------------------------------------------


def test_384_mib_photo_is_aborted_at_the_cap_without_buffering(
    services: AppServices, fake: fake_media.FakeMedia
) -> None:
    fake.ding_codes["dc-1"] = f"{fake.base}/huge"
    tracemalloc.start()
    try:
        row = run_photo(services, ding_fetcher(fake), {"downloadCode": "dc-1", "robotCode": "ding-key"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert row.status == MediaStatus.FAILED and "TooLarge" in (row.last_error or "")
    assert peak < 2 * CAP, f"peak {peak / 2**20:.1f} MiB"  # the cap and a chunk, never the body
    assert fake.huge_sent < 64 * 1024 * 1024, f"sent {fake.huge_sent / 2**20:.0f} MiB"
    assert stored_files(services) == []


def test_declared_size_over_the_cap_is_refused_before_reading(fake: fake_media.FakeMedia) -> None:
    url = fake.add_file("big.jpg", b"\xff" * 4096)
    with pytest.raises(TooLarge, match="declared 4096"):
        SafeHttp(1024, allow_loopback=True).download("GET", url)


# --- finding 7: pixel bomb, non-images, EXIF -------------------------------------------------


def test_31_kb_16000_square_png_is_refused_by_the_pixel_cap(services: AppServices) -> None:
    bomb = pixel_bomb()
    assert len(bomb) < 32 * 1024

    class Hands:
        def fetch(self, ref: dict[str, Any]) -> bytes:
            return bomb

    row = run_photo(services, Hands(), {"downloadCode": "dc-1"})
    assert row.status == MediaStatus.FAILED and "pixels" in (row.last_error or "")
    assert stored_files(services) == []


@pytest.mark.parametrize(
    "body", [b"<html><script>alert(1)</script></html>", b"%PDF-1.4 ...", b"", jpeg()[:200]], ids=str
)
def test_a_file_that_is_not_an_image_is_refused(services: AppServices, body: bytes) -> None:
    class Hands:
        def fetch(self, ref: dict[str, Any]) -> bytes:
            return body

    row = run_photo(services, Hands(), {"downloadCode": "dc-1"})
    assert row.status == MediaStatus.FAILED and "NotAPhoto" in (row.last_error or "")
    assert stored_files(services) == []


def test_stored_photo_is_re_encoded_small_without_exif() -> None:
    photo = sanitize(jpeg(5000, 2500, exif=True), 40_000_000, 2048)
    image = Image.open(io.BytesIO(photo.data))
    assert (image.format, image.size) == ("JPEG", (2048, 1024))
    assert dict(image.getexif()) == {} and b"SpyPhone" not in photo.data
    with pytest.raises(NotAPhoto):
        sanitize(jpeg(8000, 6000), 40_000_000, 2048)  # 48 megapixels: over the cap


# --- serving: login or a signed, expiring URL ------------------------------------------------


@pytest.fixture
def photo_path(services: AppServices) -> str:
    class Hands:
        def fetch(self, ref: dict[str, Any]) -> bytes:
            return jpeg()

    row = run_photo(services, Hands(), {"downloadCode": "dc-1"})
    assert row.status == MediaStatus.DONE and row.path
    return f"/media/{row.path}"


def test_photo_without_login_is_refused(client: TestClient, photo_path: str) -> None:
    answer = client.get(photo_path)
    assert answer.status_code == 401 and answer.content[:3] != b"\xff\xd8\xff"


def test_photo_for_a_signed_in_user(client: TestClient, services: AppServices, photo_path: str) -> None:
    make_user(services, "wang", "supervisor")
    login(client, "wang")
    answer = client.get(photo_path)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_signed_url_works_until_it_expires_and_not_when_tampered(
    client: TestClient, services: AppServices, clock: ManualClock, photo_path: str, tmp_path: Path
) -> None:
    expires = int((clock.now() + timedelta(hours=1)).timestamp())
    url = signed_url(WEB_KEY, photo_path, expires)
    assert client.get(url).status_code == 200
    later = url.replace(f"exp={expires}", f"exp={expires + 86400}")  # stretched expiry, same signature
    assert client.get(later).status_code == 401
    other = signed_url(WEB_KEY, photo_path.replace(".jpg", "0.jpg"), expires).replace("0.jpg", ".jpg")
    assert client.get(other).status_code == 401  # a signature for another path
    assert client.get(signed_url("guessed-key", photo_path, expires)).status_code == 401
    clock.advance(timedelta(hours=1, seconds=1))
    assert client.get(url).status_code == 401


# --- finding 7c: a photo on someone else's ticket ---------------------------------------------


def test_duplicate_then_photo_attaches_nothing_to_the_other_persons_ticket(chat: Chat, services: AppServices) -> None:
    theirs = chat.report(GARBAGE)  # wgy_li's ticket
    duplicate = chat.send(GARBAGE + "，还没人管", sender="wgy_sun")
    assert theirs in duplicate.tickets
    answer = chat.send("", sender="wgy_sun", images=("media-pending://dingtalk/evil/0",))
    assert theirs not in answer.tickets
    with services.session_factory() as session:
        images = session.scalars(select(TicketImage.url).where(TicketImage.ticket_id == theirs)).all()
        assert images == []
        assert session.get(Ticket, theirs) is not None


def test_own_photo_follow_up_still_joins_ones_own_report(chat: Chat, services: AppServices) -> None:
    mine = chat.report(GARBAGE)
    answer = chat.send("", images=("media-pending://dingtalk/mine/0",))
    assert answer.tickets == [mine] and "照片1张" in answer.replies[0].text
    with services.session_factory() as session:
        urls = session.scalars(select(TicketImage.url).where(TicketImage.ticket_id == mine)).all()
        assert urls == ["media-pending://dingtalk/mine/0"]


# --- settings: the API bases and the loopback switch reach the fetchers -----------------------


@pytest.mark.parametrize("allow_loopback", [True, False])
def test_configured_worker_fetches_from_the_configured_base_only_when_loopback_is_allowed(
    services: AppServices, fake: fake_media.FakeMedia, allow_loopback: bool
) -> None:
    fake.ding_codes["dc-1"] = fake.add_file("d1.jpg", jpeg())
    settings = services.settings.model_copy(
        update={
            "dingtalk_app_key": "ding-key",
            "dingtalk_app_secret": SecretStr("ding-secret"),
            "dingtalk_api_base": fake.base,
            "media_allow_loopback": allow_loopback,
        }
    )
    ref = MediaRef("dingtalk", "msg-1/0", {"downloadCode": "dc-1", "robotCode": "ding-key"})
    with services.session_factory.begin() as session:
        downloads.queue(session, services.clock.now(), [ref])
    downloads.worker(settings, services.session_factory, services.clock).run_once()
    with services.session_factory() as session:
        row = session.scalars(select(MediaDownload)).one()
    if allow_loopback:
        assert row.status == MediaStatus.DONE and len(stored_files(services)) == 1
    else:
        assert row.status == MediaStatus.FAILED and "loopback" in (row.last_error or "")
        assert fake.requests == [] and stored_files(services) == []
