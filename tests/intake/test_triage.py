"""A vendor's mailbox serves several hospitals: a mail belongs to the sender's hospital's
contract with the vendor, and what cannot be filed on its own waits in the dispatcher's
triage list, to be filed for the caller, added to a ticket, or dismissed with a reason,
on the page and through the API alike."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from contracts.models import Contract, Membership, ServiceClass
from intake import mail
from intake.models import Mailbox, Outcome, Security, TriageEntry, TriageReason, TriageState
from tests.api.conftest import token_client
from tests.conftest import login
from tests.factories import demo_user
from tests.intake.messages import plain
from tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db

NOW = "2026-09-15 10:00 +08:00"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def vendor_mailbox(demo, frozen) -> Mailbox:
    """南粤医信's one mailbox for its three hospitals (ZJ, YN, GZ); YN's level 3 is the
    e-mail default. Never polled here: messages are handed in as the poller would."""
    ServiceClass.objects.filter(contract__code="yn-his", level=3).update(is_inbound_default=True)
    return Mailbox.objects.create(
        name="南粤医信服务台",
        vendor=demo["yn-his"].vendor,
        address="service@nanyue.test",
        host="127.0.0.1",
        port=1143,
        security=Security.PLAIN,
        username="service",
        password="secret",
    )


_uids = iter(range(1, 10_000))


def arrive(mailbox: Mailbox, raw: bytes, *, minutes_ago: int = 0):
    """The message as the poller hands it over: claimed, then processed."""
    uid = next(_uids)
    token = mail.claim(mailbox=mailbox, uidvalidity=1, uid=uid)
    received = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return mail.process_message(
        mailbox=mailbox, uidvalidity=1, uid=uid, token=token, raw=raw, received_at=received
    )


def test_a_vendor_mailbox_files_under_the_senders_hospitals_contract(vendor_mailbox):
    handled = arrive(
        vendor_mailbox,
        plain("yn-reporter@opsdesk.local", subject="HIS 门诊挂号打不开", body="白屏"),
        minutes_ago=45,
    )

    assert handled.outcome == Outcome.TICKET
    ticket = handled.ticket
    assert ticket.contract.code == "yn-his"
    assert ticket.system.code == "HIS"
    assert ticket.service_class.level == 3
    assert ticket.created_at == timezone.now() - dt.timedelta(minutes=45)
    # Over 30 minutes late: the poller says why, as the rule for back-dated reports wants.
    assert "09:15" in ticket.backdate_reason  # when the mail arrived


def test_a_mail_older_than_the_back_dating_limit_is_filed_now_with_a_note(vendor_mailbox):
    hours = Contract.objects.get(code="yn-his").backdating_limit_hours
    handled = arrive(
        vendor_mailbox,
        plain("yn-reporter@opsdesk.local", subject="HIS 故障", body="打不开"),
        minutes_ago=hours * 60 + 5,
    )

    assert handled.ticket.created_at == timezone.now()
    arrived = timezone.localtime(timezone.now() - dt.timedelta(minutes=hours * 60 + 5))
    assert arrived.strftime("%Y-%m-%d %H:%M") in handled.ticket.description


def test_a_sender_of_two_hospitals_of_the_vendor_is_triaged_as_ambiguous(vendor_mailbox, demo):
    reporter = demo_user("yn-reporter")
    Membership.objects.create(
        user=reporter, organization=demo["zj-einvoice"].hospital, role="reporter"
    )

    handled = arrive(vendor_mailbox, plain(reporter.email, subject="HIS 故障", body="打不开"))

    assert handled.outcome == Outcome.TRIAGE
    entry = TriageEntry.objects.get()
    assert entry.reason == TriageReason.AMBIGUOUS_CONTRACT
    assert "yn-his" in entry.detail and "zj-einvoice" in entry.detail


def test_a_contract_without_an_e_mail_default_level_sends_the_mail_to_triage(vendor_mailbox):
    handled = arrive(
        vendor_mailbox, plain("zj-reporter@opsdesk.local", subject="票据打印失败", body="报错")
    )

    assert TriageEntry.objects.get().reason == TriageReason.NO_DEFAULT_LEVEL
    assert handled.outcome == Outcome.TRIAGE
    assert not Ticket.objects.exists()


def test_a_reply_about_a_ticket_its_sender_may_not_comment_on_goes_to_triage(vendor_mailbox):
    filed = arrive(vendor_mailbox, plain("yn-reporter@opsdesk.local", subject="HIS 故障", body="x"))
    number = filed.ticket.number

    # Another hospital's reporter answers it (a forwarded thread, a guessed number).
    arrive(vendor_mailbox, plain("zj-reporter@opsdesk.local", subject=f"Re: [{number}]", body="?"))

    entry = TriageEntry.objects.get()
    assert entry.reason == TriageReason.MAY_NOT_COMMENT
    assert not filed.ticket.events.filter(action="tickets.ticket.commented").exists()


@pytest.fixture
def entry(vendor_mailbox) -> TriageEntry:
    """A mail from someone the desk does not know yet: a new IT colleague at 郁南."""
    arrive(
        vendor_mailbox,
        plain("new.colleague@yn-hospital.test", subject="PACS 影像调阅很慢", body="从早上开始"),
        minutes_ago=50,
    )
    return TriageEntry.objects.get()


def _file_fields(**overrides) -> dict:
    contract = Contract.objects.get(code="yn-his")
    fields = {
        "contract": contract,
        "system": contract.systems.get(code="PACS"),
        "service_class": contract.service_classes.get(level=2),
        "caller": demo_user("yn-it"),
        "backdate_reason": "邮件发到了服务台，午休后才看到",
    }
    return {**fields, **overrides}


def test_the_dispatcher_files_a_triaged_mail_for_the_caller_from_its_arrival(entry):
    from intake import triage

    assert entry.reason == TriageReason.UNKNOWN_SENDER
    dispatcher = demo_user("ny-dispatcher")
    ticket = triage.file_from_triage(entry=entry, by=dispatcher, **_file_fields())

    assert ticket.channel == Channel.EMAIL
    assert ticket.entered_by == dispatcher
    assert ticket.reporter == demo_user("yn-it")
    assert ticket.created_at == entry.received_at
    assert ticket.title == "PACS 影像调阅很慢"
    entry.refresh_from_db()
    assert (entry.state, entry.ticket, entry.resolved_by) == (TriageState.FILED, ticket, dispatcher)
    assert AuditEntry.objects.filter(action="intake.triage.filed", actor=dispatcher).exists()


def test_filing_a_mail_that_arrived_over_30_minutes_ago_needs_a_reason(entry):
    from intake import triage
    from tickets.errors import TicketError

    with pytest.raises(TicketError) as refused:
        triage.file_from_triage(
            entry=entry, by=demo_user("ny-dispatcher"), **_file_fields(backdate_reason="")
        )
    assert refused.value.code == "invalid"
    entry.refresh_from_db()
    assert entry.state == TriageState.OPEN
    assert not Ticket.objects.exists()


def test_another_vendors_dispatcher_may_not_work_the_entry(entry):
    from intake import triage
    from tickets.errors import TicketError

    with pytest.raises(TicketError) as refused:
        triage.dismiss(entry=entry, by=demo_user("rk-dispatcher"), reason="spam")
    assert refused.value.code == "forbidden"


def test_a_dismissal_needs_a_reason_and_keeps_the_mail(entry):
    from intake import triage
    from tickets.errors import TicketError

    with pytest.raises(TicketError) as refused:
        triage.dismiss(entry=entry, by=demo_user("ny-dispatcher"), reason=" ")
    assert refused.value.code == "invalid"
    triage.dismiss(entry=entry, by=demo_user("ny-dispatcher"), reason="广告邮件")

    entry.refresh_from_db()
    assert (entry.state, entry.resolution_note) == (TriageState.DISMISSED, "广告邮件")
    assert bytes(entry.raw)
    assert AuditEntry.objects.get(action="intake.triage.dismissed").data["note"] == "广告邮件"
    # Handled once: a second action on it is a conflict.
    with pytest.raises(TicketError) as again:
        triage.dismiss(entry=entry, by=demo_user("ny-manager"), reason="重复")
    assert again.value.code == "conflict"


# --- the page ---------------------------------------------------------------------------------


def test_the_triage_page_lists_the_desks_mails_and_not_to_hospital_staff(entry):
    page = login("ny-dispatcher").get(reverse("triage-list"))
    assert page.status_code == 200
    assert "PACS 影像调阅很慢" in page.content.decode()
    assert "new.colleague@yn-hospital.test" in page.content.decode()

    assert login("yn-it").get(reverse("triage-list")).status_code == 403
    assert login("rk-dispatcher").get(reverse("triage-detail", args=[entry.pk])).status_code == 404


def test_the_page_files_the_mail_as_a_ticket(entry):
    client = login("ny-dispatcher")
    detail = client.get(reverse("triage-detail", args=[entry.pk]))
    assert "从早上开始" in detail.content.decode()
    fields = _file_fields()
    form = {
        "contract": fields["contract"].pk,
        "system": fields["system"].pk,
        "service_class": fields["service_class"].pk,
        "caller": fields["caller"].pk,
        "title": "PACS 调阅慢",
        "description": "从早上开始",
    }

    answer = client.post(reverse("triage-file", args=[entry.pk]), form)
    # Over 30 minutes since it arrived and no reason: said on the page, nothing filed.
    assert answer.status_code == 400
    assert "30" in answer.content.decode()
    assert not Ticket.objects.exists()

    answer = client.post(
        reverse("triage-file", args=[entry.pk]), {**form, "backdate_reason": "午休后才看到"}
    )
    ticket = Ticket.objects.get()
    assert answer.status_code == 302 and answer["Location"] == ticket.get_absolute_url()
    assert ticket.title == "PACS 调阅慢"


def test_the_page_adds_the_mail_to_a_ticket_as_a_comment(entry, vendor_mailbox):
    filed = arrive(vendor_mailbox, plain("yn-reporter@opsdesk.local", subject="PACS 慢", body="x"))
    client = login("ny-dispatcher")

    answer = client.post(
        reverse("triage-comment", args=[entry.pk]), {"ticket": filed.ticket.number.lower()}
    )

    assert answer.status_code == 302
    comment = filed.ticket.events.get(action="tickets.ticket.commented")
    assert comment.actor == demo_user("ny-dispatcher")
    assert "new.colleague@yn-hospital.test" in comment.note and "从早上开始" in comment.note


# --- the API ----------------------------------------------------------------------------------


def test_the_api_lists_and_dismisses_triaged_mails(entry):
    client = token_client("ny-dispatcher")

    listed = client.get("/api/v1/triage/")
    assert listed.status_code == 200
    assert [row["subject"] for row in listed.json()] == ["PACS 影像调阅很慢"]
    assert listed.json()[0]["reason"] == TriageReason.UNKNOWN_SENDER

    refused = client.post(f"/api/v1/triage/{entry.pk}/dismiss/", {"reason": ""}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"

    dismissed = client.post(
        f"/api/v1/triage/{entry.pk}/dismiss/", {"reason": "广告"}, format="json"
    )
    assert dismissed.status_code == 200 and dismissed.json()["state"] == TriageState.DISMISSED
    again = client.post(f"/api/v1/triage/{entry.pk}/dismiss/", {"reason": "x"}, format="json")
    assert again.status_code == 409


def test_the_api_files_a_triaged_mail(entry):
    fields = _file_fields()
    answer = token_client("ny-dispatcher").post(
        f"/api/v1/triage/{entry.pk}/file/",
        {
            "contract": "yn-his",
            "system": fields["system"].pk,
            "service_class": fields["service_class"].pk,
            "caller": fields["caller"].pk,
            "backdate_reason": fields["backdate_reason"],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["number"] == Ticket.objects.get().number


def test_the_api_hides_other_vendors_mails_and_refuses_hospital_staff(entry):
    assert token_client("rk-dispatcher").get(f"/api/v1/triage/{entry.pk}/").status_code == 404
    assert token_client("rk-dispatcher").get("/api/v1/triage/").json() == []
    assert token_client("yn-it").get("/api/v1/triage/").status_code == 403
