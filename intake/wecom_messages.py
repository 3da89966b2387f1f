"""WeCom callback XML: reading what WeCom posts and writing the passive reply.

Parsed with defusedxml: a body with a DTD, entities or external references is refused
before anything is expanded (a "billion laughs" body costs nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# A text message is at most 2048 bytes; with the envelope and base64 this leaves room.
MAX_BODY_BYTES = 64 * 1024


class MessageError(Exception):
    """Not the XML WeCom sends."""


@dataclass(frozen=True)
class Envelope:
    """The POSTed body: to whom (the corp ID), which app, and the ciphertext."""

    to_user: str
    agent_id: str
    encrypt: str


@dataclass(frozen=True)
class Message:
    """A decrypted message or event (接收消息): text carries `content`, events `event`."""

    corp_id: str
    from_user: str
    create_time: int | None
    msg_type: str
    content: str
    msg_id: str
    agent_id: str
    event: str


def _root(xml: bytes | str) -> Element:
    if len(xml) > MAX_BODY_BYTES:
        raise MessageError("Too large.")
    try:
        root = fromstring(xml, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise MessageError(f"Not well-formed XML: {type(exc).__name__}") from None
    if root.tag != "xml":
        raise MessageError("The root element is not <xml>.")
    return root


def _text(root: Element, tag: str) -> str:
    node = root.find(tag)
    return (node.text or "").strip() if node is not None else ""


def parse_envelope(body: bytes) -> Envelope:
    root = _root(body)
    encrypt = _text(root, "Encrypt")
    if not encrypt:
        raise MessageError("No <Encrypt> element.")
    return Envelope(
        to_user=_text(root, "ToUserName"), agent_id=_text(root, "AgentID"), encrypt=encrypt
    )


def parse_message(xml: str) -> Message:
    root = _root(xml)
    created = _text(root, "CreateTime")
    # Content keeps its inner spacing; only the ends are trimmed.
    node = root.find("Content")
    return Message(
        corp_id=_text(root, "ToUserName"),
        from_user=_text(root, "FromUserName"),
        create_time=int(created) if created.isdigit() else None,
        msg_type=_text(root, "MsgType"),
        content=(node.text or "").strip() if node is not None else "",
        msg_id=_text(root, "MsgId"),
        agent_id=_text(root, "AgentID"),
        event=_text(root, "Event"),
    )


def _cdata(value: str) -> str:
    # "]]>" would end the section early: split it across two sections.
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(*, to_user: str, corp_id: str, create_time: int, content: str) -> str:
    """The plaintext of a passive text reply, before encryption."""
    return (
        "<xml>"
        f"<ToUserName>{_cdata(to_user)}</ToUserName>"
        f"<FromUserName>{_cdata(corp_id)}</FromUserName>"
        f"<CreateTime>{create_time}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content>"
        "</xml>"
    )


def encrypted_reply(*, encrypt: str, signature: str, timestamp: str, nonce: str) -> str:
    """The passive reply as WeCom expects it back (被动回复消息格式, encrypted)."""
    return (
        "<xml>"
        f"<Encrypt>{_cdata(encrypt)}</Encrypt>"
        f"<MsgSignature>{_cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp>"
        f"<Nonce>{_cdata(nonce)}</Nonce>"
        "</xml>"
    )
