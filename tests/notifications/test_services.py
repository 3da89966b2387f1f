"""Queuing notifications: who gets a row, in which language, and exactly once."""

from __future__ import annotations

import logging
import threading
import time

import kombu.exceptions
import pytest
from django.db import connection, transaction
from django.utils.translation import gettext, gettext_lazy

from notifications.links import ticket_url
from notifications.models import Notification, NotificationStatus
from notifications.services import notify_channels, notify_people
from notifications.tasks import deliver, deliver_each
from tests.factories import UserFactory
from tests.notifications.factories import ChannelFactory, TicketFactory

pytestmark = pytest.mark.django_db

# A string from Django's own catalogue, so the test does not depend on OpsDesk's .po file.
REQUIRED_EN = "This field is required."
REQUIRED_ZH = "该字段是必填项。"


def people_notice(ticket, recipients, *, dedupe=""):
    return notify_people(
        event="ticket_created",
        ticket=ticket,
        recipients=recipients,
        subject=lambda: f"[{ticket.number}] " + gettext(REQUIRED_EN),
        body=lambda: gettext(REQUIRED_EN),
        dedupe=dedupe,
    )


def test_each_person_reads_the_message_in_their_own_language():
    ticket = TicketFactory()
    chinese = UserFactory(language="zh-hans")
    english = UserFactory(language="en")
    people_notice(ticket, [chinese, english])
    rows = {row.recipient: row for row in Notification.objects.all()}
    assert rows[chinese].subject == f"[{ticket.number}] {REQUIRED_ZH}"
    # Each ends with the ticket's link (notifications.services._render).
    assert rows[chinese].body == f"{REQUIRED_ZH}\n\n{ticket_url(ticket)}"
    assert rows[chinese].language == "zh-hans"
    assert rows[english].body == f"{REQUIRED_EN}\n\n{ticket_url(ticket)}"
    assert rows[english].language == "en"


def test_lazy_strings_are_rendered_in_the_readers_language_too():
    english = UserFactory(language="en")
    ticket = TicketFactory()
    notify_people(
        event="ticket_created",
        ticket=ticket,
        recipients=[english],
        subject=gettext_lazy(REQUIRED_EN),
        body="plain text stays as it is",
    )
    row = Notification.objects.get()
    assert (row.subject, row.body) == (
        REQUIRED_EN,
        f"plain text stays as it is\n\n{ticket_url(ticket)}",
    )


def test_a_person_listed_twice_gets_one_message_and_people_without_address_or_active_account_none():
    ticket = TicketFactory()
    dispatcher = UserFactory()
    no_address = UserFactory(email="")
    departed = UserFactory(is_active=False)
    created = people_notice(ticket, [dispatcher, no_address, dispatcher, departed])
    assert [row.recipient for row in created] == [dispatcher]
    assert Notification.objects.count() == 1


def test_a_subject_is_one_line_however_the_caller_wrote_it():
    notify_people(
        event="ticket_created",
        ticket=TicketFactory(),
        recipients=[UserFactory()],
        subject="line one\nline two",
        body="body",
    )
    assert Notification.objects.get().subject == "line one line two"


def test_queued_messages_wait_pending_and_go_to_the_workers_after_commit(
    django_capture_on_commit_callbacks, enqueued
):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = people_notice(TicketFactory(), [person])
        assert enqueued == []  # nothing leaves before the transaction commits
    row = Notification.objects.get()
    assert row.status == NotificationStatus.PENDING
    assert row.attempts == 0
    assert [r.pk for r in created] == [row.pk]
    for callback in callbacks:
        callback()
    assert enqueued == [row.pk]


def test_a_message_is_not_queued_when_the_fact_is_rolled_back(
    django_capture_on_commit_callbacks, enqueued
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                people_notice(TicketFactory(), [UserFactory()])
                raise RuntimeError("the ticket could not be saved")
        except RuntimeError:
            pass
    assert not Notification.objects.exists()
    assert enqueued == []


def test_the_same_dedupe_key_queues_a_message_once_per_person(
    django_capture_on_commit_callbacks, enqueued
):
    ticket = TicketFactory()
    first, second = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        created = people_notice(ticket, [first], dedupe="clock:12:breach")
        again = people_notice(ticket, [first, second], dedupe="clock:12:breach")
    assert [row.recipient for row in again] == [second]
    keys = sorted(Notification.objects.values_list("dedupe_key", flat=True))
    assert keys == [f"clock:12:breach:user:{first.pk}", f"clock:12:breach:user:{second.pk}"]
    assert enqueued == [created[0].pk, again[0].pk]  # the duplicate is not sent again


def test_messages_without_a_dedupe_key_are_never_merged():
    ticket = TicketFactory()
    person = UserFactory()
    people_notice(ticket, [person])
    people_notice(ticket, [person])
    assert Notification.objects.filter(dedupe_key="").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_queuing_the_same_alarm_at_once_create_one_row():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent inserts against a unique index need PostgreSQL")
    ticket = TicketFactory()
    person = UserFactory()
    first_inserted = threading.Event()
    results: dict[str, list] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            if name == "second":
                first_inserted.wait(5)
            with transaction.atomic():
                # The second worker's insert waits on the first's uncommitted row, then fails
                # on the unique index: its savepoint is rolled back and the row skipped.
                results[name] = people_notice(ticket, [person], dedupe="clock:7:breach")
                if name == "first":
                    first_inserted.set()
                    time.sleep(0.5)
        except BaseException as exc:  # pragma: no cover - surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results["first"]) == 1
    assert results["second"] == []
    assert Notification.objects.filter(dedupe_key=f"clock:7:breach:user:{person.pk}").count() == 1


def test_channels_hear_about_the_events_they_chose_in_simplified_chinese():
    ticket = TicketFactory()
    wants = ChannelFactory(contract=ticket.contract, events=["ticket_created"])
    ChannelFactory(contract=ticket.contract, events=["clock_breached"])
    ChannelFactory(contract=ticket.contract, events=["ticket_created"], is_active=False)
    ChannelFactory(events=["ticket_created"])  # another contract's channel
    created = notify_channels(
        event="ticket_created",
        ticket=ticket,
        subject=lambda: gettext(REQUIRED_EN),
        body=lambda: gettext(REQUIRED_EN),
        dedupe=f"ticket:{ticket.pk}:created",
    )
    assert [row.channel for row in created] == [wants]
    row = created[0]
    assert (row.subject, row.body, row.language) == (
        REQUIRED_ZH,
        f"{REQUIRED_ZH}\n\n{ticket_url(ticket)}",
        "zh-hans",
    )
    assert row.recipient is None
    assert row.dedupe_key == f"ticket:{ticket.pk}:created:channel:{wants.pk}"


def test_a_broken_broker_does_not_break_the_caller(
    monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broker_down(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to redis:6379.")

    monkeypatch.setattr(deliver, "delay", broker_down)
    monkeypatch.setattr(deliver_each, "delay", broker_down)
    ticket = TicketFactory()
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        created = people_notice(ticket, [UserFactory(), UserFactory()])
    assert len(created) == 2
    assert set(Notification.objects.values_list("status", flat=True)) == {"pending"}
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("deliver_pending will send them" in r.getMessage() for r in warnings)


def test_the_messages_one_transaction_queues_go_to_the_broker_together(
    monkeypatch, django_capture_on_commit_callbacks
):
    """One message through the broker for a filing's two or three notifications, not one
    each; a single one goes as before."""
    handed: list = []
    monkeypatch.setattr(deliver, "delay", lambda pk: handed.append(pk))
    monkeypatch.setattr(deliver_each, "delay", lambda pks: handed.append(list(pks)))
    ticket = TicketFactory()
    with django_capture_on_commit_callbacks(execute=True):
        several = people_notice(ticket, [UserFactory(), UserFactory(), UserFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        [alone] = people_notice(ticket, [UserFactory()])
    assert handed == [[row.pk for row in several], alone.pk]
