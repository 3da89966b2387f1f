"""Filing a ticket (报修) and starting its clocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import Clock as ClockName
from contracts.models import Contract, CoveredSystem, Role, ServiceClass, TicketKind
from tickets import clocks, notices
from tickets.errors import TicketError
from tickets.models import DESK_CHANNELS, Channel, Event, Ticket, TicketClock, next_deadline
from tickets.numbering import next_number
from tickets.policy import (
    is_hospital_it,
    is_hospital_person,
    may_file_for,
    may_open_change,
    may_report,
    may_report_finding,
)
from tickets.selectors import hospital_people
from tickets.services import outages
from tickets.services._common import _log, _now

# A report entered more than this long after the hospital made it needs a reason on record:
# a call typed in at once is routine, one typed in an hour later is a fact someone may dispute.
BACKDATE_NEEDS_REASON = dt.timedelta(minutes=30)

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
    # Lines filing wrote after the report's (an outage opened at the report time).
    later_events: tuple[Event, ...] = ()


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
    found_in=None,
    channel: str = Channel.PORTAL,
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
        found_in=found_in,
        channel=channel,
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
    found_in=None,
    channel: str = Channel.PORTAL,
    reported_at: dt.datetime | None = None,
    entered_by=None,
    caller_name: str = "",
    backdate_reason: str = "",
) -> Filed:
    """File a ticket (报修) and start its clocks.

    `from_inspection`: an abnormal inspection item, filed by whoever found it, so the
    vendor's engineers may file too (inspections.services.open_ticket); `found_in` is that
    inspection, which the timeline and the notification name as where it was found.

    `entered_by`: the vendor's dispatcher or engineer typing in a report the hospital made
    by `channel` (a call to the hotline, a WeCom message); `reporter` is then the hospital's
    person who made it. `reported_at`: when the hospital reported it, where that was before
    now; every clock counts from it (see check_reported_at for the limits).

    The ticket's number is taken first in the transaction, and the hospital's number
    sequence stays locked until it commits (numbers are gap-free): whatever can be worked
    out before (validation, the clocks' deadlines, who is told and how) is, so that from
    the number to the commit the transaction only inserts, and concurrent filings for one
    hospital wait on each other as briefly as possible."""
    at = _now(now)
    if entered_by is not None:
        if not may_file_for(entered_by, contract):
            raise TicketError(
                "forbidden", _("You may not file tickets for this contract's hospital.")
            )
        if not is_hospital_person(reporter, contract):
            raise TicketError(
                "invalid",
                _("The caller must be one of %(hospital)s's people."),
                field="caller",
                hospital=contract.hospital.name,
            )
    else:
        if from_inspection:
            allowed = may_report_finding
        elif service_class.kind == TicketKind.CHANGE:
            allowed = may_open_change
        else:
            allowed = may_report
        if not allowed(reporter, contract):
            raise TicketError("forbidden", _("You may not report tickets under this contract."))
    if channel not in Channel.values:
        raise TicketError("invalid", _("Choose how the hospital reported it."), field="channel")
    reported = check_reported_at(reported_at, entered=at, contract=contract, reason=backdate_reason)
    if service_class.contract_id != contract.pk:
        raise TicketError("invalid", _("Choose a level or category of this contract."))
    if not contract.covers(system):
        raise TicketError(
            "invalid", _("%(system)s is not covered by this contract."), system=system.path()
        )
    if not contract.is_in_force(timezone.localtime(reported).date()):
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
        created_at=reported,
        entered_at=at,
        channel=channel,
        entered_by=entered_by,
        caller_name=caller_name.strip(),
        backdate_reason=backdate_reason.strip() if reported < at else "",
    )
    try:
        ticket.full_clean(exclude=["number", "state", "entered_by", *_LOADED_RELATIONS])
    except ValidationError as exc:
        raise TicketError(
            "invalid", _("Please correct the ticket: %(errors)s"), errors="; ".join(exc.messages)
        ) from exc
    started = _clocks_to_start(ticket, service_class, at)
    # The database's trigger (tickets/0003) keeps a ticket's next deadline from its clocks;
    # written with the ticket by the same rule, it finds nothing to change. Otherwise it
    # would update the row just inserted: a second version of it, with an entry in each of
    # the table's twenty indexes, three of them trigram indexes of its text.
    ticket.next_due_at, ticket.next_warn_at = next_deadline(started)
    # Who hears of it, read now: from the number on, the transaction only writes.
    readers = notices.readers_of_new_ticket(ticket)
    with transaction.atomic():
        ticket.number = next_number(contract.hospital, reported)
        ticket.save()
        started = TicketClock.objects.bulk_create(started)
        event = _log(
            ticket,
            "ticket.reported",
            entered_by or reporter,
            reported,
            from_state="",
            data={
                "level": service_class.level,
                **({"from_inspection": True} if from_inspection else {}),
                **({"change": True} if service_class.kind == TicketKind.CHANGE else {}),
                **(
                    {"inspection": found_in.pk, "inspection_title": found_in.title}
                    if found_in is not None
                    else {}
                ),
                **_provenance(ticket),
            },
        )
        # C5: a level-1 fault opens its outage span at the report time.
        opened = outages.open_when_filed(ticket)
        notices.ticket_created(ticket, found_in=found_in, readers=readers)
    return Filed(
        ticket=ticket, clocks=started, event=event, later_events=(opened,) if opened else ()
    )


@dataclass(frozen=True)
class Caller:
    """Who reported it to the vendor's desk: one of the hospital's people with an account
    (`person`), or someone who gave only a `name` and `phone` (a nurse on the ward phone)."""

    person: object | None = None
    name: str = ""
    phone: str = ""


def file_for_caller(
    *,
    contract: Contract,
    system: CoveredSystem,
    service_class: ServiceClass,
    title: str,
    description: str,
    caller: Caller,
    entered_by,
    channel: str,
    reported_at: dt.datetime | None = None,
    backdate_reason: str = "",
    contact_phone: str = "",
    follower=None,
    now: dt.datetime | None = None,
) -> Filed:
    """The vendor's desk files a report the hospital made by phone, WeCom, e-mail, fax or
    on site: the one service the portal's "file for a caller" form and the API share.

    A caller with an account is the ticket's reporter: it is theirs, as if they had filed
    it. A caller known only by name and phone has no account to follow the ticket, and
    nobody else reported it: the reporter is then a hospital IT person (`follower`, by
    default the first by name), who follows every ticket of the hospital anyway, and
    `caller_name` keeps who really called; pages, exports and notices say so."""
    if channel not in DESK_CHANNELS:
        raise TicketError(
            "invalid",
            _("Choose how the hospital reported it: phone, WeCom, e-mail, fax or on site."),
            field="channel",
        )
    if caller.person is not None:
        reporter, caller_name = caller.person, ""
        phone = contact_phone or caller.phone or caller.person.phone
    else:
        if not caller.name.strip() or not caller.phone.strip():
            raise TicketError(
                "invalid",
                _("Pick the caller from the hospital's people, or type their name and phone."),
                field="caller",
            )
        if follower is not None and not is_hospital_it(follower, contract):
            raise TicketError(
                "invalid",
                _("%(person)s is not hospital IT of %(hospital)s."),
                field="follower",
                person=str(follower),
                hospital=contract.hospital.name,
            )
        reporter = follower or hospital_people(contract, Role.HOSPITAL_IT).first()
        if reporter is None:
            raise TicketError(
                "invalid",
                _(
                    "%(hospital)s has no hospital IT account to follow a ticket for a caller "
                    "without an account: pick the caller from the hospital's people."
                ),
                field="caller",
                hospital=contract.hospital.name,
            )
        caller_name, phone = caller.name, contact_phone or caller.phone
    if not phone.strip():
        raise TicketError("invalid", _("Give a phone number to call back."), field="contact_phone")
    return file_ticket(
        contract=contract,
        system=system,
        service_class=service_class,
        title=title,
        description=description,
        reporter=reporter,
        contact_phone=phone,
        now=now,
        channel=channel,
        reported_at=reported_at,
        entered_by=entered_by,
        caller_name=caller_name,
        backdate_reason=backdate_reason,
    )


def check_reported_at(
    reported_at: dt.datetime | None, *, entered: dt.datetime, contract: Contract, reason: str
) -> dt.datetime:
    """When the hospital reported it: never after it was entered, more than
    BACKDATE_NEEDS_REASON before only with a reason, and never more than the contract's
    limit before (an old report would start clocks long since run out)."""
    if reported_at is None:
        return entered
    if timezone.is_naive(reported_at):
        raise TicketError(
            "invalid", _("Give the report time with its time zone."), field="reported_at"
        )
    if reported_at > entered:
        raise TicketError(
            "invalid", _("The report time cannot be in the future."), field="reported_at"
        )
    late_by = entered - reported_at
    limit = dt.timedelta(hours=contract.backdating_limit_hours)
    if late_by > limit:
        raise TicketError(
            "invalid",
            _(
                "The report time is more than %(hours)s hours ago, the most this contract "
                "allows: file it with the time it is entered and explain in the description."
            ),
            field="reported_at",
            hours=contract.backdating_limit_hours,
        )
    if late_by > BACKDATE_NEEDS_REASON and not reason.strip():
        raise TicketError(
            "invalid",
            _("The report time is more than 30 minutes ago: say why it is entered only now."),
            field="backdate_reason",
        )
    return reported_at


def _provenance(ticket: Ticket) -> dict:
    """How the report came in, for the timeline and the audit trail: the channel always,
    who typed it for whom and how late only where that happened."""
    facts: dict = {"channel": ticket.channel}
    if ticket.entered_by_id:
        facts["entered_by"] = ticket.entered_by_id
    if ticket.entered_by_id or ticket.caller_name:
        facts["caller"] = ticket.caller
    if ticket.entered_at != ticket.created_at:
        facts["entered_at"] = ticket.entered_at.isoformat()
        facts["late_minutes"] = ticket.late_minutes
    if ticket.backdate_reason:
        facts["reason"] = ticket.backdate_reason
    return facts


def _clocks_to_start(
    ticket: Ticket, service_class: ServiceClass, now: dt.datetime
) -> list[TicketClock]:
    """The new ticket's clocks, unsaved, deadlines counted: what clocks.apply_service_class()
    makes of a ticket that has no clocks and no holds yet, without its reads and writes
    back (tests/tickets/test_filing.py holds the two to the same result)."""
    if "clocks" in getattr(service_class, "_prefetched_objects_cache", {}):
        # Read with the row (ServiceClassQuerySet.first_with_clocks: the API's filing).
        read = service_class.clocks.all()
    else:
        # By clock name, so unordered: the model's ordering would join the row and its
        # contract.
        read = service_class.clocks.select_related("calendar", "due_by_opening_of").order_by()
    targets = {target.clock: target for target in read}
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
            due_by_opening_of=target.due_by_opening_of,
            started_at=clocks.clock_start_time(ticket, target.starts_from),
            is_active=True,
        )
        clocks.reschedule_clock(clock, ticket, [], now)
        started.append(clock)
    return started
