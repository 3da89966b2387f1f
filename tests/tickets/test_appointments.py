"""C3 levels 3–4: "on site within the time agreed with the hospital"."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import Notification
from tests.factories import demo_user
from tests.tickets.conftest import at, due, file_ticket, local
from tickets import services
from tickets.deadlines import recompute_open_deadlines
from tickets.errors import TicketError

pytestmark = pytest.mark.django_db

FILED = "2026-11-04 10:00"  # a Wednesday, in C3's service hours


def proposed(demo, code="level-3", when="2026-11-06 15:00"):
    ticket = file_ticket(demo["yn-his"], code, FILED)
    services.propose_appointment(
        ticket=ticket, by=demo_user("ny-engineer"), at=at(when), now=at("2026-11-04 10:30")
    )
    return ticket


def test_c3_level_3_arrival_falls_due_at_the_time_agreed_with_the_hospital(demo):
    ticket = proposed(demo)
    assert due(ticket)["arrive"] == "2026-11-05 10:00"  # one working day until confirmed
    services.confirm_appointment(
        ticket=ticket, by=demo_user("yn-reporter"), now=at("2026-11-04 11:00")
    )
    assert due(ticket)["arrive"] == "2026-11-06 15:00"
    ticket.refresh_from_db()
    assert local(ticket.next_due_at) == "2026-11-04 12:00"  # respond (2 h) still comes first
    appointment = ticket.appointments.get()
    assert (appointment.agreed_by.username, appointment.agreed_channel) == (
        "yn-reporter",
        "portal",
    )


def test_c3_an_agreed_arrival_does_not_move_with_a_calendar_change(demo):
    ticket = proposed(demo, code="level-4")
    services.confirm_appointment(ticket=ticket, by=demo_user("yn-it"), now=at("2026-11-04 11:00"))
    recompute_open_deadlines(now=at("2026-11-04 11:30"))
    assert due(ticket)["arrive"] == "2026-11-06 15:00"


def test_c3_a_confirmation_given_by_phone_is_recorded_with_who_how_and_when(demo):
    ticket = proposed(demo)
    services.record_appointment_confirmation(
        ticket=ticket,
        by=demo_user("ny-dispatcher"),
        confirmed_by="黄小梅",
        channel="phone",
        confirmed_at=at("2026-11-04 10:40"),
        now=at("2026-11-04 10:45"),
    )
    appointment = ticket.appointments.get()
    assert (appointment.agreed_name, appointment.agreed_channel, local(appointment.agreed_at)) == (
        "黄小梅",
        "phone",
        "2026-11-04 10:40",
    )
    assert due(ticket)["arrive"] == "2026-11-06 15:00"
    told = Notification.objects.filter(
        ticket=ticket, dedupe_key__contains=f"appointment:{appointment.pk}:recorded"
    )
    assert {n.recipient.username for n in told} == {"yn-it", "yn-reporter"}
    assert all("黄小梅" in n.body for n in told)
    label = ticket.events.get(action="tickets.ticket.appointment_recorded").label
    assert "黄小梅" in label and "2026-11-06 15:00" in label


@pytest.mark.parametrize(
    ("confirmed_at", "reason"),
    [("2026-11-04 11:00", "in the future"), ("2026-11-04 10:20", "before the proposal")],
)
def test_c3_a_recorded_confirmation_is_neither_future_nor_before_the_proposal(
    demo, confirmed_at, reason
):
    ticket = proposed(demo)
    with pytest.raises(TicketError) as refused:
        services.record_appointment_confirmation(
            ticket=ticket,
            by=demo_user("ny-dispatcher"),
            confirmed_by="黄小梅",
            channel="phone",
            confirmed_at=at(confirmed_at),
            now=at("2026-11-04 10:45"),
        )
    assert refused.value.field == "confirmed_at", reason


def test_c3_the_hospital_is_asked_to_confirm_a_proposed_time(demo):
    ticket = proposed(demo)
    asked = Notification.objects.filter(ticket=ticket, event="agreement_requested")
    assert {n.recipient.username for n in asked} >= {"yn-it", "yn-reporter"}


def test_c3_only_the_hospital_confirms_and_only_the_vendor_proposes(demo):
    ticket = proposed(demo)
    with pytest.raises(TicketError) as refused:
        services.confirm_appointment(ticket=ticket, by=demo_user("ny-engineer"))
    assert refused.value.code == "forbidden"
    with pytest.raises(TicketError) as refused:
        services.propose_appointment(
            ticket=ticket,
            by=demo_user("yn-it"),
            at=at("2026-11-09 09:00"),
            now=at("2026-11-04 10:50"),
        )
    assert refused.value.code == "forbidden"


def test_c3_level_1_arrives_by_its_own_deadline_not_by_appointment(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", FILED)
    with pytest.raises(TicketError):
        services.propose_appointment(
            ticket=ticket,
            by=demo_user("ny-engineer"),
            at=at(FILED) + dt.timedelta(days=1),
            now=at(FILED),
        )
