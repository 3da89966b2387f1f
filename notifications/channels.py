"""Senders: one small function per kind of channel, each raising DeliveryError on failure.

HTTP goes through the standard library only. A robot's webhook address carries its access
token (`?key=…` for WeCom, `?access_token=…` for DingTalk), so neither logs nor errors ever
contain more of it than the host.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request

from django.core.mail import EmailMessage

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
# WeCom refuses markdown over 4096 bytes; DingTalk text is documented up to 20000 bytes.
WECOM_MAX_BYTES = 4096
DINGTALK_MAX_BYTES = 18000


class DeliveryError(Exception):
    """A message could not be sent. `permanent` ones are not worth retrying."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def safe_host(url: str) -> str:
    """The part of a webhook address that may be logged: host and port, no path or token."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or "?"
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "?"


def _truncate_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


# --- e-mail ------------------------------------------------------------------------------------


def send_email(
    *, to: list[str], subject: str, body: str, message_id: str = "", reply_to: str = ""
) -> None:
    """`message_id` and `reply_to` thread replies back to the ticket (notifications/threading)."""
    if not to:
        raise DeliveryError("No e-mail address to send to.", permanent=True)
    message = EmailMessage(
        subject,
        body,
        None,
        to,
        reply_to=[reply_to] if reply_to else None,
        headers={"Message-ID": message_id} if message_id else None,
    )
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # SMTPException, OSError, a backend's own errors
        raise DeliveryError(f"E-mail not sent: {type(exc).__name__}: {exc}") from exc


# --- group robots ------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A robot endpoint never redirects; following one would turn the POST into a GET."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _post_json(url: str, payload: dict) -> dict:
    """POST `payload` and return the robot's JSON answer; DeliveryError unless errcode is 0."""
    host = safe_host(url)
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError(f"{host}: not an http(s) webhook address.", permanent=True)
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        # Built per call so proxy settings (HTTPS_PROXY, NO_PROXY) are read when sending.
        opener = urllib.request.build_opener(_NoRedirects)
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DeliveryError(f"{host}: HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise DeliveryError(f"{host}: {exc.reason}") from None
    except (TimeoutError, OSError) as exc:
        raise DeliveryError(f"{host}: {type(exc).__name__}: {exc}") from None
    except Exception as exc:  # http.client errors may quote the URL: keep only the type
        raise DeliveryError(f"{host}: {type(exc).__name__}") from None
    if status != 200:
        raise DeliveryError(f"{host}: HTTP {status}")
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DeliveryError(f"{host}: the answer is not JSON") from None
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        errcode = answer.get("errcode") if isinstance(answer, dict) else None
        errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        raise DeliveryError(f"{host}: errcode {errcode} {str(errmsg)[:300]}".rstrip())
    return answer


def send_wecom(*, webhook_url: str, subject: str, body: str) -> None:
    """WeCom (企业微信) group robot, as markdown with the subject in bold."""
    content = _truncate_bytes(f"**{subject}**\n{body}", WECOM_MAX_BYTES)
    _post_json(webhook_url, {"msgtype": "markdown", "markdown": {"content": content}})
    logger.info("WeCom robot message sent to %s", safe_host(webhook_url))


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """DingTalk's signature: base64 HMAC-SHA256 of "timestamp\\nsecret", URL-quoted."""
    string_to_sign = f"{timestamp}\n{secret}"
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256)
    return urllib.parse.quote_plus(base64.b64encode(digest.digest()))


def dingtalk_signed_url(webhook_url: str, secret: str, *, now: float | None = None) -> str:
    timestamp = str(round((time.time() if now is None else now) * 1000))
    separator = "&" if urllib.parse.urlsplit(webhook_url).query else "?"
    return f"{webhook_url}{separator}timestamp={timestamp}&sign={dingtalk_sign(secret, timestamp)}"


def send_dingtalk(*, webhook_url: str, secret: str, subject: str, body: str) -> None:
    """DingTalk (钉钉) group robot, as text; signed when the robot has a secret."""
    url = dingtalk_signed_url(webhook_url, secret) if secret else webhook_url
    content = _truncate_bytes(f"{subject}\n{body}", DINGTALK_MAX_BYTES)
    _post_json(url, {"msgtype": "text", "text": {"content": content}})
    logger.info("DingTalk robot message sent to %s", safe_host(webhook_url))
