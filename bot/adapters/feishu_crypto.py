"""Feishu / Lark: event decryption, request signature, and the custom bot's signature.

- Events: AES-256-CBC, key = SHA-256(Encrypt Key), ciphertext = base64(iv(16) + encrypted), PKCS#7.
- X-Lark-Signature = hex SHA-256(timestamp + nonce + encrypt_key + raw body).
- Custom bot: sign = base64(HMAC-SHA256(key = timestamp + "\\n" + secret, message = empty)).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.adapters.wecom_crypto import CryptoError


def _key(encrypt_key: str) -> bytes:
    return hashlib.sha256(encrypt_key.encode()).digest()


def decrypt(encrypt_key: str, encrypted: str) -> bytes:
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CryptoError("encrypt is not base64") from exc
    if len(raw) < 32 or len(raw) % 16:
        raise CryptoError("ciphertext is not an iv and whole AES blocks")
    decryptor = Cipher(algorithms.AES(_key(encrypt_key)), modes.CBC(raw[:16])).decryptor()
    plain = decryptor.update(raw[16:]) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= 16 or plain[-pad:] != bytes([pad]) * pad:
        raise CryptoError("bad padding")
    return plain[:-pad]


def encrypt(encrypt_key: str, plaintext: bytes, iv: bytes | None = None) -> str:
    iv = iv if iv is not None else os.urandom(16)
    pad = 16 - len(plaintext) % 16
    encryptor = Cipher(algorithms.AES(_key(encrypt_key)), modes.CBC(iv)).encryptor()
    body = encryptor.update(plaintext + bytes([pad]) * pad) + encryptor.finalize()
    return base64.b64encode(iv + body).decode()


def request_signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()


def bot_sign(timestamp: str, secret: str) -> str:
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
