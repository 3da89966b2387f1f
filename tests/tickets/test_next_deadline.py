"""A ticket's next deadline (Ticket.next_due_at, next_warn_at): the earliest deadline of a
running clock, kept by the database whatever moves a clock (migration tickets/0003)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket
from tickets import services
from tickets.bulk import ScheduleRow, write_schedules
from tickets.models import Ticket, TicketClock, next_deadline

pytestmark = pytest.mark.django_db


def _rule(ticket: Ticket) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The rule in Python (tickets.models.next_deadline), on the clocks as stored."""
    return next_deadline(ticket.clocks.all())


def _stored(ticket: Ticket) -> tuple[dt.datetime | None, dt.datetime | None]:
    return tuple(Ticket.objects.values_list("next_due_at", "next_warn_at").get(pk=ticket.pk))


def test_a_new_ticket_is_due_at_its_earliest_clock(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-03-02 09:00")
    # Respond in 30 minutes comes before arrive and resolve in 6 hours.
    assert _stored(ticket) == _rule(ticket)
    assert _stored(ticket)[0] == at("2026-03-02 09:30")


def test_responding_makes_the_arrival_clock_the_next_deadline(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-03-02 09:00")
    services.acknowledge(
        note="已联系院方，承诺处理方案。",
        ticket=ticket,
        by=demo_user("ny-engineer"),
        now=at("2026-03-02 09:10"),
    )
    assert _stored(ticket)[0] == at("2026-03-02 15:00")
    assert _stored(ticket) == _rule(ticket)


def test_a_held_ticket_has_no_next_deadline_until_it_resumes(demo):
    ticket = file_ticket(demo["yn-his"], "level-3", "2026-03-05 10:00")
    engineer = demo_user("ny-engineer")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer, now=at("2026-03-05 10:30")
    )
    services.hold(
        ticket=ticket,
        by=engineer,
        reason="hospital",
        consent_person=demo_user("yn-it"),
        now=at("2026-03-06 09:00"),
    )
    assert _stored(ticket) == (None, None)
    services.resume(ticket=ticket, by=engineer, now=at("2026-03-09 11:00"))
    assert _stored(ticket)[0] == at("2026-03-09 12:00")


def test_a_resolved_ticket_has_no_next_deadline(demo):
    ticket = file_ticket(demo["fd-internet"], "level-1", "2026-11-03 03:00")
    engineer = demo_user("sk-engineer")
    services.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer, now=at("2026-11-03 03:20")
    )
    services.resolve(
        ticket=ticket, by=engineer, note="重启接口服务后恢复。", now=at("2026-11-03 05:00")
    )
    assert _stored(ticket) == (None, None)


def test_saving_a_ticket_read_before_its_clocks_moved_keeps_the_new_deadline(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-03-02 09:00")
    stale = Ticket.objects.get(pk=ticket.pk)
    TicketClock.objects.filter(ticket=ticket).update(due_at=at("2026-03-02 09:05"))
    stale.title = "门诊收费系统故障"
    stale.save()
    assert _stored(ticket)[0] == at("2026-03-02 09:05")
    assert Ticket.objects.get(pk=ticket.pk).title == "门诊收费系统故障"


def test_the_bulk_recomputation_path_keeps_the_next_deadline(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-03-02 09:00")
    respond = ticket.clocks.get(name="respond")
    write_schedules(
        [
            ScheduleRow(
                respond.pk, at("2026-03-03 08:00"), at("2026-03-03 07:00"), False, False, None, None
            )
        ]
    )
    assert _stored(ticket) == _rule(ticket)
    assert _stored(ticket)[0] == at("2026-03-02 15:00")  # arrive is now the earliest


def test_any_sequence_of_clock_changes_leaves_the_ticket_due_by_the_rule(demo):
    ticket = file_ticket(demo["yn-his"], "level-1", "2026-03-02 09:00")
    clocks = list(ticket.clocks.all())
    rng = random.Random(7)
    start = at("2026-03-02 09:00")
    for _ in range(60):
        clock = rng.choice(clocks)
        change = rng.choice(["due", "met", "unmet", "inactive", "active", "no_deadline"])
        due = start + dt.timedelta(minutes=rng.randrange(0, 600))
        values = {
            "due": {"due_at": due, "warn_at": due - dt.timedelta(minutes=5)},
            "met": {"met_at": due},
            "unmet": {"met_at": None},
            "inactive": {"is_active": False},
            "active": {"is_active": True},
            "no_deadline": {"due_at": None, "warn_at": None},
        }[change]
        TicketClock.objects.filter(pk=clock.pk).update(**values)
        assert _stored(ticket) == _rule(ticket), change
    TicketClock.objects.filter(ticket=ticket).delete()
    assert _stored(ticket) == (None, None)
