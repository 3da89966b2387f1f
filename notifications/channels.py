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

from django.core.cache import cache
from django.core.mail import EmailMessage

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
# WeCom refuses markdown over 4096 bytes; DingTalk text is documented up to 20000 bytes.
WECOM_MAX_BYTES = 4096
DINGTALK_MAX_BYTES = 18000


class DeliveryError(Exception):
    """A message could not be sent. `permanent` ones are not worth retrying."""

    def __init__(
        self, message: str, *, permanent: bool = False, errcode: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.errcode = errcode  # the API's own error code, where it gave one


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


def _post_json(url: str, payload: dict | None) -> dict:
    """POST `payload` (GET when None) and return the JSON answer; DeliveryError unless
    errcode is 0. WeCom's and DingTalk's APIs answer alike."""
    host = safe_host(url)
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError(f"{host}: not an http(s) webhook address.", permanent=True)
    if payload is None:
        request = urllib.request.Request(url, method="GET")
    else:
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
        raise DeliveryError(
            f"{host}: errcode {errcode} {str(errmsg)[:300]}".rstrip(),
            errcode=errcode if isinstance(errcode, int) else None,
        )
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


# --- WeCom app messages (企业微信自建应用 消息推送) ----------------------------------------

# access_token invalid (40014) or expired (42001): get a new one and try once more.
WECOM_TOKEN_ERRORS = frozenset({40014, 42001})
# The token lives 7200 s; stop using it a little before WeCom does.
WECOM_TOKEN_MARGIN_SECONDS = 300
# textcard limits (bytes): title 128, description 512.
WECOM_CARD_TITLE_BYTES = 128
WECOM_CARD_DESCRIPTION_BYTES = 512
WECOM_TEXT_BYTES = 2048


def _wecom_token_key(app) -> str:
    # The secret is in the key's digest, so a changed secret never reuses an old token.
    digest = hashlib.sha256(f"{app.corp_id}:{app.secret}".encode()).hexdigest()[:16]
    return f"notifications:wecom-token:{app.pk}:{digest}"


def wecom_access_token(app, *, refresh: bool = False) -> str:
    """The app's access_token (gettoken), cached until shortly before it expires. A cache
    that is down only costs a gettoken per message."""
    key = _wecom_token_key(app)
    if not refresh:
        try:
            cached = cache.get(key)
        except Exception:  # Redis down: ask WeCom instead
            cached = None
        if cached:
            return cached
    query = urllib.parse.urlencode({"corpid": app.corp_id, "corpsecret": app.secret})
    answer = _post_json(f"{app.api_base_url.rstrip('/')}/cgi-bin/gettoken?{query}", None)
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise DeliveryError(f"{safe_host(app.api_base_url)}: gettoken gave no access_token")
    expires_in = answer.get("expires_in") if isinstance(answer.get("expires_in"), int) else 7200
    try:
        cache.set(key, token, max(60, expires_in - WECOM_TOKEN_MARGIN_SECONDS))
    except Exception:
        logger.warning("WeCom app %s: access_token not cached (cache unavailable)", app.pk)
    return token


def wecom_app_payload(*, app, userid: str, subject: str, body: str, url: str) -> dict:
    """A textcard linking to `url` (the ticket page); plain text when there is no link."""
    if url:
        message = {
            "msgtype": "textcard",
            "textcard": {
                "title": _truncate_bytes(subject, WECOM_CARD_TITLE_BYTES),
                "description": _truncate_bytes(body, WECOM_CARD_DESCRIPTION_BYTES),
                "url": url,
                "btntxt": "详情",
            },
        }
    else:
        message = {
            "msgtype": "text",
            "text": {"content": _truncate_bytes(f"{subject}\n{body}", WECOM_TEXT_BYTES)},
        }
    return {"touser": userid, "agentid": app.agent_id, **message}


def send_wecom_app(*, app, userid: str, subject: str, body: str, url: str = "") -> None:
    """An app message to one person's WeCom UserID, through the organisation's app."""
    if not app.sends_messages:
        raise DeliveryError("The WeCom app is switched off or has no Secret.", permanent=True)
    payload = wecom_app_payload(app=app, userid=userid, subject=subject, body=body, url=url)
    send_url = f"{app.api_base_url.rstrip('/')}/cgi-bin/message/send?access_token="
    for refresh in (False, True):
        token = wecom_access_token(app, refresh=refresh)
        try:
            answer = _post_json(send_url + urllib.parse.quote(token), payload)
        except DeliveryError as exc:
            if exc.errcode in WECOM_TOKEN_ERRORS and not refresh:
                continue
            raise
        break
    if answer.get("invaliduser"):
        # WeCom says 0 (ok) but names the UserID it could not reach: not worth retrying.
        raise DeliveryError("WeCom does not know the recipient's UserID.", permanent=True)
    logger.info("WeCom app message sent through app %s", app.pk)
