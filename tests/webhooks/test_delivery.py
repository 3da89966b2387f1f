"""Posting deliveries to a real receiver: signing, retries with backoff, giving up, the log."""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
import time_machine

from notifications.channels import safe_host
from tests.factories import ContractFactory
from tests.http_receiver import Answer
from tests.webhooks.factories import SubscriptionFactory
from webhooks import delivery as sending
from webhooks.models import Delivery, DeliveryStatus
from webhooks.services import publish, redeliver
from webhooks.tasks import deliver, deliver_pending

pytestmark = pytest.mark.django_db

# Later than any row the tests queue at the real "now", so those rows are due.
START = dt.datetime(2031, 3, 3, 1, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def subscription(intranet_receiver):
    receiver = intranet_receiver
    contract = ContractFactory()
    return SubscriptionFactory(organization=contract.hospital, contract=contract, url=receiver.url)


def queue(subscription, event="ticket.created", data=None) -> Delivery:
    [row] = publish(event, contract=subscription.contract, data=data or {"ticket": "H001-1"})
    return row


def reload(row: Delivery) -> Delivery:
    return Delivery.objects.get(pk=row.pk)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_delivery_body_is_signed_with_the_subscription_secret(receiver, subscription):
    row = queue(subscription, data={"title": "门诊收费窗口无法打开系统"})
    with time_machine.travel(START, tick=False):
        assert deliver(row.pk) == "delivered"
    [request] = receiver.requests
    assert request.signed_with(subscription.secret)
    assert not request.signed_with(SubscriptionFactory().secret)
    assert request.body == row.body.encode("utf-8")
    assert "门诊收费窗口无法打开系统".encode() in request.body  # UTF-8, not \u escapes
    assert request.path == "/hooks/opsdesk"
    headers = request.headers
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["User-Agent"] == "OpsDesk-Webhooks/1"
    assert headers["X-OpsDesk-Event"] == "ticket.created"
    assert headers["X-OpsDesk-Delivery"] == str(row.event_id)
    assert headers["X-OpsDesk-Timestamp"] == str(int(START.timestamp()))
    envelope = json.loads(request.body)
    assert envelope["event_id"] == str(row.event_id)
    assert envelope["data"] == {"title": "门诊收费窗口无法打开系统"}


def test_a_delivered_event_is_logged_with_the_answer(receiver, subscription):
    receiver.answer(Answer(202, body='{"stored": true}'))
    row = queue(subscription)
    with time_machine.travel(START, tick=False):
        deliver(row.pk)
    row = reload(row)
    assert row.status == DeliveryStatus.DELIVERED
    assert row.delivered_at == START
    assert (row.attempts, row.last_status_code, row.last_error) == (1, 202, "")
    assert row.claimed_at is None
    [attempt] = row.attempt_log.all()
    assert (attempt.status_code, attempt.response_body, attempt.error) == (
        202,
        '{"stored": true}',
        "",
    )
    assert attempt.attempted_at == START
    assert attempt.duration_ms >= 0


def test_server_error_is_retried_with_backoff_then_delivered(receiver, subscription):
    receiver.answer(500, 503, 200)
    row = queue(subscription)
    with time_machine.travel(START, tick=False) as traveller:
        assert deliver(row.pk) == "retry"
        assert reload(row).next_attempt_at == START + MINUTE
        assert reload(row).status == DeliveryStatus.PENDING
        assert deliver(row.pk) == "skipped"  # not due yet
        assert deliver_pending() == {"reclaimed": 0}

        traveller.shift(MINUTE)
        assert deliver_pending() == {"reclaimed": 0, "retry": 1}
        assert reload(row).next_attempt_at == START + 3 * MINUTE  # then 2 minutes

        traveller.shift(2 * MINUTE)
        assert deliver_pending() == {"reclaimed": 0, "delivered": 1}
    row = reload(row)
    assert row.status == DeliveryStatus.DELIVERED
    assert row.attempts == 3
    assert [a.status_code for a in row.attempt_log.all()] == [500, 503, 200]
    assert "HTTP 500" in row.attempt_log.first().error
    assert len(receiver.requests) == 3


def test_retry_sends_the_same_bytes(receiver, subscription):
    receiver.answer(503, 200)
    row = queue(subscription)
    with time_machine.travel(START, tick=False) as traveller:
        deliver(row.pk)
        subscription.rotate_secret()  # even after a rotation, only the signature changes
        traveller.shift(5 * MINUTE)
        deliver(row.pk)
    first, second = receiver.requests
    assert first.body == second.body == row.body.encode("utf-8")
    assert first.headers["X-OpsDesk-Delivery"] == second.headers["X-OpsDesk-Delivery"]
    assert first.headers["X-OpsDesk-Timestamp"] != second.headers["X-OpsDesk-Timestamp"]
    assert second.signed_with(subscription.secret)


@pytest.mark.parametrize("status", [301, 302, 400, 401, 403, 404, 410, 422])
def test_rejected_delivery_is_not_retried(receiver, subscription, status):
    receiver.answer(Answer(status, headers={"Location": "/elsewhere"}, body="no such hook"))
    row = queue(subscription)
    assert deliver(row.pk) == "failed"
    row = reload(row)
    assert row.status == DeliveryStatus.FAILED
    assert (row.attempts, row.last_status_code) == (1, status)
    assert row.attempt_log.get().response_body == ""  # a refusal's words are not kept
    assert deliver_pending().get("retry", 0) == 0
    assert len(receiver.requests) == 1  # a redirect is not followed either


@pytest.mark.parametrize("status", [408, 409, 425, 429, 500, 502, 503, 504])
def test_busy_or_broken_receivers_are_retried(receiver, subscription, status):
    receiver.answer(status)
    row = queue(subscription)
    assert deliver(row.pk) == "retry"
    assert reload(row).status == DeliveryStatus.PENDING


def test_a_numeric_retry_after_is_honoured_up_to_an_hour(receiver, subscription):
    receiver.answer(
        Answer(429, headers={"Retry-After": "600"}),
        Answer(503, headers={"Retry-After": "86400"}),
        Answer(503, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}),
    )
    row = queue(subscription)
    with time_machine.travel(START, tick=False) as traveller:
        deliver(row.pk)
        assert reload(row).next_attempt_at == START + 10 * MINUTE
        traveller.move_to(START + 10 * MINUTE)
        deliver(row.pk)
        assert reload(row).next_attempt_at == START + 70 * MINUTE  # capped at an hour
        traveller.move_to(START + 70 * MINUTE)
        deliver(row.pk)
        assert reload(row).next_attempt_at == START + 74 * MINUTE  # a date: plain backoff


def test_retries_back_off_1_2_4_minutes_and_so_on_up_to_an_hour():
    waits = [sending.backoff(attempt) for attempt in range(1, 10)]
    assert [int(wait.total_seconds() // 60) for wait in waits] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_after_eight_attempts_the_delivery_fails_for_good(receiver, subscription):
    receiver.answer(503)
    row = queue(subscription)
    Delivery.objects.filter(pk=row.pk).update(attempts=sending.MAX_ATTEMPTS - 1)
    assert deliver(row.pk) == "failed"
    row = reload(row)
    assert row.status == DeliveryStatus.FAILED
    assert (row.attempts, row.last_status_code) == (sending.MAX_ATTEMPTS, 503)


def test_a_receiver_that_is_not_listening_is_retried(subscription):
    subscription.url = f"http://127.0.0.1:{closed_port()}/hooks?token=do-not-log"
    subscription.save()
    row = queue(subscription)
    assert deliver(row.pk) == "retry"
    row = reload(row)
    assert row.last_status_code is None
    assert row.last_error == f"{safe_host(subscription.url)}: no HTTP answer."
    assert "do-not-log" not in row.last_error
    attempt = row.attempt_log.get()
    assert attempt.status_code is None
    assert attempt.error == row.last_error


def test_a_receiver_that_does_not_answer_in_time_is_retried(receiver, subscription, monkeypatch):
    monkeypatch.setattr(sending, "TIMEOUT_SECONDS", 0.2)
    receiver.answer(Answer(200, delay=1.0))
    row = queue(subscription)
    assert deliver(row.pk) == "retry"
    row = reload(row)
    # The same words as for a closed port: the log does not tell which ports are open.
    assert row.last_error == f"{safe_host(subscription.url)}: no HTTP answer."
    assert row.attempt_log.get().status_code is None


def test_deliveries_ignore_proxy_settings(receiver, subscription, monkeypatch):
    # A proxy set for internet traffic would not reach (or should not see) intranet receivers.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{closed_port()}")
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    row = queue(subscription)
    assert deliver(row.pk) == "delivered"
    assert len(receiver.requests) == 1


def test_only_the_start_of_a_long_successful_answer_is_kept(receiver, subscription):
    receiver.answer(Answer(200, body="错" * 5000 + "\x00"))
    row = queue(subscription)
    deliver(row.pk)
    assert reload(row).attempt_log.get().response_body == "错" * sending.RESPONSE_LIMIT


def test_a_failed_answer_is_not_kept(receiver, subscription):
    receiver.answer(Answer(500, body="redis_version:7.2.4"))
    row = queue(subscription)
    deliver(row.pk)
    attempt = reload(row).attempt_log.get()
    assert (attempt.status_code, attempt.response_body) == (500, "")
    assert attempt.error == f"{safe_host(subscription.url)}: HTTP 500"


def test_an_answer_with_nul_characters_can_be_stored(receiver, subscription):
    receiver.answer(Answer(200, body="ok\x00stored"))
    row = queue(subscription)
    deliver(row.pk)
    assert reload(row).attempt_log.get().response_body == "ok\ufffdstored"


def test_a_switched_off_subscription_is_not_posted_to(receiver, subscription):
    row = queue(subscription)
    subscription.is_active = False
    subscription.save()
    assert deliver(row.pk) == "failed"
    assert receiver.requests == []
    assert "switched off" in reload(row).attempt_log.get().error


def test_an_unexpected_error_is_recorded_like_any_failure_and_not_raised(subscription, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(sending, "post", crash)
    row = queue(subscription)
    assert deliver(row.pk) == "retry"
    assert "KeyError" in reload(row).last_error


def test_a_second_deliver_of_the_same_delivery_does_nothing(receiver, subscription):
    row = queue(subscription)
    assert deliver(row.pk) == "delivered"
    assert deliver(row.pk) == "skipped"
    assert len(receiver.requests) == 1
    assert reload(row).attempts == 1


def test_a_deleted_delivery_is_skipped_quietly():
    assert deliver(987654) == "skipped"


class WorkerKilled(BaseException):
    """What SIGKILL looks like from inside: nothing after it runs, no except clause sees it."""


def test_a_killed_worker_leaves_the_delivery_retried_not_stuck(receiver, subscription, monkeypatch):
    real_post = sending.post

    def post_then_die(*args, **kwargs):
        real_post(*args, **kwargs)  # the receiver got it; the answer is never recorded
        raise WorkerKilled

    row = queue(subscription)
    with time_machine.travel(START, tick=False) as traveller:
        monkeypatch.setattr(sending, "post", post_then_die)
        with pytest.raises(WorkerKilled):
            deliver(row.pk)
        monkeypatch.setattr(sending, "post", real_post)
        assert reload(row).status == DeliveryStatus.SENDING
        # The broker hands the unacknowledged task to another worker: the claim stops it.
        assert deliver(row.pk) == "skipped"
        traveller.shift(5 * MINUTE)
        assert deliver_pending() == {"reclaimed": 0}  # maybe still sending: left alone

        traveller.shift(6 * MINUTE)
        assert deliver_pending() == {"reclaimed": 1, "delivered": 1}
    row = reload(row)
    assert row.status == DeliveryStatus.DELIVERED
    assert row.attempts == 2
    interrupted, delivered = row.attempt_log.all()
    assert "worker stopped" in interrupted.error
    assert interrupted.attempted_at == START
    assert delivered.status_code == 200
    # Posted twice with the same id: the receiver drops the second.
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["X-OpsDesk-Delivery"] == second.headers["X-OpsDesk-Delivery"]


def test_a_stuck_delivery_out_of_attempts_fails_when_reclaimed(subscription):
    row = queue(subscription)
    Delivery.objects.filter(pk=row.pk).update(
        status=DeliveryStatus.SENDING,
        attempts=sending.MAX_ATTEMPTS,
        claimed_at=START - dt.timedelta(minutes=30),
    )
    with time_machine.travel(START, tick=False):
        assert deliver_pending() == {"reclaimed": 1}
    row = reload(row)
    assert row.status == DeliveryStatus.FAILED
    assert "worker stopped" in row.last_error


def test_deliver_pending_posts_due_deliveries_and_leaves_the_rest(receiver, subscription):
    due = queue(subscription)
    later = queue(subscription)
    done = queue(subscription)
    Delivery.objects.filter(pk=later.pk).update(next_attempt_at=START + dt.timedelta(hours=1))
    Delivery.objects.filter(pk=done.pk).update(status=DeliveryStatus.DELIVERED)
    with time_machine.travel(START, tick=False):
        assert deliver_pending() == {"reclaimed": 0, "delivered": 1}
    assert [r.headers["X-OpsDesk-Delivery"] for r in receiver.requests] == [str(due.event_id)]
    assert reload(later).status == DeliveryStatus.PENDING


def test_deliver_pending_stops_at_its_batch_size(receiver, subscription):
    for _ in range(3):
        queue(subscription)
    sending.deliver_due(batch=2)
    assert len(receiver.requests) == 2
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 1


def test_a_failed_delivery_can_be_sent_again_once_the_receiver_is_fixed(
    receiver, subscription, django_capture_on_commit_callbacks, webhook_deliveries
):
    receiver.answer(404, 200)
    row = queue(subscription)
    deliver(row.pk)
    assert reload(row).status == DeliveryStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        assert redeliver(row)
    assert webhook_deliveries == [row.pk]
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)
    assert deliver(row.pk) == "delivered"
    assert [a.status_code for a in reload(row).attempt_log.all()] == [404, 200]


def test_only_failed_deliveries_are_sent_again(subscription, webhook_deliveries):
    row = queue(subscription)
    assert not redeliver(row)  # still pending
    Delivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.DELIVERED)
    assert not redeliver(reload(row))
    assert reload(row).status == DeliveryStatus.DELIVERED
