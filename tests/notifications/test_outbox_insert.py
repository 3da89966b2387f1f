"""opsdesk.outbox.insert_once: a fact's rows go in with one INSERT, and a key taken by a
concurrent transaction between the check and the INSERT is still skipped, not an error."""

from __future__ import annotations

import pytest

from notifications.models import Notification
from opsdesk.outbox import insert_once
from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory, TicketFactory

pytestmark = pytest.mark.django_db


def row(ticket, person, key: str) -> Notification:
    return Notification(
        event="ticket_created",
        ticket=ticket,
        recipient=person,
        language="zh-hans",
        subject="新工单",
        body="…",
        dedupe_key=key,
    )


def test_fresh_keys_go_in_with_one_insert_and_taken_ones_are_skipped(
    django_assert_num_queries,
):
    ticket = TicketFactory()
    people = UserFactory.create_batch(3)
    NotificationFactory(ticket=ticket, recipient=people[0], dedupe_key="t:1:created:user:a")
    rows = [
        row(ticket, people[0], "t:1:created:user:a"),
        row(ticket, people[1], "t:1:created:user:b"),
        row(ticket, people[2], "t:1:created:user:c"),
        row(ticket, people[2], ""),
    ]
    # The unkeyed row, the check of the keys, then savepoint, INSERT, release.
    with django_assert_num_queries(5):
        created = insert_once(Notification, rows)
    assert [r.dedupe_key for r in created] == ["", "t:1:created:user:b", "t:1:created:user:c"]
    assert all(r.pk for r in created)
    assert Notification.objects.filter(dedupe_key__startswith="t:1:").count() == 3


def test_a_key_taken_after_the_check_is_skipped_row_by_row(monkeypatch):
    """As when another transaction inserts the key between the check and the INSERT."""
    ticket = TicketFactory()
    first, second = UserFactory.create_batch(2)
    NotificationFactory(ticket=ticket, recipient=first, dedupe_key="t:2:created:user:a")
    real_filter = Notification.objects.filter
    calls = []

    def blind_first_check(*args, **kwargs):
        calls.append(kwargs)
        found = real_filter(*args, **kwargs)
        return found.none() if len(calls) == 1 else found

    monkeypatch.setattr(Notification.objects, "filter", blind_first_check)
    created = insert_once(
        Notification,
        [row(ticket, first, "t:2:created:user:a"), row(ticket, second, "t:2:created:user:b")],
    )
    monkeypatch.undo()
    assert [r.dedupe_key for r in created] == ["t:2:created:user:b"]
    assert created[0].pk == Notification.objects.get(dedupe_key="t:2:created:user:b").pk
    assert Notification.objects.filter(dedupe_key="t:2:created:user:a").count() == 1


def test_the_same_key_twice_in_one_batch_is_queued_once():
    ticket = TicketFactory()
    person = UserFactory()
    created = insert_once(
        Notification, [row(ticket, person, "t:3:x"), row(ticket, person, "t:3:x")]
    )
    assert len(created) == 1
    assert Notification.objects.filter(dedupe_key="t:3:x").count() == 1
