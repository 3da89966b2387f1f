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
from webhooks.delivery import deliver_due
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


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


def test_a_filed_ticket_reaches_the_receiver_signed_after_a_retry(api, receiver):
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
    assert answers == [(503, "HIS gateway restarting"), (200, "ok")]


def test_state_changes_and_breaches_are_published_once_each(api):
    register(api("yn-it"), "https://his.yn.local/hooks", ["ticket.state_changed", "clock.breached"])
    ticket = file_level1(api("yn-reporter"))
    api("ny-engineer").post(f"/api/v1/tickets/{ticket['id']}/acknowledge/", {}, format="json")
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


def test_a_failed_delivery_can_be_sent_again(api, receiver):
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
