"""WeCom and DingTalk group robots, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notifications import channels
from notifications.channels import DeliveryError
from notifications.models import Notification, NotificationStatus
from notifications.tasks import deliver
from tests.notifications.factories import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    WECOM_TOKEN,
    ChannelFactory,
    NotificationFactory,
)


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    json: dict


@dataclass
class Robot:
    """A stand-in robot endpoint: records requests and answers as told."""

    base: str
    requests: list[Received] = field(default_factory=list)
    status: int = 200
    answer: dict = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest.fixture
def robot():
    state: dict[str, Robot] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            current = state["robot"]
            length = int(self.headers.get("Content-Length", 0))
            parts = urllib.parse.urlsplit(self.path)
            current.requests.append(
                Received(
                    path=parts.path,
                    query=urllib.parse.parse_qs(parts.query),
                    headers=dict(self.headers),
                    json=json.loads(self.rfile.read(length).decode("utf-8")),
                )
            )
            payload = json.dumps(current.answer).encode()
            self.send_response(current.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["robot"] = Robot(base=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state["robot"]
    server.shutdown()
    server.server_close()


def wecom_url(robot: Robot) -> str:
    return robot.url(f"/cgi-bin/webhook/send?key={WECOM_TOKEN}")


def dingtalk_url(robot: Robot) -> str:
    return robot.url(f"/robot/send?access_token={DINGTALK_TOKEN}")


def test_wecom_robot_receives_the_message_as_markdown(robot):
    channels.send_wecom(webhook_url=wecom_url(robot), subject="[T-1] 新工单", body="一级故障")
    [request] = robot.requests
    assert request.path == "/cgi-bin/webhook/send"
    assert request.query == {"key": [WECOM_TOKEN]}
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.json == {
        "msgtype": "markdown",
        "markdown": {"content": "**[T-1] 新工单**\n一级故障"},
    }


def test_dingtalk_robot_with_a_secret_signs_each_request(robot):
    before = int(time.time() * 1000)
    channels.send_dingtalk(
        webhook_url=dingtalk_url(robot), secret=DINGTALK_SECRET, subject="[T-1] 超时", body="正文"
    )
    [request] = robot.requests
    assert request.json == {"msgtype": "text", "text": {"content": "[T-1] 超时\n正文"}}
    assert request.query["access_token"] == [DINGTALK_TOKEN]
    [timestamp] = request.query["timestamp"]
    [sign] = request.query["sign"]  # parse_qs has undone quote_plus
    assert before <= int(timestamp) <= int(time.time() * 1000)
    expected = hmac.new(
        DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256
    ).digest()
    assert base64.b64decode(sign) == expected


def test_dingtalk_robot_without_a_secret_is_not_signed(robot):
    channels.send_dingtalk(webhook_url=dingtalk_url(robot), secret="", subject="s", body="b")
    assert set(robot.requests[0].query) == {"access_token"}


def test_signing_a_url_without_a_query_starts_one():
    url = channels.dingtalk_signed_url("https://robot.example.cn/send", "SECabc", now=1700000000.0)
    assert url.startswith("https://robot.example.cn/send?timestamp=1700000000000&sign=")


@pytest.mark.parametrize("send", ["wecom", "dingtalk"])
def test_an_errcode_other_than_zero_is_a_delivery_error(robot, send):
    robot.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    with pytest.raises(DeliveryError, match="errcode 93000 invalid webhook url"):
        if send == "wecom":
            channels.send_wecom(webhook_url=wecom_url(robot), subject="s", body="b")
        else:
            channels.send_dingtalk(
                webhook_url=dingtalk_url(robot), secret="", subject="s", body="b"
            )


def test_an_http_error_is_a_delivery_error(robot):
    robot.status = 500
    with pytest.raises(DeliveryError, match="HTTP 500"):
        channels.send_wecom(webhook_url=wecom_url(robot), subject="s", body="b")


def test_an_unreachable_robot_is_a_delivery_error():
    closed_port = f"http://127.0.0.1:1/cgi-bin/webhook/send?key={WECOM_TOKEN}"
    with pytest.raises(DeliveryError, match=r"127\.0\.0\.1:1: "):
        channels.send_wecom(webhook_url=closed_port, subject="s", body="b")


def test_overlong_messages_are_cut_to_what_wecom_accepts(robot):
    channels.send_wecom(webhook_url=wecom_url(robot), subject="s", body="故障" * 3000)
    content = robot.requests[0].json["markdown"]["content"]
    assert len(content.encode("utf-8")) <= channels.WECOM_MAX_BYTES
    assert content.endswith("…")


@pytest.mark.django_db
@pytest.mark.parametrize("status", [200, 500])
def test_robot_tokens_never_reach_the_logs_or_the_outbox(robot, caplog, status):
    robot.status = status
    if status == 200:
        robot.answer = {"errcode": 310000, "errmsg": "sign not match"}
    wecom = ChannelFactory(kind="wecom", webhook_url=wecom_url(robot))
    dingtalk = ChannelFactory(
        kind="dingtalk", webhook_url=dingtalk_url(robot), secret=DINGTALK_SECRET
    )
    rows = [NotificationFactory(recipient=None, channel=channel) for channel in (wecom, dingtalk)]
    with caplog.at_level(logging.DEBUG):
        for row in rows:
            assert deliver(row.pk) == "retry"
    assert len(robot.requests) == 2
    errors = " ".join(Notification.objects.values_list("last_error", flat=True))
    assert "127.0.0.1" in caplog.text and "127.0.0.1" in errors
    for token in (WECOM_TOKEN, DINGTALK_TOKEN, DINGTALK_SECRET, "sign="):
        assert token not in caplog.text
        assert token not in errors


@pytest.mark.django_db
def test_a_robot_message_delivered_through_the_outbox_is_marked_sent(robot, caplog):
    channel = ChannelFactory(kind="dingtalk", webhook_url=dingtalk_url(robot), secret="")
    row = NotificationFactory(recipient=None, channel=channel, subject="标题", body="正文")
    with caplog.at_level(logging.INFO):
        assert deliver(row.pk) == "sent"
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.SENT
    assert robot.requests[0].json["text"]["content"] == "标题\n正文"
    assert DINGTALK_TOKEN not in caplog.text
