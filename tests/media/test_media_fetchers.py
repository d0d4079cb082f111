"""The three platforms' photo fetchers against fake media APIs on 127.0.0.1 that enforce the real rules."""

from __future__ import annotations

import io
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID
from PIL import Image

from bot.adapters.wecom_crypto import decode_aes_key
from bot.media.fetchers import DingTalkFetcher, FeishuFetcher, PlatformRefused, WeComFetcher
from bot.media.safe_http import AddressRefused, MediaRefused, SafeHttp
from tests.support import fake_media

AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CAP = 10 * 1024 * 1024


def jpeg(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def fake() -> Iterator[fake_media.FakeMedia]:
    with fake_media.running() as server:
        yield server


def http() -> SafeHttp:
    return SafeHttp(CAP, allow_loopback=True)


def ding(fake: fake_media.FakeMedia, secret: str = "ding-secret") -> DingTalkFetcher:
    return DingTalkFetcher(http(), "ding-key", secret, fake.base)


def wecom(fake: fake_media.FakeMedia, secret: str | None = "corp-secret") -> WeComFetcher:
    return WeComFetcher(http(), fake.base, "corp-1", secret, AES_KEY, ["127.0.0.1"])


def feishu(fake: fake_media.FakeMedia, secret: str = "feishu-app-secret") -> FeishuFetcher:
    return FeishuFetcher(http(), "cli_app", secret, fake.base)


def test_dingtalk_photo_comes_by_download_code_with_a_token(fake: fake_media.FakeMedia) -> None:
    photo = jpeg()
    fake.ding_codes["dc-1"] = fake.add_file("d1.jpg", photo)
    assert ding(fake).fetch({"downloadCode": "dc-1", "robotCode": "ding-key"}) == photo
    assert fake.requests == [
        "POST /v1.0/oauth2/accessToken",
        "POST /v1.0/robot/messageFiles/download",
        "GET /files/d1.jpg",
    ]


def test_dingtalk_wrong_secret_or_unknown_code_gets_no_file(fake: fake_media.FakeMedia) -> None:
    fake.ding_codes["dc-1"] = fake.add_file("d1.jpg", jpeg())
    with pytest.raises(httpx.HTTPStatusError, match="400"):
        ding(fake, secret="guess").fetch({"downloadCode": "dc-1"})
    with pytest.raises(httpx.HTTPStatusError, match="400"):
        ding(fake).fetch({"downloadCode": "dc-unknown"})
    assert "GET /files/d1.jpg" not in fake.requests


def test_wecom_app_photo_comes_by_media_id_never_by_the_message_url(fake: fake_media.FakeMedia) -> None:
    photo = jpeg()
    fake.add_file("w1.jpg", photo)
    fake.wecom_media["MEDIA-1"] = "w1.jpg"
    # The PicUrl in the message points elsewhere: with a corp secret the media API is asked instead.
    ref = {"url": "http://169.254.169.254/latest/meta-data/", "media_id": "MEDIA-1"}
    assert wecom(fake).fetch(ref) == photo
    assert fake.requests == ["GET /cgi-bin/gettoken", "GET /cgi-bin/media/get"]


def test_wecom_wrong_secret_or_unknown_media_id_is_an_error_not_a_photo(fake: fake_media.FakeMedia) -> None:
    fake.add_file("w1.jpg", jpeg())
    fake.wecom_media["MEDIA-1"] = "w1.jpg"
    with pytest.raises(PlatformRefused, match="40001"):
        wecom(fake, secret="guess").fetch({"media_id": "MEDIA-1"})
    with pytest.raises(PlatformRefused, match="40007"):
        wecom(fake).fetch({"media_id": "MEDIA-404"})


def test_wecom_robot_image_is_decrypted_from_a_configured_media_host(fake: fake_media.FakeMedia) -> None:
    photo = jpeg()
    key = decode_aes_key(AES_KEY)
    pad = 32 - len(photo) % 32
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    sealed = encryptor.update(photo + bytes([pad]) * pad) + encryptor.finalize()
    url = fake.add_file("enc.bin", sealed, "application/octet-stream")
    assert wecom(fake, secret=None).fetch({"url": url, "encrypted": True}) == photo


def test_wecom_long_connection_image_opens_with_its_own_aeskey(fake: fake_media.FakeMedia) -> None:
    """Over the long connection each image carries its own key; the EncodingAESKey would not open it."""
    photo = jpeg()
    message_key = "kXnZn8rs6oNpBVxaSkHuCyna4LB2ulBk4zllS7r3C3D="
    key = decode_aes_key(message_key[:-1])
    pad = 32 - len(photo) % 32
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    sealed = encryptor.update(photo + bytes([pad]) * pad) + encryptor.finalize()
    url = fake.add_file("ws.bin", sealed, "application/octet-stream")
    assert wecom(fake, secret=None).fetch({"url": url, "encrypted": True, "aeskey": message_key}) == photo
    with pytest.raises(MediaRefused, match="aeskey"):
        wecom(fake, secret=None).fetch({"url": url, "encrypted": True, "aeskey": "c2hvcnQ="})


def test_wecom_url_on_another_host_is_refused_without_a_request(fake: fake_media.FakeMedia) -> None:
    url = fake.add_file("w1.jpg", jpeg()).replace("127.0.0.1", "localhost")
    with pytest.raises(MediaRefused, match="GUANJIA_WECOM_MEDIA_HOSTS"):
        wecom(fake, secret=None).fetch({"url": url})
    assert fake.requests == []


def test_feishu_photo_comes_by_message_id_and_image_key(fake: fake_media.FakeMedia) -> None:
    photo = jpeg()
    fake.add_file("f1.jpg", photo)
    fake.feishu_images[("om_1", "img_v2_1")] = "f1.jpg"
    assert feishu(fake).fetch({"message_id": "om_1", "image_key": "img_v2_1"}) == photo


def test_feishu_wrong_secret_or_key_of_another_message_gets_no_file(fake: fake_media.FakeMedia) -> None:
    fake.add_file("f1.jpg", jpeg())
    fake.feishu_images[("om_1", "img_v2_1")] = "f1.jpg"
    with pytest.raises(PlatformRefused, match="10014"):
        feishu(fake, secret="guess").fetch({"message_id": "om_1", "image_key": "img_v2_1"})
    with pytest.raises(httpx.HTTPStatusError, match="400"):
        feishu(fake).fetch({"message_id": "om_2", "image_key": "img_v2_1"})
    with pytest.raises(MediaRefused):
        feishu(fake).fetch({"message_id": "../files", "image_key": "f1.jpg"})


def test_loopback_platform_base_is_refused_unless_allowed(fake: fake_media.FakeMedia) -> None:
    fake.ding_codes["dc-1"] = fake.add_file("d1.jpg", jpeg())
    strict = DingTalkFetcher(SafeHttp(CAP), "ding-key", "ding-secret", fake.base)
    with pytest.raises(AddressRefused, match="loopback"):
        strict.fetch({"downloadCode": "dc-1"})
    assert fake.requests == []


def self_signed(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting only this certificate) for `name`."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    return server, ssl.create_default_context(cafile=str(cert_file))


def test_https_goes_to_the_checked_address_and_verifies_the_name(tmp_path: Path) -> None:
    server_tls, client_tls = self_signed(tmp_path, "media.platform.test")
    resolved: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        resolved.append(host)
        return ["127.0.0.1"]

    with fake_media.running(tls=server_tls, host="media.platform.test") as fake:
        url = fake.add_file("p.jpg", jpeg())
        http = SafeHttp(CAP, allow_loopback=True, resolver=resolver, verify=client_tls)
        data, content_type = http.download("GET", url)
        assert (data[:3], content_type, resolved) == (b"\xff\xd8\xff", "image/jpeg", ["media.platform.test"])
        # Same address, another name: the certificate does not match it, so no file.
        with pytest.raises(httpx.ConnectError, match=r"certificate|hostname"):
            http.download("GET", url.replace("media.platform.test", "other.platform.test"))
