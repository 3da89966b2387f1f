"""Who is told what about a ticket, and in which words.

Messages are queued in the notifications outbox inside the caller's transaction and sent
after commit, so a failing channel never breaks the ticket flow and nothing is lost when
the broker is down.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import EscalationTrigger, Membership, Role, escalation_roles
from notifications.links import ticket_url
from notifications.models import NotificationEvent, Preference
from notifications.preferences import Book
from notifications.services import (
    Addressee,
    active_channels,
    addressees,
    channels_of,
    notify_channels,
    notify_people,
)
from opsdesk import outbox
from tickets.models import Event, State, Ticket, TicketClock
from tickets.policy import HOSPITAL_STAFF, readers
from webhooks.models import WebhookEvent
from webhooks.payloads import clock_payload, ticket_payload
from webhooks.services import active_subscriptions, publish, subscriptions_covering


def party_holding(ticket: Ticket, role: str) -> int:
    """The organisation of the ticket's contract whose people hold `role`: the hospital for
    hospital roles, the vendor for the others."""
    contract = ticket.contract
    return contract.hospital_id if role in HOSPITAL_STAFF else contract.vendor_id


def people(ticket: Ticket, role: str):
    """The people holding `role` at the party of the ticket's contract that has that role."""
    if role == Role.ENGINEER:
        # Only the engineer on the ticket; an unassigned ticket is the dispatchers' to place.
        return get_user_model().objects.filter(pk=ticket.assignee_id, is_active=True)
    if role == Role.REPORTER:
        return get_user_model().objects.filter(pk=ticket.reporter_id, is_active=True)
    return (
        get_user_model()
        .objects.filter(
            memberships__organization_id=party_holding(ticket, role),
            memberships__role=role,
            is_active=True,
        )
        .distinct()
    )


def staff(ticket: Ticket, *roles: str) -> list:
    """people(ticket, role) for each of these organisation roles in turn, in one query."""
    by_role, _roles, _answers = staff_by_role(ticket, *roles)
    return [person for role in roles for person in by_role[role]]


def staff_by_role(
    ticket: Ticket,
    *roles: str,
    also: tuple[int, ...] = (),
    choices_for: str | None = None,
    ask: dict[str, Exists] | None = None,
) -> tuple[dict[str, list], Book, dict[str, bool] | None]:
    """people(ticket, role) for each of these organisation roles, and a Book of every role
    each of them (and of the people `also` names) holds anywhere, which their notification
    defaults follow (notifications.preferences.Book), with their own choice for the event
    `choices_for` if one is given: one query, reading only these people's memberships, not
    every member of both parties.

    `ask`: questions about the ticket that do not depend on the person (is there any row
    of …), answered by the same query, each under its name; the answers are None when the
    query found nobody to answer them with."""
    wanted = {(party_holding(ticket, role), role) for role in roles}
    # Anyone holding one of the roles at one of the parties: a few more than wanted at
    # most (a role held at the other party), which the loop below leaves out.
    holders = Membership.objects.filter(
        organization_id__in={organization for organization, _role in wanted},
        role__in=roles,
    ).values("user_id")
    whose = Q(user__in=holders) | Q(user_id__in=also) if also else Q(user__in=holders)
    # Unordered: sorted below (an ORDER BY would cost Django more than sorting these few
    # rows: it hashes every column selected, the person's too, to match it against them).
    memberships = Membership.objects.filter(whose, user__is_active=True).select_related("user")
    if choices_for is not None:
        # Each person's row for this one event (at most one: notifications_preference_once)
        # joined to their memberships, rather than read by a query of its own.
        memberships = memberships.annotate(
            choice=FilteredRelation(
                "user__notification_preferences",
                condition=Q(user__notification_preferences__event=choices_for),
            ),
            choice_id=F("choice__id"),
            choice_email=F("choice__email"),
            choice_wecom_app=F("choice__wecom_app"),
        )
    if ask:
        # The same for every row: PostgreSQL works each out once (an InitPlan).
        memberships = memberships.annotate(**{f"asked_{name}": ask[name] for name in ask})
    by_role: dict[str, list] = {role: [] for role in roles}
    roles_of: dict[int, set[str]] = {}
    choices: dict[int, Preference | None] = {}
    answers = None
    for membership in sorted(memberships, key=lambda row: (row.user_id, row.pk)):
        if ask and answers is None:
            answers = {name: getattr(membership, f"asked_{name}") for name in ask}
        roles_of.setdefault(membership.user_id, set()).add(membership.role)
        if choices_for is not None:
            choices[membership.user_id] = (
                Preference(
                    id=membership.choice_id,
                    person_id=membership.user_id,
                    event=choices_for,
                    email=membership.choice_email,
                    wecom_app=membership.choice_wecom_app,
                )
                if membership.choice_id is not None
                else None
            )
        key = (membership.organization_id, membership.role)
        if key in wanted and all(p.pk != membership.user_id for p in by_role[key[1]]):
            by_role[membership.role].append(membership.user)
    book = Book()
    for person, held in roles_of.items():
        book.learn(person, held, choices_for, choices.get(person))
    return by_role, book, answers


def _tell_systems(
    event: str, ticket: Ticket, *, dedupe: str = "", details=dict, subscriptions=None
) -> None:
    """Hospital and vendor systems that subscribed hear it too, in the API's ticket JSON.
    The payload is built only if someone subscribed: the breach sweep calls this per clock."""
    publish(
        event,
        contract=ticket.contract,
        data=lambda: {"ticket": ticket_payload(ticket), **details()},
        dedupe=dedupe,
        subscriptions=subscriptions,
    )


def _prefix(ticket: Ticket) -> str:
    return f"[{ticket.number}] "


@dataclass(frozen=True)
class NewTicketReaders:
    """Who hears of a ticket being filed, and how, worked out before it is: see
    readers_of_new_ticket()."""

    staff: list[Addressee]  # the vendor's dispatchers (and hospital IT, if the hospital filed)
    filed_for: list[Addressee] | None  # the reporter and hospital IT, if the vendor filed
    channels: list
    subscriptions: list


def readers_of_new_ticket(ticket: Ticket) -> NewTicketReaders:
    """Everything ticket_created() reads, from the ticket before it is saved (its contract,
    reporter and who entered it): filing calls this before it takes the hospital's number,
    so that the number sequence stays locked for the inserts only, not for these reads.
    One query (two with a WeCom-bound reader), whoever files: the people with their roles
    and choices, and whether the contract has any group channel or subscribed system; each
    of those it has is one query more, as is each when nobody is there to be told."""
    entered = bool(ticket.entered_by_id)
    also = (ticket.reporter_id,) if entered else ()
    event = NotificationEvent.TICKET_CREATED
    contract = ticket.contract
    by_role, preferences, listening = staff_by_role(
        ticket,
        Role.DISPATCHER,
        Role.HOSPITAL_IT,
        also=also,
        choices_for=event,
        ask={
            "channels": Exists(channels_of([contract.pk])),
            "subscriptions": Exists(subscriptions_covering([contract])),
        },
    )
    listening = listening or {"channels": True, "subscriptions": True}
    reporter = [ticket.reporter] if entered and ticket.reporter.is_active else []
    told = [*by_role[Role.DISPATCHER], *([] if entered else by_role[Role.HOSPITAL_IT])]
    return NewTicketReaders(
        staff=addressees(event=event, recipients=told, preferences=preferences),
        filed_for=addressees(
            event=event,
            recipients=[*reporter, *by_role[Role.HOSPITAL_IT]],
            preferences=preferences,
        )
        if entered
        else None,
        channels=active_channels([contract.pk])[contract.pk] if listening["channels"] else [],
        subscriptions=active_subscriptions([contract])[contract.pk]
        if listening["subscriptions"]
        else [],
    )


def ticket_created(
    ticket: Ticket, *, found_in=None, readers: NewTicketReaders | None = None
) -> None:
    """`found_in`: the inspection in which the vendor's engineer (or hospital IT) found the
    problem and filed it; the message says so, not that the hospital reported it.
    `readers`: readers_of_new_ticket(ticket), read before the ticket was saved; called in
    the filing's transaction right after the ticket's rows are written, so the messages'
    keys (the new ticket's id) cannot be taken yet."""
    if readers is None:
        readers = readers_of_new_ticket(ticket)

    def subject() -> str:
        return _prefix(ticket) + _("New ticket: %(title)s") % {"title": ticket.title}

    def body() -> str:
        if found_in is not None:
            return _(
                "%(person)s found %(level)s on %(system)s during the inspection “%(inspection)s” "
                "and filed it.\n\n%(description)s"
            ) % {
                "person": ticket.reporter,
                "level": ticket.service_class.name,
                "system": ticket.system.path(),
                "inspection": found_in.title,
                "description": ticket.description,
            }
        return _("%(hospital)s reported %(level)s on %(system)s.\n\n%(description)s") % {
            "hospital": ticket.contract.hospital.name,
            "level": ticket.service_class.name,
            "system": ticket.system.path(),
            "description": ticket.description,
        }

    # One INSERT for the people's and the channels' messages.
    with outbox.batched():
        _tell_new_ticket(ticket, readers, subject, body)
    _tell_systems(
        WebhookEvent.TICKET_CREATED,
        ticket,
        dedupe=f"ticket:{ticket.pk}:created",
        subscriptions=readers.subscriptions,
    )


def _tell_new_ticket(ticket: Ticket, readers: NewTicketReaders, subject, body) -> None:
    if readers.filed_for is not None:
        # The hospital hears its report was taken, in the words of filed_for_hospital().
        filed_for_hospital(ticket, addressed=readers.filed_for)
    notify_people(
        event=NotificationEvent.TICKET_CREATED,
        ticket=ticket,
        addressed=readers.staff,
        subject=subject,
        body=body,
        dedupe=f"ticket:{ticket.pk}:created",
        new_fact=True,
    )
    notify_channels(
        event=NotificationEvent.TICKET_CREATED,
        ticket=ticket,
        subject=subject,
        body=body,
        dedupe=f"ticket:{ticket.pk}:created",
        channels=readers.channels,
        new_fact=True,
    )


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def agreement_requested(ticket: Ticket, *, by, ask_hospital: bool, what) -> None:
    """One side proposed a time (a change window, an on-site appointment): the other side is
    asked to agree. The hospital's side is its IT department, and for an appointment also
    the person who reported the fault; the vendor's side is the engineer and the manager."""
    from tickets.models import Appointment

    is_appointment = isinstance(what, Appointment)
    if ask_hospital:
        recipients = staff(ticket, Role.HOSPITAL_IT)
        if is_appointment:
            recipients += list(people(ticket, Role.REPORTER))
    else:
        recipients = [*people(ticket, Role.ENGINEER), *staff(ticket, Role.VENDOR_MANAGER)]

    def subject() -> str:
        if is_appointment:
            return _prefix(ticket) + _("Please confirm: engineer on site at %(at)s") % {
                "at": _when(what.at)
            }
        return _prefix(ticket) + _("Please agree: change window %(start)s – %(end)s") % {
            "start": _when(what.starts_at),
            "end": _when(what.ends_at),
        }

    def body() -> str:
        return _(
            "%(person)s proposed this time for “%(title)s”. Agree to it on the ticket: %(url)s"
        ) % {
            "person": by,
            "title": ticket.title,
            "url": ticket_url(ticket),
        }

    notify_people(
        event=NotificationEvent.AGREEMENT_REQUESTED,
        ticket=ticket,
        recipients=[person for person in recipients if person.pk != by.pk],
        subject=subject,
        body=body,
        dedupe=f"ticket:{ticket.pk}:{type(what).__name__.lower()}:{what.pk}:proposed",
    )


def appointment_recorded(ticket: Ticket, *, by, appointment) -> None:
    """The vendor recorded that the hospital confirmed an on-site time by phone (or WeCom,
    e-mail, in person): the hospital hears at once who is said to have agreed, so that it
    can object on the ticket if that is not so."""
    recipients = [*staff(ticket, Role.HOSPITAL_IT), *people(ticket, Role.REPORTER)]

    def subject() -> str:
        return _prefix(ticket) + _("On-site time recorded as agreed: %(at)s") % {
            "at": _when(appointment.at)
        }

    def body() -> str:
        return _(
            "%(recorder)s recorded that %(person)s agreed by %(channel)s at %(agreed)s that the "
            "engineer comes on site at %(at)s for “%(title)s”. If that is not so, say it on the "
            "ticket: %(url)s"
        ) % {
            "recorder": by,
            "person": appointment.agreed_name,
            "channel": appointment.get_agreed_channel_display(),
            "agreed": _when(appointment.agreed_at),
            "at": _when(appointment.at),
            "title": ticket.title,
            "url": ticket_url(ticket),
        }

    notify_people(
        event=NotificationEvent.AGREEMENT_REQUESTED,
        ticket=ticket,
        recipients=recipients,
        subject=subject,
        body=body,
        dedupe=f"ticket:{ticket.pk}:appointment:{appointment.pk}:recorded",
    )


def filed_for_hospital(ticket: Ticket, *, addressed: list[Addressee] | None = None) -> None:
    """A report the vendor's desk typed in for the hospital: the reporter and hospital IT
    learn at once that it is on record, by whom, from which report, with the ticket's link,
    each in their own language, so that the hospital can check what was written down.
    `addressed`: readers_of_new_ticket()'s choice of them, when filing read it ahead."""

    def subject() -> str:
        return _prefix(ticket) + _("Filed for you: %(title)s") % {"title": ticket.title}

    def body() -> str:
        text = _(
            "%(entered_by)s filed this for you from %(caller)s's report by %(channel)s at "
            "%(reported)s: %(level)s on %(system)s."
        ) % {
            "entered_by": str(ticket.entered_by),
            "caller": ticket.caller,
            "channel": ticket.get_channel_display(),
            "reported": f"{timezone.localtime(ticket.created_at):%Y-%m-%d %H:%M}",
            "level": ticket.service_class.name,
            "system": ticket.system.path(),
        }
        if ticket.caller_name:
            text += "\n" + _("%(reporter)s follows it for the hospital.") % {
                "reporter": str(ticket.reporter)
            }
        return f"{text}\n\n{ticket.description}\n\n{ticket_url(ticket)}"

    notify_people(
        event=NotificationEvent.TICKET_CREATED,
        ticket=ticket,
        recipients=()
        if addressed is not None
        else [*people(ticket, Role.REPORTER), *people(ticket, Role.HOSPITAL_IT)],
        addressed=addressed,
        subject=subject,
        body=body,
        dedupe=f"ticket:{ticket.pk}:filed-for",
        new_fact=addressed is not None,
    )


def watchers(ticket: Ticket) -> list:
    """The people on the ticket's copy list who may still read it."""
    watching = readers(ticket).filter(watches__ticket=ticket)
    return list(watching)


def person_event(ticket: Ticket, from_state: str) -> str:
    """What a person hears a transition as: the steps a reporter waits for have their own
    event (and preference); every other step is a plain state change."""
    if from_state == State.NEW and ticket.state in (State.ACKNOWLEDGED, State.DISPATCHED):
        return NotificationEvent.TICKET_ACKNOWLEDGED
    if ticket.state == State.ON_SITE and from_state != State.ON_HOLD:
        return NotificationEvent.TICKET_ARRIVED
    if ticket.state in (State.RESOLVED, State.DONE):
        return NotificationEvent.TICKET_RESOLVED
    return NotificationEvent.STATE_CHANGED


def state_changed(ticket: Ticket, *, by, from_state: str) -> None:
    """The reporter and the watchers follow the ticket, each as their preferences say; C4
    also wants the hospital told at start and end."""

    def subject() -> str:
        return _prefix(ticket) + _("Now “%(state)s”") % {"state": ticket.get_state_display()}

    def body() -> str:
        return _("%(title)s\n%(who)s changed it from “%(from)s” to “%(to)s”.") % {
            "title": ticket.title,
            "who": str(by),
            "from": State(from_state).label,
            "to": ticket.get_state_display(),
        }

    recipients = [*people(ticket, Role.REPORTER), *watchers(ticket)]
    if ticket.state in (State.RESOLVED, State.DONE, State.ROLLED_BACK, State.AWAITING_APPROVAL):
        recipients += list(people(ticket, Role.HOSPITAL_IT))
    recipients = [person for person in recipients if person.pk != by.pk]
    notify_people(
        event=person_event(ticket, from_state),
        ticket=ticket,
        recipients=recipients,
        subject=subject,
        body=body,
    )
    notify_channels(
        event=NotificationEvent.STATE_CHANGED, ticket=ticket, subject=subject, body=body
    )
    _tell_systems(
        WebhookEvent.STATE_CHANGED,
        ticket,
        details=lambda: {"from_state": from_state, "to_state": ticket.state, "by": str(by)},
    )


def mentioned_in(ticket: Ticket, text: str, *, internal: bool) -> list:
    """The people an "@name" in the text names (full name or username), among those who may
    read it: an internal note's mentions reach only the vendor's staff."""
    if "@" not in text:
        return []
    found = []
    for person in readers(ticket, internal=internal):
        names = {person.username, person.get_full_name()} - {""}
        if any(f"@{name}" in text for name in names):
            found.append(person)
    return found


def commented(ticket: Ticket, event: Event) -> None:
    """A comment reaches the reporter, the engineer and the watchers (as their preferences
    say); an internal note only the vendor's staff it names. Everyone named with @ hears
    of it as a mention."""
    by = event.actor
    named = mentioned_in(ticket, event.note, internal=event.internal)

    def subject_for(mention: bool):
        def subject() -> str:
            if mention:
                text = _("%(who)s mentioned you: %(title)s")
            elif event.internal:
                text = _("Internal note from %(who)s: %(title)s")
            else:
                text = _("%(who)s commented: %(title)s")
            return _prefix(ticket) + text % {"who": str(by), "title": ticket.title}

        return subject

    def body() -> str:
        return event.note

    notify_people(
        event=NotificationEvent.MENTIONED,
        ticket=ticket,
        recipients=[person for person in named if person.pk != by.pk],
        subject=subject_for(True),
        body=body,
        dedupe=f"event:{event.pk}:mention",
    )
    if event.internal:
        return
    mentioned = {person.pk for person in named}
    followers = [*people(ticket, Role.REPORTER), *people(ticket, Role.ENGINEER), *watchers(ticket)]
    notify_people(
        event=NotificationEvent.COMMENT_ADDED,
        ticket=ticket,
        recipients=[p for p in followers if p.pk != by.pk and p.pk not in mentioned],
        subject=subject_for(False),
        body=body,
        dedupe=f"event:{event.pk}:comment",
    )


def assigned(ticket: Ticket, engineer) -> None:
    def subject() -> str:
        return _prefix(ticket) + _("Assigned to you: %(title)s") % {"title": ticket.title}

    def body() -> str:
        return _("%(hospital)s · %(system)s · %(level)s\n\n%(description)s") % {
            "hospital": ticket.contract.hospital.name,
            "system": ticket.system.path(),
            "level": ticket.service_class.name,
            "description": ticket.description,
        }

    notify_people(
        event=NotificationEvent.TICKET_ASSIGNED,
        ticket=ticket,
        recipients=[engineer],
        subject=subject,
        body=body,
    )


def level_changed(ticket: Ticket, *, previous, automatic: bool) -> None:
    def subject() -> str:
        return _prefix(ticket) + _("Level changed to %(level)s") % {
            "level": ticket.service_class.name
        }

    def body() -> str:
        reason = (
            _("The same problem occurred again: the contract's recurrence rule raised the level.")
            if automatic
            else ""
        )
        return _("%(title)s: %(old)s → %(new)s. %(reason)s") % {
            "title": ticket.title,
            "old": previous.name,
            "new": ticket.service_class.name,
            "reason": reason,
        }

    recipients = [
        *people(ticket, Role.ENGINEER),
        *people(ticket, Role.DISPATCHER),
        *people(ticket, Role.HOSPITAL_IT),
    ]
    notify_people(
        event=NotificationEvent.LEVEL_RAISED,
        ticket=ticket,
        recipients=recipients,
        subject=subject,
        body=body,
    )
    notify_channels(event=NotificationEvent.LEVEL_RAISED, ticket=ticket, subject=subject, body=body)


class Audience:
    """Recipients, group channels and webhook subscriptions of many tickets' contracts,
    read in a few queries for a whole sweep batch (load()) rather than per clock."""

    def __init__(self) -> None:
        self._people: dict[tuple[int, str], list] = {}
        self._staffed: set[int] = set()  # organisations whose every active holder is read
        self._channels: dict[int, list] = {}
        self._subscriptions: dict[int, list] = {}
        self.preferences = Book()

    def load(self, tickets: list[Ticket]) -> Audience:
        """Read ahead what telling these tickets' chains needs; their contracts' escalation
        steps should be prefetched (escalation_roles reads contract.escalation_steps)."""
        contracts = {ticket.contract_id: ticket.contract for ticket in tickets}
        self._channels.update(active_channels(list(contracts)))
        self._subscriptions.update(active_subscriptions(list(contracts.values())))
        organizations = {c.hospital_id for c in contracts.values()} | {
            c.vendor_id for c in contracts.values()
        }
        roles: dict[int, set[str]] = {}
        for organization, role, person in staff_of(organizations):
            self._people.setdefault((organization, role), []).append(person)
            roles.setdefault(person.pk, set()).add(role)
        self._staffed |= organizations
        # Everyone the batch could tell, with their choices, in one more query.
        self.preferences.load(roles, roles)
        return self

    def channels(self, ticket: Ticket) -> list:
        if ticket.contract_id not in self._channels:
            self._channels.update(active_channels([ticket.contract_id]))
        return self._channels[ticket.contract_id]

    def subscriptions(self, ticket: Ticket) -> list:
        if ticket.contract_id not in self._subscriptions:
            self._subscriptions.update(active_subscriptions([ticket.contract]))
        return self._subscriptions[ticket.contract_id]

    def roles(self, ticket: Ticket, trigger: str) -> list[str]:
        return escalation_roles(ticket.contract, trigger)

    def people(self, ticket: Ticket, role: str) -> list:
        if role in (Role.ENGINEER, Role.REPORTER):
            # The ticket's own engineer or reporter, read with it (select_related).
            person = ticket.assignee if role == Role.ENGINEER else ticket.reporter
            return [person] if person is not None and person.is_active else []
        key = (party_holding(ticket, role), role)
        if key not in self._people:
            # A role nobody active holds at a party already read is no one: asking again
            # would add a query per such role and batch, so the sweep's queries would
            # depend on who holds which role when it runs.
            found = [] if key[0] in self._staffed else list(people(ticket, role))
            self._people[key] = found
        return self._people[key]


def staff_of(organizations) -> list[tuple[int, str, object]]:
    """(organization id, role, person) of every active person holding a role there."""
    memberships = Membership.objects.filter(
        organization_id__in=organizations, user__is_active=True
    ).select_related("user")
    return [(m.organization_id, m.role, m.user) for m in memberships.order_by("user_id")]


def clock_alarm(clock: TicketClock, trigger: str, audience: Audience | None = None) -> None:
    """A warning or breach, told along the contract's escalation chain, exactly once each."""
    audience = audience or Audience()
    ticket = clock.ticket
    breach = trigger == EscalationTrigger.BREACH
    event = NotificationEvent.CLOCK_BREACHED if breach else NotificationEvent.CLOCK_WARNED

    def subject() -> str:
        text = _("%(clock)s deadline missed") if breach else _("%(clock)s deadline approaching")
        return _prefix(ticket) + text % {"clock": clock.get_name_display()}

    def body() -> str:
        from django.utils import formats, timezone

        return _("%(title)s (%(level)s, %(hospital)s)\nDue %(due)s.") % {
            "title": ticket.title,
            "level": ticket.service_class.name,
            "hospital": ticket.contract.hospital.name,
            "due": formats.date_format(timezone.localtime(clock.due_at), "DATETIME_FORMAT"),
        }

    roles = audience.roles(ticket, trigger)
    if Role.ENGINEER in roles and not ticket.assignee_id:
        roles.append(Role.DISPATCHER)
    recipients = [person for role in roles for person in audience.people(ticket, role)]
    key = f"clock:{clock.pk}:{trigger}"
    notify_people(
        event=event,
        ticket=ticket,
        recipients=recipients,
        subject=subject,
        body=body,
        dedupe=key,
        preferences=audience.preferences,
    )
    notify_channels(
        event=event,
        ticket=ticket,
        subject=subject,
        body=body,
        dedupe=key,
        channels=audience.channels(ticket),
    )
    _tell_systems(
        WebhookEvent.CLOCK_BREACHED if breach else WebhookEvent.CLOCK_WARNED,
        ticket,
        dedupe=key,
        details=lambda: {"clock": clock_payload(clock)},
        subscriptions=audience.subscriptions(ticket),
    )
