"""Delivering the outbox: claim, send, retry with backoff, give up, pick up what was left."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from notifications import channels, delivery
from notifications.channels import DeliveryError
from notifications.models import Notification, NotificationStatus
from notifications.tasks import deliver, deliver_each, deliver_pending
from tests.factories import UserFactory
from tests.notifications.factories import ChannelFactory, NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_down(monkeypatch):
    def fail(**kwargs):
        raise DeliveryError(
            "E-mail not sent: SMTPServerDisconnected: Connection unexpectedly closed"
        )

    monkeypatch.setattr(channels, "send_email", fail)


def reload(row: Notification) -> Notification:
    return Notification.objects.get(pk=row.pk)


def test_deliver_sends_the_mail_and_marks_the_message_sent(mailoutbox):
    person = UserFactory(email="li.ming@yn-hospital.cn")
    row = NotificationFactory(recipient=person, subject="[T-1] 新工单", body="正文")
    assert deliver(row.pk) == "sent"
    [mail] = mailoutbox
    assert (mail.to, mail.subject, mail.body) == (
        ["li.ming@yn-hospital.cn"],
        "[T-1] 新工单",
        "正文",
    )
    row = reload(row)
    assert row.status == NotificationStatus.SENT
    assert row.sent_at is not None
    assert row.attempts == 1


def test_a_second_deliver_of_the_same_message_does_nothing(mailoutbox):
    row = NotificationFactory()
    deliver(row.pk)
    assert deliver(row.pk) == "skipped"
    assert len(mailoutbox) == 1
    assert reload(row).attempts == 1


def test_a_message_claimed_by_another_worker_is_left_to_it(mailoutbox):
    row = NotificationFactory(status=NotificationStatus.SENDING, claimed_at=timezone.now())
    assert deliver(row.pk) == "skipped"
    assert mailoutbox == []


def test_a_message_waiting_for_its_next_attempt_is_not_sent_early(mailoutbox):
    row = NotificationFactory(next_attempt_at=timezone.now() + dt.timedelta(minutes=4))
    assert deliver(row.pk) == "skipped"
    assert mailoutbox == []
    assert reload(row).status == NotificationStatus.PENDING


def test_a_deleted_message_is_skipped_quietly():
    assert deliver(987654) == "skipped"


def test_a_failing_sender_leaves_the_message_pending_for_a_later_attempt(smtp_down, caplog):
    row = NotificationFactory()
    before = timezone.now()
    with caplog.at_level(logging.WARNING):
        assert deliver(row.pk) == "retry"
    row = reload(row)
    assert row.status == NotificationStatus.PENDING
    assert row.attempts == 1
    assert "SMTPServerDisconnected" in row.last_error
    assert row.next_attempt_at >= before + dt.timedelta(minutes=1)
    assert row.claimed_at is None
    assert f"Notification {row.pk}" in caplog.text


def test_an_unexpected_error_is_recorded_like_any_failure_and_not_raised(monkeypatch):
    def crash(**kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(channels, "send_email", crash)
    row = NotificationFactory()
    assert deliver(row.pk) == "retry"
    assert "KeyError" in reload(row).last_error


def test_retries_back_off_1_2_4_minutes_and_so_on_up_to_an_hour():
    waits = [delivery.backoff(attempt) for attempt in range(1, 10)]
    assert [int(wait.total_seconds() // 60) for wait in waits] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_after_eight_attempts_the_message_fails_for_good(smtp_down):
    row = NotificationFactory(attempts=delivery.MAX_ATTEMPTS - 1)
    assert deliver(row.pk) == "failed"
    row = reload(row)
    assert row.status == NotificationStatus.FAILED
    assert row.attempts == delivery.MAX_ATTEMPTS


def test_messages_that_can_never_be_sent_fail_at_once():
    no_address = NotificationFactory(recipient=UserFactory(email=""))
    switched_off = NotificationFactory(recipient=None, channel=ChannelFactory(is_active=False))
    for row in (no_address, switched_off):
        assert deliver(row.pk) == "failed"
        assert reload(row).attempts == 1


def test_an_email_channel_mails_every_address(mailoutbox):
    channel = ChannelFactory(kind="email", webhook_url="", email_to="it@a.cn，duty@a.cn; boss@a.cn")
    row = NotificationFactory(recipient=None, channel=channel)
    deliver(row.pk)
    assert mailoutbox[0].to == ["it@a.cn", "duty@a.cn", "boss@a.cn"]


def test_deliver_pending_sends_due_messages_and_leaves_the_rest(mailoutbox):
    due = NotificationFactory(subject="due")
    later = NotificationFactory(
        subject="later", next_attempt_at=timezone.now() + dt.timedelta(hours=1)
    )
    sent = NotificationFactory(subject="sent", status=NotificationStatus.SENT)
    failed = NotificationFactory(subject="failed", status=NotificationStatus.FAILED)
    report = deliver_pending()
    assert [mail.subject for mail in mailoutbox] == ["due"]
    assert report["sent"] == 1
    assert reload(due).status == NotificationStatus.SENT
    assert reload(later).status == NotificationStatus.PENDING
    assert reload(sent).attempts == reload(failed).attempts == 0


def test_deliver_pending_takes_back_messages_a_dead_worker_left_sending(mailoutbox):
    now = timezone.now()
    stuck = NotificationFactory(
        subject="stuck",
        status=NotificationStatus.SENDING,
        attempts=1,
        claimed_at=now - dt.timedelta(minutes=11),
    )
    busy = NotificationFactory(
        subject="busy",
        status=NotificationStatus.SENDING,
        attempts=1,
        claimed_at=now - dt.timedelta(minutes=2),
    )
    hopeless = NotificationFactory(
        subject="hopeless",
        status=NotificationStatus.SENDING,
        attempts=delivery.MAX_ATTEMPTS,
        claimed_at=now - dt.timedelta(minutes=30),
    )
    report = deliver_pending()
    assert report["reclaimed"] == 2
    assert [mail.subject for mail in mailoutbox] == ["stuck"]
    assert reload(stuck).status == NotificationStatus.SENT
    assert reload(stuck).attempts == 2
    assert reload(busy).status == NotificationStatus.SENDING  # still within its worker's time
    assert reload(hopeless).status == NotificationStatus.FAILED
    assert "worker stopped" in reload(hopeless).last_error


def test_deliver_pending_stops_at_its_batch_size(mailoutbox):
    for _ in range(3):
        NotificationFactory()
    delivery.deliver_due(batch=2)
    assert len(mailoutbox) == 2
    assert Notification.objects.filter(status=NotificationStatus.PENDING).count() == 1


def test_deliver_each_sends_each_row_on_its_own_and_one_failure_stops_none(mailoutbox, monkeypatch):
    """The task a transaction's several notifications go to the workers with: each claimed,
    sent or failed (and then retried by deliver_pending) as deliver() would."""
    first, failing, last = (
        NotificationFactory(recipient=UserFactory(email=f"p{n}@yn-hospital.cn")) for n in range(3)
    )
    real_send = channels.send_email

    def send_email(**kwargs):
        if kwargs["to"] == ["p1@yn-hospital.cn"]:
            raise DeliveryError("E-mail not sent: SMTPServerDisconnected")
        return real_send(**kwargs)

    monkeypatch.setattr(channels, "send_email", send_email)
    assert deliver_each([first.pk, failing.pk, last.pk, 987654]) == [
        "sent",
        "retry",
        "sent",
        "skipped",
    ]
    assert reload(failing).status == NotificationStatus.PENDING
    assert len(mailoutbox) == 2
