"""The dispatcher works the e-mail triage list on a phone: reads a mail the poller could not
file and files it for the hospital's caller. Screenshots land in var/screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contracts.models import Contract
from intake import mail
from intake.models import Mailbox, Security, TriageEntry
from tests.browser import shot, signed_in
from tests.intake.messages import html_only
from tickets.models import Channel, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_ADDRESS = "xinxike.zhangsan.tongzhi.longaddress@yunan-county-peoples-hospital.example.cn"


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_the_dispatcher_files_a_triaged_mail_on_a_phone(browser, live_server, demo):
    mailbox = Mailbox.objects.create(
        name="南粤医信服务台",
        vendor=demo["yn-his"].vendor,
        address="service@nanyue.test",
        host="127.0.0.1",
        security=Security.PLAIN,
        username="service",
        password="secret",
    )
    token = mail.claim(mailbox=mailbox, uidvalidity=1, uid=1)
    mail.process_message(
        mailbox=mailbox,
        uidvalidity=1,
        uid=1,
        token=token,
        raw=html_only(
            LONG_ADDRESS,
            subject="PACS影像调阅很慢，放射科所有工作站都受影响，请尽快安排工程师",
            html="<p>从早上八点开始，PACS 调阅一张 CT 需要两分钟以上。</p><script>x()</script>",
        ),
        received_at=timezone.now() - dt.timedelta(minutes=10),
    )
    entry = TriageEntry.objects.get()

    page = signed_in(browser, live_server, "ny-dispatcher", phone=True)
    page.goto(f"{live_server.url}/intake/triage/")
    assert "PACS影像调阅很慢" in page.locator(".triage-entry").first.inner_text()
    _no_sideways_scroll(page)
    shot(page, "intake-triage-list-phone")

    page.click(".triage-subject")
    page.select_option("select[name=contract]", str(Contract.objects.get(code="yn-his").pk))
    page.click("#file form[method=get] button")
    contract = Contract.objects.get(code="yn-his")
    page.select_option("select[name=system]", str(contract.systems.get(code="PACS").pk))
    page.select_option("select[name=service_class]", str(contract.sla_row(level=2).pk))
    page.select_option("select[name=caller]", label="李明")
    _no_sideways_scroll(page)
    shot(page, "intake-triage-detail-phone")
    page.click("#file button[type=submit]")
    page.wait_for_selector(".countdown")

    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.entered_by.username) == (Channel.EMAIL, "ny-dispatcher")
    assert ticket.created_at == entry.received_at
    assert "x()" not in ticket.description

    desktop = signed_in(browser, live_server, "ny-dispatcher")
    desktop.goto(f"{live_server.url}/intake/triage/?state=filed")
    shot(desktop, "intake-triage-list-desktop")
    desktop.goto(f"{live_server.url}/intake/triage/{entry.pk}/")
    shot(desktop, "intake-triage-detail-desktop")
