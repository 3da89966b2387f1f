"""The world the security tests attack: the five demo contracts, and for four of them a full
set of records that only the contract's two parties may ever see.

Every record of a tenant carries the same made-up patient's name (外院患者张三 …), the kind of
detail a ward nurse types into a ticket, so a leak anywhere (a page, a JSON body, a CSV cell,
an error message) is found by searching the answer for that name.

Everything is made through the services the portal and the API use, as a hospital and its
vendor would make it; only the two PDFs are stored directly (their content is not under
test here, and rendering them would take seconds).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock
from urllib.parse import quote

import time_machine
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from api.tokens import issue_token
from contracts.demo.loader import load_demo
from contracts.models import (
    Contract,
    ContractSystem,
    CoveredSystem,
    Membership,
    Organization,
    ServiceClass,
)
from inspections import services as inspections
from inspections.models import Inspection, InspectionReport, InspectionResult, InspectionRule
from inspections.services import Answer
from knowledge import services as knowledge
from knowledge.models import Article
from notifications.models import Channel, Notification, WeComApp
from reports import services as reports
from reports.models import RenderState, ReportFile, ServiceReport
from reports.periods import Period
from tests.session_demo import quiet_brokers, settle_deferred_checks
from tickets import services as tickets
from tickets.models import Attachment, Event, Ticket, Worklog
from webhooks.models import Delivery, DeliveryAttempt, DeliveryStatus, Subscription, WebhookEvent

# A Tuesday morning in service hours, inside every demo contract's term (as tests/api uses).
NOW = "2026-09-15 10:00 +08:00"

# The made-up patient in each contract's records: the text a leak would carry.
PATIENTS = {
    "yn-his": "赵六",
    "zj-einvoice": "张三",
    "cd-nutrition": "李四",
    "fd-internet": "王五",
}
# Who acts for each side of a contract when the records are made.
VENDOR_PREFIX = {"yn-his": "ny", "zj-einvoice": "ny", "cd-nutrition": "rk", "fd-internet": "sk"}
HOSPITAL_PREFIX = {"yn-his": "yn", "zj-einvoice": "zj", "cd-nutrition": "cd", "fd-internet": "fd"}

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def internal_marker(code: str) -> str:
    """The text of a contract's internal note: what no hospital role may ever read."""
    return f"厂商内部备注{HOSPITAL_PREFIX[code].upper()}仅限厂商"


def user(username: str) -> User:
    return User.objects.get(username=username)


@dataclass
class Tenant:
    """One contract's records: what nobody outside its hospital and vendor may reach."""

    contract: Contract
    marker: str  # the patient's name as written in every record, e.g. 患者张三
    system: CoveredSystem
    ticket: Ticket
    comment: Event
    worklog: Worklog
    attachment: Attachment
    inspection: Inspection
    result: InspectionResult
    inspection_report: InspectionReport
    service_report: ServiceReport
    report_file: ReportFile
    hospital_webhook: Subscription
    vendor_webhook: Subscription
    delivery: Delivery
    article: Article
    token_id: int
    extra: dict = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.contract.code

    @property
    def hospital(self) -> Organization:
        return self.contract.hospital

    @property
    def vendor(self) -> Organization:
        return self.contract.vendor

    def texts(self, *, visible_organizations: set[int]) -> list[str]:
        """What must never appear in an answer to someone who is not a party: the patient's
        name, the ticket's number and, unless the caller may know the hospital at all, its
        name, the contract's, and the names and usernames of its people (those the caller
        knows through an organisation of their own aside)."""
        found = [self.marker, self.ticket.number]
        if self.hospital.pk not in visible_organizations:
            found += [self.hospital.name, self.contract.name]
            people = User.objects.filter(memberships__organization=self.hospital).exclude(
                memberships__organization__in=visible_organizations
            )
            for person in people:
                found += [person.username, *([person.full_name] if person.full_name else [])]
        return found


def build_tenant(contract: Contract) -> Tenant:
    """Fill one contract with records, each carrying the contract's patient's name."""
    code = contract.code
    name = PATIENTS[code]
    marker = f"患者{name}"
    hospital_side, vendor_side = HOSPITAL_PREFIX[code], VENDOR_PREFIX[code]
    reporter, hospital_it = user(f"{hospital_side}-reporter"), user(f"{hospital_side}-it")
    engineer, manager = user(f"{vendor_side}-engineer"), user(f"{vendor_side}-manager")

    # A system of the hospital's own, named after the patient's ward (a leak of the system
    # tree shows too).
    system = CoveredSystem.objects.create(
        hospital=contract.hospital,
        code=f"MX{hospital_side.upper()}",
        name=f"外院{marker}专用影像系统",
    )
    ContractSystem.objects.create(contract=contract, system=system)

    # Receivers first, so that filing the ticket queues a delivery carrying its title.
    hospital_webhook = Subscription.objects.create(
        organization=contract.hospital,
        contract=contract,
        name=f"{marker}院内集成平台",
        url=f"https://{hospital_side}.example.org/hooks/opsdesk",
        events=list(WebhookEvent.values),
        created_by=hospital_it,
    )
    vendor_webhook = Subscription.objects.create(
        organization=contract.vendor,
        contract=contract,
        name=f"{marker}运维平台",
        url=f"https://{vendor_side}.example.org/hooks/opsdesk",
        events=list(WebhookEvent.values),
        created_by=manager,
    )

    level = ServiceClass.objects.filter(contract=contract, kind="fault").order_by("level").last()
    ticket = tickets.report_ticket(
        contract=contract,
        system=system,
        service_class=level,
        title=f"外院{marker}的检查报告无法打印",
        description=f"{marker}（住院号 8806{hospital_side}）的检查报告在门诊无法打印。",
        reporter=reporter,
        contact_phone="13800000000",
    )
    comment = tickets.add_comment(ticket=ticket, by=reporter, text=f"{marker}家属在窗口等候。")
    worklog = tickets.log_work(
        ticket=ticket,
        by=engineer,
        work_date=timezone.localdate(),
        minutes=30,
        mode="remote",
        description=f"远程查看{marker}的打印队列。",
    )
    attachment = tickets.attach_file(
        ticket=ticket,
        by=reporter,
        upload=SimpleUploadedFile(f"{marker}检查报告.png", PNG, content_type="image/png"),
    )

    # A second ticket being worked, whose hold the vendor asked the hospital to agree to.
    waiting = tickets.report_ticket(
        contract=contract,
        system=system,
        service_class=level,
        title=f"{marker}的检验结果无法回传",
        description=f"{marker}的检验结果无法回传到住院医生站。",
        reporter=reporter,
        contact_phone="13800000000",
    )
    tickets.acknowledge(ticket=waiting, by=engineer, note="已联系信息科，先远程排查接口日志。")
    consent = tickets.consent.ask(
        ticket=waiting, by=engineer, kind="hold", reason="hospital", note=f"{marker}家属要求暂缓"
    )
    # The vendor's internal note and file (内部备注): never the hospital's to read. The note
    # names the hospital's reporter with @, which must not reach them either.
    internal_note = tickets.add_comment(
        ticket=ticket,
        by=engineer,
        text=f"{internal_marker(code)}：@{reporter.get_full_name()} @{manager.username} 疑似缺陷",
        internal=True,
    )
    internal_file = tickets.attach_file(
        ticket=ticket,
        by=engineer,
        upload=SimpleUploadedFile(
            f"{internal_marker(code)}附件.png", PNG, content_type="image/png"
        ),
        internal=True,
    )

    delivery = Delivery.objects.filter(subscription=hospital_webhook).order_by("id").first()
    assert delivery is not None and marker in delivery.body, "filing queues a delivery"
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=8, last_status_code=500
    )
    DeliveryAttempt.objects.create(
        delivery=delivery, status_code=500, response_body=f"{marker} 接收失败", duration_ms=12
    )
    delivery.refresh_from_db()

    # An inspection performed and completed, its report stored.
    inspection = (
        Inspection.objects.filter(contract=contract, state="planned").order_by("due_on").first()
    )
    inspection = inspections.start(inspection=inspection, by=engineer, mode="on_site")
    answers = []
    for row in inspection.results.order_by("position"):
        if row.kind == "pass_fail":
            answers.append(Answer(row.pk, passed=True))
        elif row.kind == "measurement":
            answers.append(Answer(row.pk, value=Decimal("1")))
        else:
            answers.append(Answer(row.pk, text=f"{marker}所在病区打印机正常。"))
    first = inspection.results.order_by("position").first()
    answers[0] = Answer(first.pk, not_applicable=True, note=f"{marker}病区本次不查。")
    inspections.record_results(inspection=inspection, by=engineer, answers=answers)
    inspection = inspections.complete(
        inspection=inspection, by=engineer, findings=f"{marker}病区打印机老化。"
    )
    pdf = b"%PDF-1.4\n% " + marker.encode() + b"\n%%EOF\n"
    inspection_report = InspectionReport.objects.create(
        inspection=inspection,
        revision=inspection.revision,
        file=ContentFile(pdf, name="report.pdf"),
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        pages=1,
    )

    # A quarterly service report with the vendor's improvement measures, its PDF made.
    with mock.patch("reports.tasks.render.delay"):
        report_file = reports.request_report(
            contract=contract, kind="quarterly", period=Period.quarter(2026, 3), by=manager
        )
    service_report = reports.save_improvements(
        report=report_file.report, by=manager, text=f"加强{marker}所在病区的巡检。"
    )
    report_file.file.save("report.pdf", ContentFile(pdf), save=False)
    report_file.state = RenderState.DONE
    report_file.sha256 = hashlib.sha256(pdf).hexdigest()
    report_file.size, report_file.pages = len(pdf), 1
    report_file.finished_at = timezone.now()
    report_file.save()

    article = knowledge.create_article(
        by=engineer,
        hospital=contract.hospital,
        title=f"{marker}的检查报告无法打印的处理",
        problem=f"{marker}的检查报告在门诊无法打印。",
        solution="重启打印服务并清理打印队列。",
        system=system,
    )
    knowledge.publish(article, engineer)
    article.refresh_from_db()

    token, _raw = issue_token(
        user=hospital_it, organization=contract.hospital, name=f"{marker}院内接口"
    )
    if not Channel.objects.filter(contract=contract).exists():
        Channel.objects.create(
            contract=contract, kind="email", name=f"{marker}值班组", email_to="duty@example.org"
        )
    assert Notification.objects.filter(ticket=ticket).exists(), "filing tells the people"
    return _with_optional_records(
        Tenant(
            contract=contract,
            marker=marker,
            system=system,
            ticket=ticket,
            comment=comment,
            worklog=worklog,
            attachment=attachment,
            inspection=inspection,
            result=inspection.results.order_by("position").first(),
            inspection_report=inspection_report,
            service_report=service_report,
            report_file=report_file,
            hospital_webhook=hospital_webhook,
            vendor_webhook=vendor_webhook,
            delivery=delivery,
            article=article,
            token_id=token.pk,
            extra={
                "rule": InspectionRule.objects.filter(contract=contract).first(),
                "channel": Channel.objects.filter(contract=contract).first(),
                "notification": Notification.objects.filter(ticket=ticket).first(),
                "service_class": level,
                "reporter": reporter,
                "consent": consent,
                "internal_note": internal_note,
                "internal_file": internal_file,
                "wecom_app": WeComApp.objects.filter(organization=contract.hospital).first()
                or WeComApp.objects.create(
                    organization=contract.hospital,
                    name=f"{marker}企业微信",
                    corp_id=f"ww{contract.hospital.code.lower()}",
                    agent_id=1000002,
                    token="QDG6eK",
                    encoding_aes_key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
                ),
            },
        )
    )


def _with_optional_records(tenant: Tenant) -> Tenant:
    """Records of apps that may not be installed: the audit trail and failed sign-ins."""
    if apps.is_installed("audit"):
        from audit.models import AuditEntry
        from audit.record import record

        entry = AuditEntry.objects.filter(contract=tenant.contract).order_by("pk").first()
        if entry is None:
            entry = record(
                "tickets.ticket.viewed",
                actor=tenant.extra["reporter"],
                obj=tenant.ticket,
                contract=tenant.contract,
                data={"note": tenant.marker},
            )
        tenant.extra["audit_entry"] = entry
    try:
        failure_model = apps.get_model("accounts", "LoginFailure")
    except LookupError:
        pass
    else:
        tenant.extra["login_failure"] = failure_model.objects.create(
            username=tenant.extra["reporter"].username, address="10.8.0.1"
        )
    if apps.is_installed("intake"):
        tenant.extra["triage"] = _triaged_mail(tenant)
    return tenant


def _triaged_mail(tenant: Tenant):
    """A mail from a stranger to the contract's mailbox, waiting in the vendor's triage list."""
    from intake import mail
    from intake.models import Mailbox, Security
    from tests.intake.messages import plain

    mailbox = Mailbox.objects.create(
        name=f"{tenant.marker}报修邮箱",
        contract=tenant.contract,
        address=f"faults-{tenant.contract.code}@vendor.test",
        host="127.0.0.1",
        port=1143,
        security=Security.PLAIN,
        username="faults",
        password="secret",
    )
    token = mail.claim(mailbox=mailbox, uidvalidity=1, uid=1)
    handled = mail.process_message(
        mailbox=mailbox,
        uidvalidity=1,
        uid=1,
        token=token,
        raw=plain(
            "stranger@example.org",
            subject=f"{tenant.marker}的检查报告无法打印",
            body=f"{tenant.marker}门诊的打印机不出报告。",
        ),
        received_at=timezone.now(),
    )
    assert handled.triage is not None, "a stranger's mail waits in triage"
    return handled.triage


@dataclass
class World:
    contracts: dict[str, Contract]
    tenants: dict[str, Tenant]
    media_root: str


@contextlib.contextmanager
def shared_world(django_db_blocker, media_root) -> Iterator[World]:
    """The demo and four tenants, built once for a whole module inside one transaction that
    is rolled back at its end; each test runs in a savepoint inside it (pytest-django's `db`).

    Time stands at NOW (ticking), so the contracts are in force whatever day the suite runs.
    """
    settings = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=str(media_root),
        # The matrix sends a few hundred API requests a minute per person.
        API_RATE_LIMIT_PER_MINUTE=1_000_000,
    )
    with (
        time_machine.travel(NOW, tick=True),
        settings,
        quiet_brokers(),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        contracts = {contract.code: contract for contract in load_demo()}
        tenants = {code: build_tenant(contracts[code]) for code in PATIENTS}
        settle_deferred_checks()
        try:
            yield World(contracts=contracts, tenants=tenants, media_root=str(media_root))
        finally:
            transaction.set_rollback(True)


def add_member(username: str, organization_code: str, role: str) -> User:
    """A person who also holds a role in a second organisation (a hospital IT engineer who
    serves two hospitals of a group, say)."""
    person = user(username)
    Membership.objects.get_or_create(
        user=person, organization=Organization.objects.get(code=organization_code), role=role
    )
    return person


def encodings(text: str) -> set[str]:
    """How a text may appear in an answer: as is, JSON-escaped, or percent-encoded in a link."""
    return {text, json.dumps(text)[1:-1], quote(text), quote(text, safe="")}


def found_in(body: str, texts) -> list[str]:
    return sorted({text for text in texts if any(form in body for form in encodings(text))})
