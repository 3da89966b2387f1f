"""Performing an inspection: the checklist as it was, answers judged on entry, a failed item
becomes a ticket in one step, and the hospital signs off."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inspections import services
from inspections.errors import InspectionError
from inspections.models import ChecklistItem
from inspections.services import Answer
from tests.factories import demo_user
from tests.inspections.conftest import answer_all, at, zj_quarter
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def result_named(inspection, name):
    return inspection.results.get(name=name)


def test_starting_copies_c2s_ten_environment_and_seven_business_items(demo, engineer):
    inspection = services.start(
        inspection=zj_quarter(demo), by=engineer, mode="on_site", now=at("2026-11-20 09:30")
    )
    sections = list(inspection.results.values_list("section", flat=True))
    assert sections.count("环境巡检") == 10
    assert sections.count("业务功能巡检") == 7
    assert inspection.engineer == engineer and inspection.state == "in_progress"
    tablespace = result_named(inspection, "电子票据用户表空间使用率")
    assert (tablespace.rule_display, tablespace.verdict) == ("< 90 %", "pending")


def test_a_new_template_version_never_changes_an_inspection_already_started(demo, engineer):
    inspection = services.start(
        inspection=zj_quarter(demo), by=engineer, mode="on_site", now=at("2026-11-20 09:30")
    )
    old = inspection.template
    assert old.is_frozen
    new = services.new_template_version(old)
    item = ChecklistItem.objects.get(section__template=new, name="系统表空间使用率")
    item.limit = Decimal("80")
    item.save()
    old.refresh_from_db()
    assert (old.is_current, new.is_current, new.version) == (False, True, 2)
    assert result_named(inspection, "系统表空间使用率").rule_display == "< 90 %"
    # The next quarter's inspection, planned already, is performed against the new version.
    next_quarter = zj_quarter(demo, "2027-02-28")
    next_quarter.template = new
    next_quarter.save()
    started = services.start(
        inspection=next_quarter, by=engineer, mode="remote", now=at("2027-01-10 10:00")
    )
    assert result_named(started, "系统表空间使用率").rule_display == "< 80 %"


def test_measured_values_are_judged_against_their_thresholds_as_they_are_entered(demo, engineer):
    inspection = services.start(
        inspection=zj_quarter(demo), by=engineer, mode="on_site", now=at("2026-11-20 09:30")
    )
    user_space = result_named(inspection, "电子票据用户表空间使用率")
    disk = result_named(inspection, "服务器磁盘使用率")
    changed = services.record_results(
        inspection=inspection,
        by=engineer,
        answers=[
            Answer(user_space.pk, value=Decimal("93.5"), note="增长较快"),
            Answer(disk.pk, value=Decimal("64")),
        ],
        now=at("2026-11-20 10:00"),
    )
    assert {row.name: row.verdict for row in changed} == {
        "电子票据用户表空间使用率": "fail",
        "服务器磁盘使用率": "pass",
    }
    event = inspection.events.get(action="inspections.inspection.results_recorded")
    assert event.data["failed"] == ["电子票据用户表空间使用率"]


def test_a_value_for_a_pass_fail_item_is_refused_with_the_items_name(demo, engineer):
    inspection = services.start(
        inspection=zj_quarter(demo), by=engineer, mode="on_site", now=at("2026-11-20 09:30")
    )
    login = result_named(inspection, "系统登录及页面显示正常")
    with pytest.raises(InspectionError) as error:
        services.record_results(
            inspection=inspection, by=engineer, answers=[Answer(login.pk, value=Decimal("1"))]
        )
    assert "系统登录及页面显示正常" in str(error.value)
    assert result_named(inspection, "系统登录及页面显示正常").passed is None


def test_completing_needs_every_item_answered_or_marked_not_applicable(demo, engineer):
    inspection = services.start(
        inspection=zj_quarter(demo), by=engineer, mode="on_site", now=at("2026-11-20 09:30")
    )
    with pytest.raises(InspectionError) as error:
        services.complete(inspection=inspection, by=engineer)
    assert error.value.code == "incomplete"
    answer_all(inspection)
    gdca = result_named(inspection, "GDCA 证书服务器运行正常")
    services.record_results(
        inspection=inspection, by=engineer, answers=[Answer(gdca.pk, not_applicable=True)]
    )
    done = services.complete(inspection=inspection, by=engineer, now=at("2026-11-20 12:00"))
    assert done.state == "completed" and done.revision == 1
    assert done.duration_minutes == 150


def test_a_failed_item_opens_a_linked_ticket_in_one_step(performed, engineer):
    tablespace = result_named(performed, "电子票据用户表空间使用率")
    level_2 = performed.contract.service_classes.get(code="level-2")
    ticket = services.open_ticket(
        result=tablespace, by=engineer, service_class=level_2, now=at("2026-11-20 12:45")
    )
    tablespace.refresh_from_db()
    assert tablespace.ticket == ticket
    assert ticket.title == "巡检发现：电子票据用户表空间使用率为 93.5 %（要求 < 90 %）"
    assert "电子票据用户表空间使用率" in ticket.description
    assert (ticket.reporter, ticket.service_class, ticket.state) == (engineer, level_2, "new")
    assert ticket.clocks.filter(name="resolve").exists()  # C2 level 2: answered within 48 h
    performed.refresh_from_db()
    assert performed.revision == 2  # the report shows the ticket number: made again
    with pytest.raises(InspectionError):
        services.open_ticket(result=tablespace, by=engineer, service_class=level_2)
    assert Ticket.objects.filter(contract=performed.contract).count() == 1


def test_only_an_abnormal_item_opens_a_ticket(performed, engineer):
    disk = result_named(performed, "服务器磁盘使用率")
    with pytest.raises(InspectionError):
        services.open_ticket(
            result=disk,
            by=engineer,
            service_class=performed.contract.service_classes.get(code="level-2"),
        )


def test_hospital_it_signs_off_in_their_own_name(performed, hospital_it):
    signed = services.sign_off(inspection=performed, by=hospital_it, now=at("2026-11-20 13:00"))
    assert (signed.state, signed.signer_name) == ("signed", hospital_it.get_full_name())
    assert signed.signed_at == at("2026-11-20 13:00")
    assert signed.revision == 2


def test_an_engineer_records_the_name_of_the_representative_who_signed_on_site(performed, engineer):
    with pytest.raises(InspectionError):
        services.sign_off(inspection=performed, by=engineer)
    signed = services.sign_off(inspection=performed, by=engineer, signer_name=" 梁志强 ")
    assert (signed.signer_name, signed.sign_off_recorded_by) == ("梁志强", engineer)


def test_reporters_and_other_vendors_may_not_perform_or_sign(demo, performed):
    with pytest.raises(InspectionError) as error:
        services.sign_off(inspection=performed, by=demo_user("zj-reporter"), signer_name="x")
    assert error.value.code == "forbidden"
    with pytest.raises(InspectionError):
        services.start(
            inspection=zj_quarter(demo, "2027-02-28"), by=demo_user("sk-engineer"), mode="remote"
        )


def test_two_people_acting_on_a_stale_inspection_get_a_conflict(demo, engineer):
    inspection = zj_quarter(demo)
    services.start(inspection=inspection, by=engineer, mode="on_site")
    with pytest.raises(InspectionError) as error:
        services.start(inspection=inspection, by=engineer, mode="remote")  # still "planned"
    assert error.value.code == "conflict"


def test_reopening_before_sign_off_needs_a_reason_and_makes_a_new_revision(performed, engineer):
    with pytest.raises(InspectionError):
        services.reopen(inspection=performed, by=engineer, reason=" ")
    reopened = services.reopen(inspection=performed, by=engineer, reason="表空间数值录错")
    assert (reopened.state, reopened.finished_at, reopened.revision) == ("in_progress", None, 2)
    again = services.complete(inspection=reopened, by=engineer, findings="已更正。")
    assert again.revision == 3


def test_a_dispatcher_assigns_only_engineers_of_the_contracts_vendor(demo):
    inspection = zj_quarter(demo)
    dispatcher = demo_user("ny-dispatcher")
    with pytest.raises(InspectionError):
        services.assign(inspection=inspection, engineer=demo_user("rk-engineer"), by=dispatcher)
    assigned = services.assign(
        inspection=inspection, engineer=demo_user("ny-engineer2"), by=dispatcher
    )
    assert assigned.engineer.username == "ny-engineer2"


def test_an_ad_hoc_inspection_must_fall_within_the_term(demo):
    contract = demo["yn-his"]
    manager = demo_user("ny-manager")
    template = contract.inspection_rules.first().template
    with pytest.raises(InspectionError):
        services.plan_inspection(
            contract=contract, template=template, due_on=at("2027-03-01").date(), by=manager
        )
    planned = services.plan_inspection(
        contract=contract,
        template=template,
        title="春节前重大活动保障巡检",
        due_on=at("2026-12-20").date(),
        by=manager,
        now=at("2026-12-01 09:00"),
    )
    assert (planned.purpose, planned.window_starts_on.isoformat()) == ("ad_hoc", "2026-12-01")
