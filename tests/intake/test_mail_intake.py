"""E-mail in, against a real IMAP server (Dovecot on loopback): messages delivered into the
mailbox become tickets, comments or triage entries, each exactly once, whatever the pollers do."""

from __future__ import annotations

import datetime as dt
import threading

from django.db import connection
from django.utils import timezone

from intake import mail
from intake.mail_poll import poll_all, poll_mailbox
from intake.models import ClaimState, InboundMessage, Outcome, TriageEntry, TriageReason
from intake.tasks import poll_mailboxes
from tests.intake.messages import gbk_report_with_screenshot, html_only, plain
from tickets.models import Channel, Event, Ticket


def test_a_gbk_mail_with_an_encoded_subject_and_file_name_becomes_a_ticket(desk):
    arrived = timezone.now() - dt.timedelta(minutes=5)
    desk.deliver(
        gbk_report_with_screenshot(
            desk.reporter.email,
            subject="HIS 门诊挂号无法打开（镕）",
            body="门诊挂号界面点击后白屏，已重启电脑。镕字是 GBK 才有的。",
            filename="报错截图镕.png",
        ),
        arrived=arrived,
    )

    assert poll_mailbox(desk.mailbox) == {Outcome.TICKET: 1}

    ticket = Ticket.objects.get()
    assert ticket.title == "HIS 门诊挂号无法打开（镕）"
    assert ticket.description == "门诊挂号界面点击后白屏，已重启电脑。镕字是 GBK 才有的。"
    assert ticket.channel == Channel.EMAIL
    assert ticket.reporter == desk.reporter
    assert ticket.entered_by is None
    assert ticket.service_class == desk.level
    assert ticket.system == desk.system
    # Every clock counts from when the mail reached the mailbox (IMAP INTERNALDATE).
    assert abs(ticket.created_at - arrived.replace(microsecond=0)) < dt.timedelta(seconds=1)
    (attachment,) = ticket.attachments.all()
    assert attachment.original_name == "报错截图镕.png"
    assert attachment.file.read() == b"PNG-bytes-of-a-screenshot"
    # Handled messages are marked \Seen, so the next poll does not fetch them again.
    assert b"\\Seen" in desk.dovecot.flags(desk.mailbox.username)[0]
    assert poll_mailbox(desk.mailbox) == {}


def test_a_reply_carrying_the_ticket_number_becomes_the_reporters_comment(desk):
    desk.deliver(plain(desk.reporter.email, subject="HIS 报错", body="挂号打不开"))
    poll_mailbox(desk.mailbox)
    ticket = Ticket.objects.get()

    desk.deliver(
        plain(
            desk.reporter.email.upper(),
            subject=f"Re: [{ticket.number.lower()}] HIS 报错",
            body="重启后仍然白屏。\n\n在 2026年12月6日 09:12，OpsDesk 写道：\n> 已受理\n",
        )
    )
    assert poll_mailbox(desk.mailbox) == {Outcome.COMMENT: 1}

    comment = Event.objects.get(ticket=ticket, action="tickets.ticket.commented")
    assert comment.actor == desk.reporter
    assert comment.note == "重启后仍然白屏。"  # the quoted original trimmed
    assert Ticket.objects.count() == 1


def test_a_reply_naming_our_message_id_is_a_comment_even_without_the_number(desk, settings):
    from notifications.threading import message_id_for

    desk.deliver(plain(desk.reporter.email, subject="HIS 报错", body="挂号打不开"))
    poll_mailbox(desk.mailbox)
    ticket = Ticket.objects.get()
    ours = message_id_for(41, ticket.pk)

    desk.deliver(
        plain(
            desk.reporter.email,
            subject="回复: 好的",
            body="谢谢，已恢复。",
            headers=f"In-Reply-To: {ours}\r\nReferences: {ours}\r\n",
        )
    )
    assert poll_mailbox(desk.mailbox) == {Outcome.COMMENT: 1}
    assert Event.objects.get(ticket=ticket, action="tickets.ticket.commented").note == (
        "谢谢，已恢复。"
    )


def test_an_unknown_sender_lands_in_triage_with_the_mail_kept(desk):
    desk.deliver(plain("stranger@elsewhere.test", subject="HIS 坏了", body="请处理"))

    assert poll_mailbox(desk.mailbox) == {Outcome.TRIAGE: 1}

    entry = TriageEntry.objects.get()
    assert entry.reason == TriageReason.UNKNOWN_SENDER
    assert entry.sender == "stranger@elsewhere.test"
    assert entry.subject == "HIS 坏了"
    assert entry.body == "请处理"
    assert b"stranger@elsewhere.test" in bytes(entry.raw)
    assert entry.contract == desk.contract
    assert not Ticket.objects.exists()


def test_an_unparsable_message_lands_in_triage_with_the_reason(desk):
    desk.deliver(b"this is not a mail at all\r\nno headers, no sender\r\n")

    assert poll_mailbox(desk.mailbox) == {Outcome.TRIAGE: 1}

    entry = TriageEntry.objects.get()
    assert entry.reason == TriageReason.UNPARSABLE
    assert "From" in entry.detail  # "The message has no sender address (From)."
    assert bytes(entry.raw).startswith(b"this is not a mail")


def test_an_html_only_mail_is_filed_as_text_without_markup_or_scripts(desk):
    desk.deliver(
        html_only(
            desk.reporter.email,
            subject="HIS 故障",
            html=(
                "<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
                "<body><p>挂号&nbsp;白屏</p><div>请尽快&lt;处理&gt;</div>"
                "<img src=x onerror=alert(1)></body></html>"
            ),
        )
    )
    poll_mailbox(desk.mailbox)

    assert Ticket.objects.get().description == "挂号 白屏\n\n请尽快<处理>"


def test_two_pollers_at_once_file_each_message_exactly_once(desk):
    for n in range(6):
        desk.deliver(plain(desk.reporter.email, subject=f"HIS 报错 {n}", body=f"第 {n} 台"))
    start = threading.Barrier(2)
    errors = []

    def poller():
        try:
            start.wait()
            poll_mailboxes()  # the beat task, as two Celery workers would run it
        except Exception as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(Ticket.objects.values_list("title", flat=True)) == [
        f"HIS 报错 {n}" for n in range(6)
    ]
    assert InboundMessage.objects.filter(state=ClaimState.DONE).count() == 6


def test_a_claim_left_by_a_killed_worker_is_taken_over_once_its_lease_runs_out(desk):
    desk.deliver(plain(desk.reporter.email, subject="HIS 报错", body="挂号打不开"))
    client = __import__("intake.mail_poll", fromlist=["connect"]).connect(desk.mailbox)
    from intake.mail_poll import uidvalidity

    validity = uidvalidity(client)
    client.logout()
    # A worker claimed UID 1 and died before filing it.
    claimed_at = timezone.now() - mail.LEASE + dt.timedelta(minutes=1)
    assert mail.claim(mailbox=desk.mailbox, uidvalidity=validity, uid=1, now=claimed_at)

    # While its lease runs, the message is left to it.
    assert poll_mailbox(desk.mailbox) == {"skipped": 1}
    assert not Ticket.objects.exists()

    # Once it has run out, the next poll takes it over and files it, once.
    InboundMessage.objects.update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    assert poll_mailbox(desk.mailbox) == {Outcome.TICKET: 1}
    assert poll_mailbox(desk.mailbox) == {}
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.get().attempts == 2


def test_a_worker_whose_lease_was_taken_over_files_nothing(desk):
    desk.deliver(plain(desk.reporter.email, subject="HIS 报错", body="挂号打不开"))
    now = timezone.now()
    slow = mail.claim(mailbox=desk.mailbox, uidvalidity=7, uid=1, now=now - mail.LEASE * 2)
    fresh = mail.claim(mailbox=desk.mailbox, uidvalidity=7, uid=1, now=now)
    raw = plain(desk.reporter.email, subject="HIS 报错", body="挂号打不开")

    assert (
        mail.process_message(
            mailbox=desk.mailbox, uidvalidity=7, uid=1, token=slow, raw=raw, received_at=now
        )
        is None
    )
    assert mail.process_message(
        mailbox=desk.mailbox, uidvalidity=7, uid=1, token=fresh, raw=raw, received_at=now
    )
    assert Ticket.objects.count() == 1


def test_a_refused_attachment_is_named_in_a_comment_not_dropped(desk):
    raw = (
        f"From: {desk.reporter.email}\r\nSubject: HIS 报错\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n"
        "--b\r\nContent-Type: application/octet-stream\r\n"
        'Content-Disposition: attachment; filename="fix.exe"\r\n\r\nMZ\r\n'
        "--b\r\nContent-Type: text/plain\r\n"
        'Content-Disposition: attachment; filename="his.log"\r\n\r\nERROR 42\r\n--b--\r\n'
    ).encode()  # the subject as raw 8-bit UTF-8, as some clients send it
    desk.deliver(raw)

    assert poll_mailbox(desk.mailbox) == {Outcome.TICKET: 1}

    ticket = Ticket.objects.get()
    assert ticket.title == "HIS 报错"
    assert [a.original_name for a in ticket.attachments.all()] == ["his.log"]
    note = Event.objects.get(ticket=ticket, action="tickets.ticket.commented").note
    assert "fix.exe" in note


def test_a_mailbox_that_cannot_be_read_is_recorded_and_the_others_still_polled(desk):
    from intake.models import Mailbox

    broken = Mailbox.objects.create(
        name="wrong password",
        contract=desk.contract,
        address="other@vendor.test",
        host="127.0.0.1",
        port=desk.dovecot.port,
        security="plain",
        username=desk.mailbox.username,
        password="not-the-password",
    )
    desk.deliver(plain(desk.reporter.email, subject="HIS 报错", body="挂号打不开"))

    counts = poll_all()

    assert counts["failed"] == 1 and counts[Outcome.TICKET] == 1
    broken.refresh_from_db()
    assert broken.last_polled_at is not None
    assert "not-the-password" not in broken.last_error and broken.last_error


def test_the_mailboxes_are_polled_every_minute_from_beat():
    from opsdesk.celery import app

    schedules = [entry for entry in app.conf.beat_schedule.values()]
    assert {"task": poll_mailboxes.name, "schedule": 60.0} in schedules
