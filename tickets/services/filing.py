"""Filing a ticket (报修) and starting its clocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import Clock as ClockName
from contracts.models import Contract, CoveredSystem, ServiceClass
from tickets import clocks, notices
from tickets.errors import TicketError
from tickets.models import Event, Ticket, TicketClock, next_deadline
from tickets.numbering import next_number
from tickets.policy import may_report, may_report_finding
from tickets.services._common import _log, _now

# Checked by the caller, who read them from the database: full_clean() would read each
# again only to see that it exists.
_LOADED_RELATIONS = ["contract", "system", "service_class", "reporter"]


@dataclass(frozen=True)
class Filed:
    """A ticket just filed, with the rows filing wrote: its clocks and its first timeline
    line. Enough to show the new ticket without reading it back (the API's answer)."""

    ticket: Ticket
    clocks: list[TicketClock]
    event: Event


def report_ticket(
    *,
    contract: Contract,
    system: CoveredSystem,
    service_class: ServiceClass,
    title: str,
    description: str,
    reporter,
    contact_phone: str,
    now: dt.datetime | None = None,
    from_inspection: bool = False,
) -> Ticket:
    """File a ticket (报修) and start its clocks; see file_ticket()."""
    return file_ticket(
        contract=contract,
        system=system,
        service_class=service_class,
        title=title,
        description=description,
        reporter=reporter,
        contact_phone=contact_phone,
        now=now,
        from_inspection=from_inspection,
    ).ticket


def file_ticket(
    *,
    contract: Contract,
    system: CoveredSystem,
    service_class: ServiceClass,
    title: str,
    description: str,
    reporter,
    contact_phone: str,
    now: dt.datetime | None = None,
    from_inspection: bool = False,
) -> Filed:
    """File a ticket (报修) and start its clocks.

    `from_inspection`: an abnormal inspection item, filed by whoever found it, so the
    vendor's engineers may file too (inspections.services.open_ticket).

    The ticket's number is taken first in the transaction, and the hospital's number
    sequence stays locked until it commits (numbers are gap-free): whatever can be worked
    out before (validation, the clocks' deadlines) is, so that concurrent filings for one
    hospital wait on each other as briefly as possible."""
    at = _now(now)
    allowed = may_report_finding if from_inspection else may_report
    if not allowed(reporter, contract):
        raise TicketError("forbidden", _("You may not report tickets under this contract."))
    if service_class.contract_id != contract.pk:
        raise TicketError("invalid", _("Choose a level or category of this contract."))
    if not contract.covers(system):
        raise TicketError(
            "invalid", _("%(system)s is not covered by this contract."), system=system.path()
        )
    if not contract.is_in_force(timezone.localtime(at).date()):
        raise TicketError("invalid", _("This contract is not in force today."))
    ticket = Ticket(
        contract=contract,
        system=system,
        kind=service_class.kind,
        service_class=service_class,
        title=title.strip(),
        description=description.strip(),
        reporter=reporter,
        contact_phone=contact_phone.strip(),
        created_at=at,
    )
    try:
        ticket.full_clean(exclude=["number", "state", *_LOADED_RELATIONS])
    except ValidationError as exc:
        raise TicketError(
            "invalid", _("Please correct the ticket: %(errors)s"), errors="; ".join(exc.messages)
        ) from exc
    started = _clocks_to_start(ticket, service_class, at)
    with transaction.atomic():
        ticket.number = next_number(contract.hospital, at)
        ticket.save()
        started = TicketClock.objects.bulk_create(started)
        # The database's trigger (tickets/0003) has just set the ticket's next deadline from
        # these clocks; the same rule here keeps the object in step without reading it back.
        ticket.next_due_at, ticket.next_warn_at = next_deadline(started)
        event = _log(
            ticket,
            "ticket.reported",
            reporter,
            at,
            from_state="",
            data={
                "level": service_class.level,
                **({"from_inspection": True} if from_inspection else {}),
            },
        )
        notices.ticket_created(ticket)
    return Filed(ticket=ticket, clocks=started, event=event)


def _clocks_to_start(
    ticket: Ticket, service_class: ServiceClass, now: dt.datetime
) -> list[TicketClock]:
    """The new ticket's clocks, unsaved, deadlines counted: what clocks.apply_service_class()
    makes of a ticket that has no clocks and no holds yet, without its reads and writes
    back (tests/tickets/test_filing.py holds the two to the same result)."""
    targets = {target.clock: target for target in service_class.clocks.select_related("calendar")}
    started = []
    for name in ClockName.values:
        target = targets.get(name)
        if target is None:
            continue
        clock = TicketClock(
            ticket=ticket,
            name=name,
            target_minutes=target.target_minutes(),
            calendar=target.calendar,
            starts_from=target.starts_from,
            started_at=clocks.clock_start_time(ticket, target.starts_from),
            is_active=True,
        )
        clocks.reschedule_clock(clock, ticket, [], now)
        started.append(clock)
    return started
