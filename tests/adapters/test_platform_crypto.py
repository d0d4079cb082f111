"""Platform signatures and ciphers against published vectors, round trips, and refusals."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from datetime import UTC, datetime

import pytest

from bot.adapters import dingtalk, feishu_crypto
from bot.adapters.wecom_crypto import CryptoError, WXBizMsgCrypt, signature

# --- WeCom (WXBizMsgCrypt) ---------------------------------------------------------------
# Tencent's official WXBizMsgCrypt sample ("使用示例一/二"), e.g. the stored copy
# ming820214/oa:api/Sample.php; the message vector is also asserted by
# w7corp/easywechat:tests/Kernel/Traits/DecryptXmlMessageTest.php.
SAMPLE_TOKEN = "QDG6eK"
SAMPLE_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SAMPLE_CORP_ID = "wx5823bf96d3bd56c7"
SAMPLE_ECHOSTR = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
SAMPLE_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJT"
    "s3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5"
    "gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQ"
    "Uax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPI"
    "GHBZZIs2pDBS8R07+qN+E7Q=="
)


def sample() -> WXBizMsgCrypt:
    return WXBizMsgCrypt(SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_CORP_ID)


def test_wecom_official_url_verification_vector() -> None:
    # GET /cgi-bin/wxpush?msg_signature=5c45ff…&timestamp=1409659589&nonce=263014780&echostr=P9nAzC…
    assert (
        signature(SAMPLE_TOKEN, "1409659589", "263014780", SAMPLE_ECHOSTR) == "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
    )
    echo = sample().open("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", SAMPLE_ECHOSTR)
    assert echo.isdigit()


def test_wecom_official_message_vector() -> None:
    # POST /cgi-bin/wxpush?msg_signature=477715d1…&timestamp=1409659813&nonce=1372623149
    message = sample().open("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", SAMPLE_ENCRYPT)
    assert b"<Content><![CDATA[hello]]></Content>" in message
    assert b"<MsgId>4561255354251345929</MsgId>" in message
    assert b"<FromUserName><![CDATA[mycreate]]></FromUserName>" in message


def test_wecom_encrypt_matches_the_sdk_vector() -> None:
    # chanjarster/weixin-java-tools: weixin-java-common/src/test/java/me/chanjar/weixin/common/util/crypto/
    # WxCryptUtilTest.java (Tencent's WXBizMsgCryptTest): random "aaaabbbbccccdddd", message "我是中文abcd123".
    crypt = WXBizMsgCrypt("pamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6")
    encrypted = crypt.encrypt("我是中文abcd123".encode(), random16=b"aaaabbbbccccdddd")
    assert encrypted == "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="


def test_same_cipher_opens_dingtalks_official_event_vector() -> None:
    # open-dingtalk/DingTalk-Callback-Crypto: DingCallbackCrypto3.py, its own decryption example.
    encrypted = (
        "0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOF"
        "chzNukR+t8SB/qk4ROMu3"
    )
    crypt = WXBizMsgCrypt("mryue", "Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7", "ding6ccabc44d2c8d38b")
    assert signature("mryue", "1608001896814", "WL4PK6yA", encrypted) == "03044561471240d4a14bb09372dfcfd4fd0e40cb"
    message = crypt.open("03044561471240d4a14bb09372dfcfd4fd0e40cb", "1608001896814", "WL4PK6yA", encrypted)
    assert message == b'{"EventType":"check_url"}'


def test_wecom_round_trip_and_empty_receive_id_of_a_smart_robot() -> None:
    crypt = WXBizMsgCrypt("tok", SAMPLE_AES_KEY, "")
    encrypted, sig = crypt.seal("中文 message".encode(), "1700000000", "n1")
    assert crypt.open(sig, "1700000000", "n1", encrypted) == "中文 message".encode()


@pytest.mark.parametrize("case", ["wrong_signature", "wrong_receive_id", "tampered", "not_base64", "bad_padding"])
def test_wecom_refusals(case: str) -> None:
    crypt = sample()
    sig, ts, nonce, enc = "477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", SAMPLE_ENCRYPT
    if case == "wrong_signature":
        sig = "0" * 40
    elif case == "wrong_receive_id":
        crypt = WXBizMsgCrypt(SAMPLE_TOKEN, SAMPLE_AES_KEY, "ww-someone-else")
    elif case == "tampered":
        enc = "A" + enc[1:]
    elif case == "not_base64":
        enc = "!!!"
    if case == "bad_padding":
        # A valid signature over a ciphertext whose last block decrypts to a bad pad.
        raw = bytearray(base64.b64decode(enc))
        raw[-17] ^= 0x01  # flips the last plaintext byte (the pad length) in CBC
        enc = base64.b64encode(bytes(raw)).decode()
        sig = signature(SAMPLE_TOKEN, ts, nonce, enc)
    elif case in ("tampered", "not_base64"):
        sig = signature(SAMPLE_TOKEN, ts, nonce, enc)
    with pytest.raises(CryptoError):
        crypt.open(sig, ts, nonce, enc)


def test_wecom_padding_is_checked_byte_by_byte() -> None:
    crypt = sample()
    key = crypt.key
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    plain = b"0" * 16 + (5).to_bytes(4, "big") + b"hello" + SAMPLE_CORP_ID.encode()
    pad = 32 - len(plain) % 32
    forged = plain + bytes([7]) * (pad - 1) + bytes([pad])  # last byte right, the others wrong
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    enc = base64.b64encode(encryptor.update(forged) + encryptor.finalize()).decode()
    with pytest.raises(CryptoError, match="bad padding"):
        crypt.decrypt(enc)


# --- Feishu ------------------------------------------------------------------------------
# Feishu's documented example (Encrypt Key "test key"), asserted e.g. by nonebot/adapter-feishu's
# AESCipher test and EasyFeishu's EncryptorTest:
# https://open.feishu.cn/document/ukTMukTMukTM/uYDNxYjL2QTM24iN0EjN/event-subscription-configure-/encrypt-key-encryption-configuration-case


def test_feishu_documented_decryption_vector() -> None:
    assert feishu_crypto.decrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=") == b"hello world"


def test_feishu_round_trip_and_refusals() -> None:
    encrypted = feishu_crypto.encrypt("k", b'{"a": 1}')
    assert feishu_crypto.decrypt("k", encrypted) == b'{"a": 1}'
    with pytest.raises(CryptoError):
        feishu_crypto.decrypt("other key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=")
    with pytest.raises(CryptoError):
        feishu_crypto.decrypt("test key", "AAAA")


def test_feishu_request_signature_is_sha256_of_timestamp_nonce_key_body() -> None:
    # The algorithm as documented ("签名校验"): sha256(timestamp + nonce + encrypt_key + body), hex.
    body = b'{"encrypt":"x"}'
    expected = hashlib.sha256(b"1677254849" + b"533226633" + b"key" + body).hexdigest()
    assert feishu_crypto.request_signature("1677254849", "533226633", "key", body) == expected


def test_feishu_bot_sign_keys_the_hmac_with_timestamp_and_secret() -> None:
    # Feishu custom bot: HMAC-SHA256 keyed by timestamp + "\n" + secret over an empty message —
    # the reverse of DingTalk, which keys by the secret and signs timestamp + "\n" + secret.
    key = b"1700000000\nsecret"
    assert (
        feishu_crypto.bot_sign("1700000000", "secret")
        == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    )
    assert feishu_crypto.bot_sign("1700000000", "secret") != dingtalk.sign("secret", "1700000000")


# --- DingTalk ----------------------------------------------------------------------------


def test_dingtalk_hmac_primitive_matches_the_official_vector() -> None:
    # DingTalk's documented HmacSHA256 → Base64 → URL-encode example (ding-doc faquestions/hxs5v9),
    # as asserted by francistm/dingtalk-sdk: spec/dingtalk_spec.rb (appSecret "testappSecret", ts 1546084445901).
    digest = hmac.new(b"testappSecret", b"1546084445901", hashlib.sha256).digest()
    assert urllib.parse.quote_plus(base64.b64encode(digest)) == "HCbG3xNE3vzhO%2Bu7qCUL1jS5hsu2n5r2cFhnTrtyDAE%3D"
    # The robot signature is that primitive over timestamp + "\n" + secret.
    expected = base64.b64encode(hmac.new(b"SEC1", b"1546084445901\nSEC1", hashlib.sha256).digest()).decode()
    assert dingtalk.sign("SEC1", "1546084445901") == expected


def test_dingtalk_signature_window_is_one_hour() -> None:
    now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    ms = int(now.timestamp() * 1000)
    ok = str(ms - 3599_000)
    assert dingtalk.signature_problem("s", ok, dingtalk.sign("s", ok), now) is None
    stale = str(ms - 3601_000)
    assert "3600 s away" in (dingtalk.signature_problem("s", stale, dingtalk.sign("s", stale), now) or "")
    assert dingtalk.signature_problem("s", ok, dingtalk.sign("t", ok), now) == "sign does not match"
    assert dingtalk.signature_problem("s", None, None, now) == "missing timestamp or sign header"
