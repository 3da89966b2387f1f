"""Notification mails thread back: a stable Message-ID naming the ticket, the inbound mailbox
of the ticket's contract (or its vendor) as Reply-To, the ticket number in the subject."""

from __future__ import annotations

import pytest

from intake.models import Mailbox, Security
from notifications.tasks import deliver
from notifications.threading import message_id_for, ticket_id_from
from tests.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def _mailbox(**binding) -> Mailbox:
    return Mailbox.objects.create(
        name="desk",
        host="imap.example.org",
        security=Security.TLS,
        username="desk",
        password="secret",
        **binding,
    )


def test_a_notification_mail_carries_our_message_id_and_the_contracts_reply_to(
    mailoutbox, settings
):
    settings.MAIL_MESSAGE_ID_DOMAIN = "opsdesk.example.org"
    row = NotificationFactory(recipient=UserFactory(email="li.ming@yn-hospital.cn"))
    contract = row.ticket.contract
    _mailbox(vendor=contract.vendor, address="desk@vendor.example.org")
    _mailbox(contract=contract, address="his-faults@vendor.example.org")

    deliver(row.pk)

    [sent] = mailoutbox
    message_id = sent.extra_headers["Message-ID"]
    assert message_id == f"<opsdesk.n{row.pk}.t{row.ticket_id}@opsdesk.example.org>"
    assert ticket_id_from(message_id) == row.ticket_id
    # The contract's own mailbox wins over its vendor's.
    assert sent.reply_to == ["his-faults@vendor.example.org"]
    assert sent.message()["Message-ID"] == message_id


def test_without_a_contract_mailbox_replies_go_to_the_vendors(mailoutbox):
    row = NotificationFactory(recipient=UserFactory(email="li.ming@yn-hospital.cn"))
    _mailbox(vendor=row.ticket.contract.vendor, address="desk@vendor.example.org")

    deliver(row.pk)

    assert mailoutbox[0].reply_to == ["desk@vendor.example.org"]


def test_without_any_mailbox_there_is_no_reply_to(mailoutbox):
    row = NotificationFactory(recipient=UserFactory(email="li.ming@yn-hospital.cn"))
    deliver(row.pk)
    assert mailoutbox[0].reply_to == []


def test_only_our_own_message_ids_name_a_ticket(settings):
    settings.MAIL_MESSAGE_ID_DOMAIN = "opsdesk.example.org"
    assert ticket_id_from(message_id_for(5, 42)) == 42
    assert ticket_id_from("<opsdesk.n5.t42@elsewhere.example>") is None
    assert ticket_id_from("<CAF+abc@mail.gmail.com>") is None
