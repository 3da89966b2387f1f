"""Hospital systems register receivers through the API and hear about their tickets,
signed, retried with backoff, with every answer logged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from tests.api.conftest import file_level1
from tests.http_receiver import Answer
from webhooks.delivery import REFUSED_ERROR as REFUSED_TAIL
from webhooks.delivery import deliver_due
from webhooks.models import Delivery, DeliveryAttempt, IntranetNetwork, Subscription

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dns")]


def register(client, url: str, events: list[str], **fields) -> dict:
    response = client.post(
        "/api/v1/webhooks/", {"name": "HIS", "url": url, "events": events, **fields}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_hospital_it_registers_a_receiver_and_sees_the_secret_once(api):
    client = api("yn-it")
    created = register(client, "http://his-gw/hooks", ["ticket.created"])
    assert len(created["secret"]) == 64 and created["organization"] == "YN"
    shown = client.get(f"/api/v1/webhooks/{created['id']}/").json()
    assert "secret" not in shown
    rotated = client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret/").json()
    assert rotated["secret"] != created["secret"]


def test_a_reporter_may_not_register_receivers(api):
    response = api("yn-reporter").post(
        "/api/v1/webhooks/",
        {"name": "x", "url": "https://example.org/h", "events": ["ticket.created"]},
        format="json",
    )
    assert response.status_code == 403


def test_bad_receiver_settings_get_field_errors(api):
    response = api("yn-it").post(
        "/api/v1/webhooks/",
        {
            "name": "x",
            "url": "ftp://his",
            "events": ["ticket.exploded"],
            "contract": "cd-nutrition",
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"url", "events", "contract"}


def test_another_organisations_receivers_are_invisible(api):
    created = register(api("yn-it"), "https://his.yn.local/hooks", ["ticket.created"])
    other = api("cd-it")
    assert other.get("/api/v1/webhooks/").json() == []
    assert other.get(f"/api/v1/webhooks/{created['id']}/").status_code == 404
    assert other.get(f"/api/v1/webhooks/{created['id']}/deliveries/").status_code == 404


def test_a_filed_ticket_reaches_the_receiver_signed_after_a_retry(api, intranet_receiver):
    receiver = intranet_receiver
    client = api("yn-it")
    subscription = register(client, receiver.url, ["ticket.created", "ticket.state_changed"])
    ticket = file_level1(api("yn-reporter"))

    receiver.answer(Answer(503, body="HIS gateway restarting"))
    assert deliver_due() == {"reclaimed": 0, "retry": 1}
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1, seconds=5), tick=False):
        assert deliver_due() == {"reclaimed": 0, "delivered": 1}

    first, second = receiver.requests
    assert first.body == second.body  # a retry sends the same bytes
    assert second.signed_with(subscription["secret"])
    assert second.headers["X-OpsDesk-Event"] == "ticket.created"
    envelope = json.loads(second.body)
    assert envelope["data"]["ticket"]["number"] == ticket["number"]
    assert envelope["data"]["ticket"]["clocks"]

    log = client.get(f"/api/v1/webhooks/{subscription['id']}/deliveries/").json()
    assert log[0]["status"] == "delivered"
    answers = [(a["status_code"], a["response_body"]) for a in log[0]["attempt_log"]]
    # The receiver's words are kept only when it took the delivery.
    assert answers == [(503, ""), (200, "ok")]


def test_state_changes_and_breaches_are_published_once_each(api):
    register(api("yn-it"), "https://his.yn.local/hooks", ["ticket.state_changed", "clock.breached"])
    ticket = file_level1(api("yn-reporter"))
    api("ny-engineer").post(
        f"/api/v1/tickets/{ticket['id']}/acknowledge/",
        {"note": "已联系院方，承诺处理方案。"},
        format="json",
    )
    changed = Delivery.objects.get(event="ticket.state_changed")
    assert (changed.payload["data"]["from_state"], changed.payload["data"]["to_state"]) == (
        "new",
        "acknowledged",
    )

    from tickets.escalation import sweep

    later = timezone.now() + dt.timedelta(hours=7)
    sweep(now=later)
    sweep(now=later)
    breaches = Delivery.objects.filter(event="clock.breached")
    assert {d.payload["data"]["clock"]["name"] for d in breaches} == {"arrive", "resolve"}
    assert breaches.count() == 2


def test_a_failed_delivery_can_be_sent_again(api, intranet_receiver):
    receiver = intranet_receiver
    client = api("yn-it")
    subscription = register(client, receiver.url, ["ticket.created"])
    file_level1(api("yn-reporter"))
    receiver.answer(Answer(410, body="gone"))
    assert deliver_due()["failed"] == 1
    delivery = Delivery.objects.get()
    url = f"/api/v1/webhooks/{subscription['id']}/deliveries/{delivery.pk}/redeliver/"
    again = client.post(url)
    assert again.status_code == 200 and again.json()["status"] == "pending"
    assert deliver_due()["delivered"] == 1
    assert client.post(url).status_code == 409


# --- server-side request forgery -----------------------------------------------------------

SECRET_ANSWER = "redis_version:7.2.4 internal-only"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:18999/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:6379/",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "http://2130706433/hook",
        "http://0x7f.1/hook",
        "http://metadata.google.internal/",
    ],
)
def test_a_receiver_on_this_server_or_an_internal_network_is_refused(api, url):
    response = api("yn-it").post(
        "/api/v1/webhooks/", {"name": "x", "url": url, "events": ["ticket.created"]}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"url"}
    assert not Subscription.objects.exists()


def assert_nothing_of_the_answer_is_kept(client, subscription_id: int) -> None:
    shown = client.get(f"/api/v1/webhooks/{subscription_id}/deliveries/")
    assert shown.status_code == 200
    assert "redis_version" not in shown.content.decode()
    for attempt in DeliveryAttempt.objects.all():
        assert attempt.response_body == ""
        assert attempt.status_code is None
        assert "redis_version" not in attempt.error
    assert all("redis_version" not in d.last_error for d in Delivery.objects.all())


def test_a_name_that_rebinds_to_loopback_after_registration_is_not_posted_to(api, receiver, dns):
    """The DNS answer was public at registration and is this server's loopback at delivery."""
    client = api("yn-it")
    port = receiver.server.server_address[1]
    dns.answers["his-gw.yn.example.org"] = ["93.184.215.14"]
    subscription = register(
        client, f"http://his-gw.yn.example.org:{port}/hooks/opsdesk", ["ticket.created"]
    )
    dns.answers["his-gw.yn.example.org"] = ["127.0.0.1"]
    receiver.answer(Answer(200, body=SECRET_ANSWER))
    file_level1(api("yn-reporter"))

    assert deliver_due() == {"reclaimed": 0, "failed": 1}
    assert receiver.requests == []
    delivery = Delivery.objects.get()
    assert delivery.last_error == f"his-gw.yn.example.org:{port}: {REFUSED_TAIL}"
    assert dns.lookups == ["his-gw.yn.example.org", "his-gw.yn.example.org"]

    # Sending it again checks again, and is refused again.
    again = client.post(
        f"/api/v1/webhooks/{subscription['id']}/deliveries/{delivery.pk}/redeliver/"
    )
    assert again.status_code == 200
    assert deliver_due()["failed"] == 1
    assert receiver.requests == []
    assert_nothing_of_the_answer_is_kept(client, subscription["id"])


def test_a_receiver_stored_before_the_check_existed_is_not_posted_to(api, receiver):
    """A row written before addresses were checked (or straight into the database)."""
    client = api("yn-it")
    subscription = register(client, "http://his-gw.yn.example.org/hooks", ["ticket.created"])
    Subscription.objects.filter(pk=subscription["id"]).update(url=receiver.url)
    receiver.answer(Answer(200, body=SECRET_ANSWER))
    file_level1(api("yn-reporter"))
    assert deliver_due()["failed"] == 1
    assert receiver.requests == []
    assert_nothing_of_the_answer_is_kept(client, subscription["id"])


def test_an_allowed_intranet_receiver_is_posted_to_at_the_address_that_was_checked(
    api, intranet_receiver, dns
):
    """One lookup per delivery, and the connection goes to its answer: the name itself does
    not resolve anywhere outside this test."""
    receiver = intranet_receiver
    port = receiver.server.server_address[1]
    dns.answers["his-gw.yn.example.org"] = ["127.0.0.1"]
    client = api("yn-it")
    register(client, f"http://his-gw.yn.example.org:{port}/hooks/opsdesk", ["ticket.created"])
    file_level1(api("yn-reporter"))
    assert deliver_due()["delivered"] == 1
    [request] = receiver.requests
    assert request.headers["Host"] == f"his-gw.yn.example.org:{port}"
    assert request.path == "/hooks/opsdesk"
    assert dns.lookups == ["his-gw.yn.example.org"] * 2  # registration, delivery


def test_connection_failures_read_alike_whether_a_port_is_closed_or_silent(api, dns):
    """Neither "connection refused" nor "timed out": the log is no port scanner."""
    import socket

    IntranetNetwork.objects.create(network="127.0.0.0/8", reason="tests")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    client = api("yn-it")
    subscription = register(client, f"http://127.0.0.1:{closed}/x", ["ticket.created"])
    file_level1(api("yn-reporter"))
    deliver_due()
    [shown] = client.get(f"/api/v1/webhooks/{subscription['id']}/deliveries/").json()
    assert shown["last_error"] == f"127.0.0.1:{closed}: no HTTP answer."
    assert shown["attempt_log"][0]["response_body"] == ""
