"""The same WeCom message arriving twice at the same moment (a replay, or WeCom's own retry
under a new nonce) files one ticket: the second waits on the first's unique row and then
finds it. Two threads on two real PostgreSQL connections, started together by a barrier."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client

from notifications.models import WeComApp
from tests.factories import demo_user
from tests.intake.test_wecom_callback import AES_KEY, CORP, NOW, TOKEN, url
from tests.intake.wecom_side import WeComSide
from tests.tickets.conftest import at
from tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs two real connections (PostgreSQL)"
    ),
]


def at_once(*requests) -> list[int]:
    """Send the requests from one thread each, released together; their status codes."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = [0] * len(requests)

    def run(index: int, request) -> None:
        try:
            barrier.wait()
            statuses[index] = request().status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


@pytest.mark.parametrize("same_nonce", [True, False], ids=["replay", "wecom-retry"])
def test_one_message_arriving_twice_at_once_files_one_ticket(demo, same_nonce):
    with time_machine.travel(at(NOW), tick=True):
        person = demo_user("yn-reporter")
        person.wecom_userid = "huangxiaomei"
        person.save(update_fields=["wecom_userid"])
        app = WeComApp.objects.create(
            organization=demo["yn-his"].hospital,
            name="OpsDesk 报修",
            corp_id=CORP,
            agent_id=1000002,
            token=TOKEN,
            encoding_aes_key=AES_KEY,
        )
        side = WeComSide(token=TOKEN, encoding_aes_key=AES_KEY, corp_id=CORP)
        encrypted = side.encrypt(side.text_message("huangxiaomei", "报修 HIS 门诊挂号无法打开"))
        first = side.signed_query(encrypted, nonce="n1")
        second = first if same_nonce else side.signed_query(encrypted, nonce="n2")

        def post(query: str):
            return lambda: Client().post(
                f"{url(app)}?{query}", data=side.envelope(encrypted), content_type="text/xml"
            )

        statuses = at_once(post(first), post(second))

    assert Ticket.objects.count() == 1
    assert sorted(statuses) == ([200, 403] if same_nonce else [200, 200])
