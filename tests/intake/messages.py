"""Real MIME messages as Chinese mail clients send them, built byte by byte where the
standard library would tidy away what the intake must cope with."""

from __future__ import annotations

import base64
import email.utils


def b64(text: str, charset: str) -> str:
    return base64.b64encode(text.encode(charset)).decode("ascii")


def encoded_word(text: str, charset: str, *, label: str = "") -> str:
    """RFC 2047, base64; `label`: the charset the client claims, when it is not the real one."""
    return f"=?{label or charset}?B?{b64(text, charset)}?="


def gbk_report_with_screenshot(sender: str, *, subject: str, body: str, filename: str) -> bytes:
    """Foxmail-style: labelled GB2312, really GBK, subject and file name as encoded words."""
    boundary = "----=_NextPart_000_0001"
    return (
        f"From: {encoded_word('黄小梅', 'gb2312')} <{sender}>\r\n"
        f"To: faults@vendor.test\r\n"
        f"Subject: {encoded_word(subject, 'gbk', label='gb2312')}\r\n"
        f"Date: {email.utils.formatdate(localtime=True)}\r\n"
        f"Message-ID: <{email.utils.make_msgid(domain='yn-hospital.test')[1:-1]}>\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain; charset=gb2312\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{b64(body, 'gbk')}\r\n"
        f"--{boundary}\r\n"
        f'Content-Type: image/png; name="{encoded_word(filename, "gbk")}"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: attachment; filename="{encoded_word(filename, "gbk")}"\r\n'
        "\r\n"
        f"{base64.b64encode(b'PNG-bytes-of-a-screenshot').decode()}\r\n"
        f"--{boundary}--\r\n"
    ).encode("ascii")


def plain(sender: str, *, subject: str, body: str, headers: str = "") -> bytes:
    return (
        f"From: {sender}\r\n"
        f"To: faults@vendor.test\r\n"
        f"Subject: {encoded_word(subject, 'utf-8')}\r\n"
        f"Date: {email.utils.formatdate(localtime=True)}\r\n"
        f"{headers}"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{b64(body, 'utf-8')}\r\n"
    ).encode("ascii")


def html_only(sender: str, *, subject: str, html: str) -> bytes:
    return (
        f"From: {sender}\r\n"
        f"Subject: {encoded_word(subject, 'utf-8')}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        f"{b64(html, 'utf-8')}\r\n"
    ).encode("ascii")
