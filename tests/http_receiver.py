"""A real HTTP receiver on 127.0.0.1 for webhook tests, answering from a script, and a DNS
the tests write.

Import the `receiver`, `intranet_receiver` and `dns` fixtures into a conftest to use them.
OpsDesk refuses to post to loopback (webhooks/receivers.py) unless a platform administrator
allowed the network: `intranet_receiver` is the receiver with 127.0.0.0/8 allowed, as a
hospital intranet would be; plain `receiver` stands for an internal service nobody allowed.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: str = "ok"
    delay: float = 0.0  # seconds to wait before answering, to make the sender time out


@dataclass(frozen=True)
class Received:
    path: str
    headers: Message
    body: bytes

    def signed_with(self, secret: str) -> bool:
        """The receiver's check, written from the documented scheme, not from OpsDesk's code."""
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("X-OpsDesk-Signature", ""))


class Receiver:
    """Records every request (headers and raw body); answers 200 unless scripted otherwise."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._answers: deque[Answer] = deque()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.receiver = self  # type: ignore[attr-defined]
        # A client that timed out leaves the handler writing to a closed socket: not an error.
        self.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/opsdesk"

    def answer(self, *answers: int | Answer) -> None:
        """Queue the answers to the next requests: a status code or a full Answer."""
        with self._lock:
            for answer in answers:
                self._answers.append(answer if isinstance(answer, Answer) else Answer(answer))

    def _take(self, path: str, headers: Message, body: bytes) -> Answer:
        with self._lock:
            self.requests.append(Received(path, headers, body))
            return self._answers.popleft() if self._answers else Answer()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = self.server.receiver._take(self.path, self.headers, body)
        if answer.delay:
            time.sleep(answer.delay)
        data = answer.body.encode("utf-8")
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # Recorded too, so a test sees it if a redirect was followed (a POST becomes a GET).
    do_GET = do_POST

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def receiver():
    receiver = Receiver()
    # A short poll interval: shutdown() waits up to one interval, at every test's teardown.
    thread = threading.Thread(
        target=receiver.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
    thread.join(5)


# A public address (example.com's) for names a test did not give an answer for. Nothing is
# posted there: tests that deliver use the loopback receiver.
PUBLIC_ADDRESS = "93.184.215.14"


class FakeDns:
    """webhooks.receivers.resolve, answering from `answers` (a name → its addresses)."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}
        self.lookups: list[str] = []

    def __call__(self, host: str) -> list[str]:
        self.lookups.append(host)
        if host.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.answers.get(host, [PUBLIC_ADDRESS]))


@pytest.fixture
def dns(monkeypatch):
    fake = FakeDns()
    monkeypatch.setattr("webhooks.receivers.resolve", fake)
    return fake


@pytest.fixture
def intranet_receiver(receiver, db):
    from webhooks.models import IntranetNetwork

    IntranetNetwork.objects.create(network="127.0.0.0/8", reason="the tests' receiver")
    return receiver
