"""WeCom's side of the callback, written from its documentation (加解密方案说明), not from
OpsDesk's code: it encrypts and signs what WeCom would post, and decrypts what OpsDesk
answers. The padding here is `cryptography`'s PKCS7 unpadder with 32-byte blocks, the
layout is spelled out again, so a mistake in intake.wecom_crypto cannot hide in both."""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlencode

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


@dataclass
class WeComSide:
    token: str
    encoding_aes_key: str
    corp_id: str

    @property
    def key(self) -> bytes:
        return base64.b64decode(self.encoding_aes_key + "=")

    def encrypt(self, msg: str, *, receive_id: str | None = None) -> str:
        receive = (self.corp_id if receive_id is None else receive_id).encode()
        body = msg.encode("utf-8")
        plain = os.urandom(16) + struct.pack("!I", len(body)) + body + receive
        padder = padding.PKCS7(256).padder()  # 256 bits: 32-byte blocks, as documented
        padded = padder.update(plain) + padder.finalize()
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> tuple[str, str]:
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        padded = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
        unpadder = padding.PKCS7(256).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
        (length,) = struct.unpack("!I", plain[16:20])
        return plain[20 : 20 + length].decode("utf-8"), plain[20 + length :].decode("utf-8")

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return hashlib.sha1(
            "".join(sorted([self.token, timestamp, nonce, encrypted])).encode()
        ).hexdigest()

    def text_message(self, from_user: str, content: str, *, created: int | None = None) -> str:
        created = int(time.time()) if created is None else created
        msg_id = int.from_bytes(os.urandom(7), "big")  # each message its own MsgId
        return (
            f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
            f"<FromUserName><![CDATA[{from_user}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId>"
            f"<AgentID>1000002</AgentID></xml>"
        )

    def envelope(self, encrypted: str) -> bytes:
        return (
            f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
            f"<AgentID><![CDATA[1000002]]></AgentID>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        ).encode()

    def signed_query(
        self, encrypted: str, *, timestamp: str | None = None, nonce: str | None = None, **extra
    ) -> str:
        timestamp = str(int(time.time())) if timestamp is None else timestamp
        nonce = nonce or base64.b32encode(os.urandom(5)).decode()
        params = {
            "msg_signature": self.sign(timestamp, nonce, encrypted),
            "timestamp": timestamp,
            "nonce": nonce,
            **extra,
        }
        return urlencode(params)

    def open_reply(self, body: bytes) -> ET.Element:
        """Check the passive reply's signature and decrypt it: the message inside."""
        root = ET.fromstring(body)
        encrypted = root.findtext("Encrypt")
        expected = self.sign(root.findtext("TimeStamp"), root.findtext("Nonce"), encrypted)
        assert root.findtext("MsgSignature") == expected, "the reply's signature does not verify"
        msg, receive_id = self.decrypt(encrypted)
        assert receive_id == self.corp_id
        return ET.fromstring(msg)
