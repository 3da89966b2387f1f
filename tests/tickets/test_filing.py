"""Filing writes a new ticket's clocks in one go (tickets/services/filing.py) rather than
through clocks.apply_service_class(): both must give the same clocks, and the objects filing
returns must be what the database holds; numbers stay gap-free."""

from __future__ import annotations

import pytest
from django.db import connection

from contracts.models import Contract, Membership, Role
from tests.factories import demo_user
from tests.notifications.factories import ChannelFactory
from tests.tickets.conftest import REPORTERS, at
from tests.webhooks.factories import SubscriptionFactory
from tickets import clocks, notices, services
from tickets.models import Ticket, TicketClock

pytestmark = pytest.mark.django_db

# Every column clocks.apply_service_class() writes, and which clock it is.
CLOCK_COLUMNS = [
    "id",
    "name",
    *(TicketClock._meta.get_field(field).attname for field in clocks.CLOCK_FIELDS),
]


def stored_clocks(ticket: Ticket) -> list[dict]:
    return list(TicketClock.objects.filter(ticket=ticket).order_by("id").values(*CLOCK_COLUMNS))


def file(contract: Contract, row, when: str) -> services.Filed:
    return services.file_ticket(
        contract=contract,
        system=contract.systems.first(),
        service_class=row,
        title="系统故障",
        description="门诊收费窗口无法登录。",
        reporter=demo_user(REPORTERS[contract.code]),
        contact_phone="13726380001",
        now=at(when),
    )


# A working morning, just before a working day's end, inside the National Day break, and
# just before the year's end (clocks running into a year whose holidays may be unknown).
MOMENTS = ["2026-09-15 10:00", "2026-09-30 17:20", "2026-10-03 09:00", "2026-12-31 23:30"]


@pytest.mark.parametrize("when", MOMENTS)
def test_filing_starts_the_clocks_apply_service_class_makes_for_every_demo_row(demo, when):
    checked = clocks_checked = 0
    for contract in demo.values():
        if not contract.is_in_force(at(when).date()):
            continue
        for row in contract.service_classes.all():
            filed = file(contract, row, when)
            written = stored_clocks(filed.ticket)  # none for a change plan (fd upgrade)
            # The returned objects are the rows as stored …
            assert [
                {column: getattr(clock, column) for column in CLOCK_COLUMNS}
                for clock in filed.clocks
            ] == written
            stored = Ticket.objects.get(pk=filed.ticket.pk)
            assert (filed.ticket.next_due_at, filed.ticket.next_warn_at) == (
                stored.next_due_at,
                stored.next_warn_at,
            )
            # … and applying the row again through the general path changes nothing.
            clocks.apply_service_class(stored, row, at(when))
            assert stored_clocks(filed.ticket) == written, f"{contract.code} {row.code}"
            assert filed.event.action == "tickets.ticket.reported"
            checked, clocks_checked = checked + 1, clocks_checked + len(written)
    assert checked >= 15 and clocks_checked >= 30


def test_a_filing_that_fails_after_taking_its_number_leaves_no_gap(demo, monkeypatch):
    contract = demo["yn-his"]
    row = contract.service_classes.get(code="level-2")

    def broken(ticket, **details):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(notices, "ticket_created", broken)
    with pytest.raises(RuntimeError):
        file(contract, row, "2026-09-15 10:00")
    monkeypatch.undo()
    assert not Ticket.objects.exists()
    first = file(contract, row, "2026-09-15 10:05").ticket
    second = file(contract, row, "2026-09-15 10:06").ticket
    assert (first.number, second.number) == ("YN-2026-00001", "YN-2026-00002")


def new_ticket(contract: Contract) -> Ticket:
    """A ticket as filing has it before saving it, when it reads who hears of it."""
    return Ticket(
        contract=contract,
        system=contract.systems.first(),
        service_class=contract.sla_row(level=2),
        title="系统故障",
        reporter=demo_user(REPORTERS[contract.code]),
    )


def test_who_hears_of_a_new_ticket_is_one_query_where_no_group_or_system_listens(
    demo, django_assert_num_queries
):
    ticket = new_ticket(demo["yn-his"])
    with django_assert_num_queries(1):
        readers = notices.readers_of_new_ticket(ticket)
    assert {addressee.person.username for addressee in readers.staff} == {"ny-dispatcher", "yn-it"}
    assert (readers.channels, readers.subscriptions) == ([], [])


def test_a_new_tickets_group_channels_and_subscribed_systems_are_read_where_there_are_some(
    demo, django_assert_num_queries
):
    contract = demo["yn-his"]
    channel = ChannelFactory(contract=contract)
    ChannelFactory(contract=contract, is_active=False)
    ChannelFactory(contract=demo["zj-einvoice"])
    subscription = SubscriptionFactory(organization=contract.hospital)
    SubscriptionFactory(organization=demo["zj-einvoice"].hospital)
    ticket = new_ticket(contract)
    with django_assert_num_queries(3):
        readers = notices.readers_of_new_ticket(ticket)
    assert (readers.channels, readers.subscriptions) == ([channel], [subscription])


def test_a_new_tickets_listeners_are_read_even_with_no_dispatcher_or_hospital_it(demo):
    contract = demo["yn-his"]
    Membership.objects.filter(
        role__in=[Role.DISPATCHER, Role.HOSPITAL_IT],
        organization__in=[contract.hospital_id, contract.vendor_id],
    ).delete()
    channel = ChannelFactory(contract=contract)
    subscription = SubscriptionFactory(organization=contract.vendor)
    readers = notices.readers_of_new_ticket(new_ticket(contract))
    assert readers.staff == []
    assert (readers.channels, readers.subscriptions) == ([channel], [subscription])


def ticket_row_updates() -> int:
    """Row updates of the tickets table in this transaction so far (PostgreSQL's own count:
    the clocks' trigger's updates too, which no captured query shows)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_upd), 0) FROM pg_stat_xact_user_tables"
            " WHERE relname = 'tickets_ticket'"
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_a_new_ticket_is_written_once_with_its_next_deadline_the_clocks_trigger_keeps(demo):
    contract = demo["yn-his"]
    before = ticket_row_updates()
    filed = file(contract, contract.sla_row(level=1), "2026-09-15 10:00")
    # The trigger of tickets/0003 found the deadline already written: no second version of
    # the row (with an entry in each of the table's indexes).
    assert ticket_row_updates() == before
    stored = Ticket.objects.get(pk=filed.ticket.pk)
    earliest = min(filed.clocks, key=lambda clock: (clock.due_at, clock.pk))
    assert (stored.next_due_at, stored.next_warn_at) == (earliest.due_at, earliest.warn_at)
