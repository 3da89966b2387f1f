"""WeCom's callback encryption (企业微信 加解密方案说明), with the `cryptography` package.

- msg_signature = SHA1 hex of the sorted, concatenated [token, timestamp, nonce, encrypt].
- AESKey = base64decode(EncodingAESKey + "="), 32 bytes; AES-256-CBC with IV = AESKey[:16];
  PKCS#7 padding to a multiple of 32 bytes (not AES's 16: WeCom's own choice).
- plaintext = 16 random bytes + msg length (4 bytes, network order) + msg + receiveid,
  where receiveid is the corporation's ID for a self-built app's callbacks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAD_BLOCK = 32
_RANDOM_BYTES = 16
ENCODING_AES_KEY_PATTERN = re.compile(r"^[A-Za-z0-9]{43}$")


class CryptoError(Exception):
    """The message is not what WeCom's scheme produces: wrong key, tampered or truncated."""


def aes_key(encoding_aes_key: str) -> bytes:
    if not ENCODING_AES_KEY_PATTERN.match(encoding_aes_key or ""):
        raise CryptoError("EncodingAESKey must be 43 letters or digits.")
    key = base64.b64decode(encoding_aes_key + "=")
    if len(key) != 32:  # 43 base64 characters always carry 32 bytes; kept as a guard
        raise CryptoError("EncodingAESKey does not decode to 32 bytes.")
    return key


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    parts = sorted([token, timestamp, nonce, encrypted])
    return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()


def signature_matches(
    given: str, *, token: str, timestamp: str, nonce: str, encrypted: str
) -> bool:
    """Compared in constant time, so a forger learns nothing from how long a refusal takes."""
    expected = signature(token, timestamp, nonce, encrypted)
    return hmac.compare_digest(expected.encode("ascii"), (given or "").lower().encode("utf-8"))


def _cipher(key: bytes) -> Cipher:
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def decrypt(encrypted: str, *, encoding_aes_key: str) -> tuple[str, str]:
    """(msg, receiveid) from the base64 `encrypted`; CryptoError if anything is off."""
    key = aes_key(encoding_aes_key)
    try:
        data = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise CryptoError("Not base64.") from None
    if not data or len(data) % 16:
        raise CryptoError("Not a whole number of AES blocks.")
    decryptor = _cipher(key).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    pad = padded[-1]
    if not 1 <= pad <= PAD_BLOCK or padded[-pad:] != bytes([pad]) * pad:
        raise CryptoError("Bad padding.")
    plain = padded[:-pad]
    if len(plain) < _RANDOM_BYTES + 4:
        raise CryptoError("Too short.")
    (length,) = struct.unpack(">I", plain[_RANDOM_BYTES : _RANDOM_BYTES + 4])
    body = plain[_RANDOM_BYTES + 4 :]
    if length > len(body):
        raise CryptoError("The length field runs past the message.")
    try:
        return body[:length].decode("utf-8"), body[length:].decode("utf-8")
    except UnicodeDecodeError:
        raise CryptoError("Not UTF-8.") from None


def encrypt(msg: str, *, encoding_aes_key: str, receive_id: str) -> str:
    """The base64 ciphertext of a passive reply."""
    key = aes_key(encoding_aes_key)
    body = msg.encode("utf-8")
    plain = os.urandom(_RANDOM_BYTES) + struct.pack(">I", len(body)) + body
    plain += receive_id.encode("utf-8")
    pad = PAD_BLOCK - len(plain) % PAD_BLOCK
    encryptor = _cipher(key).encryptor()
    data = encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()
    return base64.b64encode(data).decode("ascii")
