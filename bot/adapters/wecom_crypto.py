"""WeCom's message encryption (WXBizMsgCrypt), also used by DingTalk's event subscriptions.

msg_signature = sha1 of the sorted [token, timestamp, nonce, ciphertext], hex.
Ciphertext = base64(AES-256-CBC(key, iv = key[:16], PKCS#7 padded to a multiple of 32 of
16 random bytes + 4-byte big-endian length + message + receive id)), key = base64(EncodingAESKey + "=").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class CryptoError(Exception):
    """The request is not a genuine, intact message for us; the reason is safe to log."""


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def decode_aes_key(encoding_aes_key: str) -> bytes:
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CryptoError("EncodingAESKey is not valid base64") from exc
    if len(encoding_aes_key) != 43 or len(key) != 32:
        raise CryptoError("EncodingAESKey must be 43 characters (a 32-byte key)")
    return key


def _unpad(data: bytes) -> bytes:
    """Strict PKCS#7 (block 32): every padding byte must equal the pad length, 1..32."""
    if not data:
        raise CryptoError("empty plaintext")
    pad = data[-1]
    if not 1 <= pad <= BLOCK or data[-pad:] != bytes([pad]) * pad:
        raise CryptoError("bad padding")
    return data[:-pad]


class WXBizMsgCrypt:
    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self.token = token
        self.key = decode_aes_key(encoding_aes_key)
        self.receive_id = receive_id

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def decrypt(self, encrypted: str) -> tuple[bytes, str]:
        """The message and the receive id inside; raises CryptoError for anything malformed."""
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CryptoError("ciphertext is not base64") from exc
        if not raw or len(raw) % 16:
            raise CryptoError("ciphertext is not a whole number of AES blocks")
        decryptor = self._cipher().decryptor()
        plain = _unpad(decryptor.update(raw) + decryptor.finalize())
        if len(plain) < 20:
            raise CryptoError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        if 20 + length > len(plain):
            raise CryptoError("message length exceeds plaintext")
        message, receive_id = plain[20 : 20 + length], plain[20 + length :]
        try:
            return message, receive_id.decode()
        except UnicodeDecodeError as exc:
            raise CryptoError("receive id is not text") from exc

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        expected = signature(self.token, timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected.encode(), (msg_signature or "").lower().encode()):
            raise CryptoError("msg_signature does not match")

    def open(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> bytes:
        """Verify, decrypt and check the receive id; the plaintext message."""
        self.verify(msg_signature, timestamp, nonce, encrypted)
        message, receive_id = self.decrypt(encrypted)
        if not hmac.compare_digest(receive_id.encode(), self.receive_id.encode()):
            raise CryptoError(f"receive id {receive_id!r} is not ours")
        return message

    def encrypt(self, message: bytes, random16: bytes | None = None) -> str:
        nonce_bytes = random16 if random16 is not None else os.urandom(16)
        plain = nonce_bytes + struct.pack(">I", len(message)) + message + self.receive_id.encode()
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def seal(self, message: bytes, timestamp: str, nonce: str) -> tuple[str, str]:
        """Encrypt a reply; returns (ciphertext, msg_signature)."""
        encrypted = self.encrypt(message)
        return encrypted, signature(self.token, timestamp, nonce, encrypted)
