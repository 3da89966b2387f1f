"""A ticket from an abnormal inspection item is filed under the system it concerns, and says
truthfully that the vendor's engineer found and filed it during the inspection."""

from __future__ import annotations

import pytest

from contracts.models import CoveredSystem
from inspections import services
from inspections.errors import InspectionError
from notifications.models import Notification
from tests.inspections.conftest import at

pytestmark = pytest.mark.django_db


def tablespace(inspection):
    return inspection.results.get(name="电子票据用户表空间使用率")


def level_2(inspection):
    return inspection.contract.service_classes.get(code="level-2")


def test_a_finding_is_proposed_under_the_contracts_main_system(performed):
    systems = services.finding_systems(performed)
    assert {s.code for s in systems} >= {"EINV", "GDCA"}
    assert services.proposed_system(performed, systems).code == "EINV"


def test_a_finding_is_filed_under_the_system_the_engineer_chooses(performed, engineer):
    gdca = CoveredSystem.objects.get(hospital=performed.contract.hospital, code="GDCA")
    ticket = services.open_ticket(
        result=tablespace(performed),
        by=engineer,
        service_class=level_2(performed),
        system=gdca,
        now=at("2026-11-20 12:45"),
    )
    assert (ticket.system, ticket.channel) == (gdca, "inspection")


def test_a_finding_is_not_filed_under_a_system_outside_the_inspection(performed, engineer, demo):
    elsewhere = demo["yn-his"].systems.first()
    with pytest.raises(InspectionError) as refused:
        services.open_ticket(
            result=tablespace(performed),
            by=engineer,
            service_class=level_2(performed),
            system=elsewhere,
        )
    assert refused.value.field == "system"


def test_the_notice_and_timeline_say_the_engineer_found_it_during_the_inspection(
    performed, engineer
):
    ticket = services.open_ticket(
        result=tablespace(performed),
        by=engineer,
        service_class=level_2(performed),
        now=at("2026-11-20 12:45"),
    )
    created = Notification.objects.filter(ticket=ticket, event="ticket_created")
    assert created.exists()
    for notice in created:
        assert engineer.get_full_name() in notice.body
        assert performed.title in notice.body
        assert "湛江中心人民医院报修" not in notice.body  # not "the hospital reported"
        assert "reported" not in notice.body
    label = ticket.events.get(action="tickets.ticket.reported").label
    assert performed.title in label
