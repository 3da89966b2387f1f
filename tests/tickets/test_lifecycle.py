"""The ticket's life: who may move it where, and what the timeline records."""

from __future__ import annotations

import pytest

from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket
from tickets import services
from tickets.errors import TicketConflict, TicketError
from tickets.models import Event, Ticket

pytestmark = pytest.mark.django_db


def test_ticket_numbers_run_per_hospital_and_year(demo):
    first = file_ticket(demo["yn-his"], "level-3", "2026-11-03 10:00")
    second = file_ticket(demo["yn-his"], "level-4", "2026-11-03 10:05")
    other = file_ticket(demo["fd-internet"], "level-4", "2026-11-03 10:05")
    assert (first.number, second.number, other.number) == (
        "YN-2026-00001",
        "YN-2026-00002",
        "FD-2026-00001",
    )
    next_year = file_ticket(demo["cd-nutrition"], "level-3", "2027-01-01 00:10")
    assert next_year.number == "CD-2027-00001"


def test_the_full_path_of_a_fault_from_report_to_rating(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-11-03 10:00")
    engineer, dispatcher, reporter = (
        demo_user(u) for u in ("ny-engineer", "ny-dispatcher", "yn-reporter")
    )
    services.acknowledge(
        ticket=ticket, by=dispatcher, note="已电话联系信息科", now=at("2026-11-03 10:05")
    )
    services.assign(ticket=ticket, by=dispatcher, engineer=engineer, now=at("2026-11-03 10:06"))
    services.arrive(ticket=ticket, by=engineer, now=at("2026-11-03 12:00"))
    services.log_work(
        ticket=ticket,
        by=engineer,
        work_date=at("2026-11-03 12:00").date(),
        minutes=90,
        mode="on_site",
        description="更换网卡并重启服务",
        now=at("2026-11-03 13:00"),
    )
    services.resolve(ticket=ticket, by=engineer, note="网卡故障已更换", now=at("2026-11-03 13:30"))
    services.confirm(
        ticket=ticket, by=reporter, satisfaction=5, comment="响应及时", now=at("2026-11-03 14:00")
    )
    assert ticket.state == "closed" and ticket.satisfaction == 5
    actions = list(Event.objects.filter(ticket=ticket).values_list("action", flat=True))
    assert actions == [
        "tickets.ticket.reported",
        "tickets.ticket.acknowledge",
        "tickets.ticket.assign",
        "tickets.ticket.arrive",
        "tickets.ticket.work_logged",
        "tickets.ticket.resolve",
        "tickets.ticket.confirm",
    ]
    transitions = Event.objects.filter(ticket=ticket).exclude(from_state="")
    assert [(e.from_state, e.to_state) for e in transitions] == [
        ("new", "acknowledged"),
        ("acknowledged", "dispatched"),
        ("dispatched", "on_site"),
        ("on_site", "resolved"),
        ("resolved", "closed"),
    ]
    assert all(clock.met_at and not clock.breached_at for clock in ticket.clocks.all())


@pytest.mark.parametrize(
    ("username", "action"),
    [
        ("yn-reporter", "acknowledge"),  # hospital staff cannot respond for the vendor
        ("zj-it", "acknowledge"),  # another hospital's IT sees nothing of this ticket
        ("sk-engineer", "acknowledge"),  # another vendor's engineer
        ("ny-engineer", "confirm"),  # the vendor cannot confirm its own work
    ],
)
def test_transitions_are_allowed_only_to_the_right_roles(demo, username, action):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    if action == "confirm":
        services.acknowledge(
            note="已联系院方，承诺处理方案。",
            ticket=ticket,
            by=demo_user("ny-engineer"),
            now=at("2026-11-03 10:05"),
        )
        services.resolve(
            ticket=ticket, by=demo_user("ny-engineer"), note="ok", now=at("2026-11-03 11:00")
        )
    service = getattr(services, action)
    kwargs = {"satisfaction": 5} if action == "confirm" else {}
    with pytest.raises(TicketError) as caught:
        service(ticket=ticket, by=demo_user(username), now=at("2026-11-03 12:00"), **kwargs)
    assert caught.value.code == "forbidden"


def test_a_forbidden_transition_names_the_state(demo):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    with pytest.raises(TicketError) as caught:
        services.resolve(
            ticket=ticket, by=demo_user("ny-engineer"), note="x", now=at("2026-11-03 10:30")
        )
    assert caught.value.code == "invalid_transition"


def test_the_reporter_may_cancel_before_work_starts_but_not_after(demo):
    ticket = file_ticket(demo["yn-his"], "level-3", "2026-11-03 10:00")
    services.cancel(
        ticket=ticket, by=demo_user("yn-reporter"), note="误报", now=at("2026-11-03 10:01")
    )
    assert ticket.state == "cancelled"
    assert not ticket.clocks.filter(is_active=True, met_at__isnull=True).exists()
    second = file_ticket(demo["yn-his"], "level-3", "2026-11-03 11:00")
    engineer = demo_user("ny-engineer")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=second, by=engineer, now=at("2026-11-03 11:05")
    )
    services.assign(
        ticket=second, by=demo_user("ny-dispatcher"), engineer=engineer, now=at("2026-11-03 11:06")
    )
    with pytest.raises(TicketError):
        services.cancel(ticket=second, by=demo_user("yn-reporter"), now=at("2026-11-03 11:10"))


def test_a_reporter_cannot_cancel_someone_elses_ticket(demo):
    from tests.factories import MembershipFactory

    ticket = file_ticket(demo["yn-his"], "level-3", "2026-11-03 10:00")
    colleague = MembershipFactory(organization=demo["yn-his"].hospital, role="reporter").user
    with pytest.raises(TicketError):
        services.cancel(ticket=ticket, by=colleague, now=at("2026-11-03 10:01"))


def test_change_tickets_need_the_hospital_its_approval_of_both_plans(demo):
    contract = demo["fd-internet"]
    ticket = file_ticket(contract, "upgrade", "2026-11-03 10:00", title="互联网医院平台 3.2 升级")
    engineer, hospital_it = demo_user("sk-engineer"), demo_user("fd-it")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer, now=at("2026-11-03 10:30")
    )
    with pytest.raises(TicketError) as caught:
        services.submit_plan(
            ticket=ticket, by=engineer, upgrade_plan="升级步骤……", rollback_plan=""
        )
    assert caught.value.code == "plans_required"
    services.submit_plan(
        ticket=ticket,
        by=engineer,
        upgrade_plan="升级步骤……",
        rollback_plan="回退到 3.1 镜像……",
        window_starts_at=at("2026-11-07 22:00"),
        window_ends_at=at("2026-11-08 02:00"),
        now=at("2026-11-03 11:00"),
    )
    with pytest.raises(TicketError):  # the vendor cannot approve its own plan
        services.approve_plan(ticket=ticket, by=demo_user("sk-manager"))
    with pytest.raises(TicketError):  # nor implement before approval
        services.complete_change(ticket=ticket, by=engineer, note="done")
    services.approve_plan(
        ticket=ticket, by=hospital_it, note="同意周六 22:00 实施", now=at("2026-11-04 09:00")
    )
    services.complete_change(
        ticket=ticket, by=engineer, note="升级完成，验证通过", now=at("2026-11-07 23:30")
    )
    assert ticket.state == "done"


def test_a_change_can_end_rolled_back(demo):
    ticket = file_ticket(demo["fd-internet"], "upgrade", "2026-11-03 10:00")
    engineer = demo_user("sk-engineer")
    services.acknowledge(note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer)
    services.submit_plan(
        ticket=ticket,
        by=engineer,
        upgrade_plan="a",
        rollback_plan="b",
        window_starts_at=at("2026-11-07 22:00"),
        window_ends_at=at("2026-11-08 02:00"),
        now=at("2026-11-03 11:00"),
    )
    services.approve_plan(ticket=ticket, by=demo_user("fd-it"), now=at("2026-11-04 09:00"))
    services.roll_back(
        ticket=ticket, by=engineer, note="支付回调异常，已回退", now=at("2026-11-08 01:00")
    )
    assert ticket.state == "rolled_back"


def test_faults_cannot_take_change_transitions(demo):
    ticket = file_ticket(demo["fd-internet"], "level-3", "2026-11-03 10:00")
    engineer = demo_user("sk-engineer")
    services.acknowledge(note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer)
    with pytest.raises(TicketError) as caught:
        services.submit_plan(
            ticket=ticket,
            by=engineer,
            upgrade_plan="a",
            rollback_plan="b",
            window_starts_at=at("2026-11-07 22:00"),
            window_ends_at=at("2026-11-08 02:00"),
            now=at("2026-11-03 11:00"),
        )
    assert caught.value.code == "invalid_transition"


def test_a_ticket_must_name_a_system_the_contract_covers(demo):
    from tickets.services import report_ticket

    contract = demo["yn-his"]
    foreign_system = demo["zj-einvoice"].systems.first()
    with pytest.raises(TicketError):
        report_ticket(
            contract=contract,
            system=foreign_system,
            service_class=contract.service_classes.get(code="level-1"),
            title="x",
            description="y",
            reporter=demo_user("yn-reporter"),
            contact_phone="13726380001",
        )


def test_a_bad_phone_number_is_refused_and_nothing_is_saved(demo):
    from tickets.services import report_ticket

    contract = demo["yn-his"]
    with pytest.raises(TicketError) as caught:
        report_ticket(
            contract=contract,
            system=contract.systems.first(),
            service_class=contract.service_classes.get(code="level-1"),
            title="x",
            description="y",
            reporter=demo_user("yn-reporter"),
            contact_phone="12345",
        )
    assert caught.value.code == "invalid"
    assert not Ticket.objects.exists()


def test_a_stale_copy_of_the_ticket_gets_a_conflict_not_a_double_transition(demo):
    ticket = file_ticket(demo["yn-his"], "level-2", "2026-11-03 10:00")
    stale = Ticket.objects.get(pk=ticket.pk)
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=demo_user("ny-engineer")
    )
    with pytest.raises(TicketConflict):
        services.acknowledge(
            note="已联系院方，承诺处理方案。", ticket=stale, by=demo_user("ny-engineer2")
        )
    assert Event.objects.filter(ticket=ticket, action="tickets.ticket.acknowledge").count() == 1


def test_comments_and_worklogs_join_the_timeline(demo):
    ticket = file_ticket(demo["gz-logistics"], "level-2", "2026-11-03 10:00")
    engineer = demo_user("ny-engineer")
    services.add_comment(ticket=ticket, by=demo_user("gz-it"), text="请尽快处理")
    services.log_work(
        ticket=ticket,
        by=engineer,
        work_date=at("2026-11-03 10:00").date(),
        minutes=240,
        mode="remote",
        counts_against_quota=True,
        description="调整医废交接流程",
    )
    actions = list(Event.objects.filter(ticket=ticket).values_list("action", flat=True))
    assert actions[-2:] == ["tickets.ticket.commented", "tickets.ticket.work_logged"]
    assert ticket.worklogs.get().counts_against_quota


def test_attachments_are_limited_by_type_and_size(demo, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    ticket = file_ticket(demo["yn-his"], "level-3", "2026-11-03 10:00")
    reporter = demo_user("yn-reporter")
    shot = SimpleUploadedFile("报错截图.png", b"\x89PNG fake", content_type="image/png")
    attachment = services.attach_file(ticket=ticket, by=reporter, upload=shot)
    assert attachment.original_name == "报错截图.png" and attachment.size == 9
    with pytest.raises(TicketError) as caught:
        services.attach_file(
            ticket=ticket,
            by=reporter,
            upload=SimpleUploadedFile("page.html", b"<script>", content_type="text/html"),
        )
    assert caught.value.code == "file_type"
    with pytest.raises(TicketError):
        services.attach_file(ticket=ticket, by=demo_user("zj-it"), upload=shot)


def test_tickets_are_visible_only_to_the_parties_of_their_contract(demo):
    ticket = file_ticket(demo["yn-his"], "level-3", "2026-11-03 10:00")
    assert ticket in Ticket.objects.visible_to(demo_user("yn-reporter"))
    assert ticket in Ticket.objects.visible_to(demo_user("ny-engineer"))
    assert ticket not in Ticket.objects.visible_to(demo_user("zj-it"))
    assert ticket not in Ticket.objects.visible_to(demo_user("sk-engineer"))


def test_a_calendar_without_hours_gives_a_clear_error_and_files_nothing(demo):
    from sla.models import ServiceCalendar

    empty = ServiceCalendar.objects.create(code="empty", name="无服务时间", day_rule="every_day")
    contract = demo["gz-logistics"]
    contract.service_classes.get(code="level-2").clocks.update(calendar=empty)
    with pytest.raises(TicketError) as caught:
        file_ticket(contract, "level-2", "2026-11-03 10:00")
    assert caught.value.code == "calendar_without_hours"
    assert not Ticket.objects.exists()
