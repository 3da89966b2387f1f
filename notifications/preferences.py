"""What each person hears, by which medium: their own choice per event, or their roles'
defaults. A reporter hears of acknowledgement, arrival, resolution and comments on their
ticket, not every step; engineers of assignments, mentions and deadlines; managers of
breaches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from contracts.models import Membership, Role
from notifications.models import Medium, NotificationEvent, Preference

E = NotificationEvent

ROLE_DEFAULTS: dict[str, frozenset[str]] = {
    Role.REPORTER: frozenset(
        {
            E.CONSENT,  # the vendor asks the hospital's consent; one recorded in their name
            E.AGREEMENT_REQUESTED,  # an on-site time to confirm
            E.TICKET_CREATED,  # a report the vendor's desk filed for them
            E.TICKET_ACKNOWLEDGED,
            E.TICKET_ARRIVED,
            E.TICKET_RESOLVED,
            E.COMMENT_ADDED,
            E.MENTIONED,
        }
    ),
    Role.HOSPITAL_IT: frozenset(
        {
            E.CONSENT,
            E.AGREEMENT_REQUESTED,  # change windows and on-site times to agree
            E.QUOTA_WARNED,
            E.TICKET_CREATED,
            E.TICKET_RESOLVED,
            E.STATE_CHANGED,  # plans awaiting approval, changes done or rolled back
            E.LEVEL_RAISED,
            E.COMMENT_ADDED,
            E.MENTIONED,
            E.CLOCK_BREACHED,
            E.INSPECTION_DUE,
            E.INSPECTION_OVERDUE,
            E.REPORT_READY,
        }
    ),
    Role.ENGINEER: frozenset(
        {
            E.CONSENT,  # the hospital's answer
            E.AGREEMENT_REQUESTED,
            E.TICKET_ASSIGNED,
            E.MENTIONED,
            E.COMMENT_ADDED,
            E.CLOCK_WARNED,
            E.CLOCK_BREACHED,
            E.LEVEL_RAISED,
            E.INSPECTION_DUE,
            E.INSPECTION_OVERDUE,
        }
    ),
    Role.DISPATCHER: frozenset(
        {
            E.CONSENT,
            E.AGREEMENT_REQUESTED,
            E.TICKET_CREATED,
            E.CLOCK_WARNED,
            E.CLOCK_BREACHED,
            E.LEVEL_RAISED,
            E.MENTIONED,
            E.HOLIDAY_DATA_MISSING,
            E.INSPECTION_DUE,
            E.INSPECTION_OVERDUE,
        }
    ),
    Role.VENDOR_MANAGER: frozenset(
        {
            E.CONSENT,
            E.QUOTA_WARNED,
            E.CLOCK_BREACHED,
            E.LEVEL_RAISED,
            E.MENTIONED,
            E.HOLIDAY_DATA_MISSING,
            E.INSPECTION_OVERDUE,
            E.REPORT_READY,
        }
    ),
    Role.ADMINISTRATOR: frozenset({E.HOLIDAY_DATA_MISSING, E.REPORT_READY, E.MENTIONED}),
}
BOTH = frozenset({Medium.EMAIL, Medium.WECOM_APP})
# The order the preferences page lists them in: a ticket's life first, then the rest.
DISPLAY_ORDER = (
    E.TICKET_CREATED,
    E.TICKET_ACKNOWLEDGED,
    E.TICKET_ASSIGNED,
    E.TICKET_ARRIVED,
    E.TICKET_RESOLVED,
    E.STATE_CHANGED,
    E.COMMENT_ADDED,
    E.MENTIONED,
    E.LEVEL_RAISED,
    E.CLOCK_WARNED,
    E.CLOCK_BREACHED,
    E.CONSENT,
    E.AGREEMENT_REQUESTED,
    E.QUOTA_WARNED,
)


def default_media(event: str, roles: Iterable[str]) -> frozenset[str]:
    """Both media (where the person is reachable) if any of the roles hears of the event by
    default; none otherwise. Someone with no role at all (a platform administrator) hears
    what they are sent, as before preferences existed."""
    roles = set(roles)
    if not roles:
        return BOTH
    return BOTH if any(event in ROLE_DEFAULTS.get(role, ()) for role in roles) else frozenset()


class Book:
    """The choices and roles of a set of people, read in two queries."""

    def __init__(self) -> None:
        self._roles: dict[int, set[str]] = defaultdict(set)
        self._chosen: dict[tuple[int, str], frozenset[str]] = {}
        self._read: set[int] = set()
        # (person, event): the person's choice for this one event is known (see learn()).
        self._read_for: set[tuple[int, str]] = set()

    def learn(
        self,
        person_id: int,
        roles: Iterable[str],
        event: str | None = None,
        chosen: Preference | None = None,
    ) -> None:
        """What a caller read with the person (tickets.notices.staff_by_role): their roles,
        and with `event` their row for it (`chosen`; None: they have none, their roles'
        default applies), so that media(person_id, event) reads nothing."""
        self._roles[person_id] |= set(roles)
        if event is None:
            return
        if chosen is not None:
            self._chosen[(person_id, event)] = _media(chosen)
        self._read_for.add((person_id, event))

    def load(
        self,
        person_ids: Iterable[int],
        roles: dict[int, set[str]] | None = None,
        *,
        event: str | None = None,
    ) -> Book:
        """Read these people's roles (unless `roles` has them) and choices for every event;
        with `event`, not those whose choice for that one event the book already knows."""
        wanted = sorted(
            person
            for person in set(person_ids) - self._read
            if event is None or (person, event) not in self._read_for
        )
        if not wanted:
            return self
        if roles is None:
            for person, role in Membership.objects.filter(user_id__in=wanted).values_list(
                "user_id", "role"
            ):
                self._roles[person].add(role)
        else:
            for person in wanted:
                self._roles[person] |= roles.get(person, set())
        for row in Preference.objects.filter(person_id__in=wanted).order_by():  # into a dict
            self._chosen[(row.person_id, row.event)] = _media(row)
        self._read.update(wanted)
        return self

    def media(self, person_id: int, event: str) -> frozenset[str]:
        self.load([person_id], event=event)
        chosen = self._chosen.get((person_id, event))
        if chosen is not None:
            return chosen
        return default_media(event, self._roles.get(person_id, ()))


def _media(row: Preference) -> frozenset[str]:
    return frozenset(
        medium
        for medium, on in ((Medium.EMAIL, row.email), (Medium.WECOM_APP, row.wecom_app))
        if on
    )


def preferences_of(person) -> list[dict]:
    """Every event with the person's media and whether it is their roles' default."""
    book = Book().load([person.pk])
    roles = book._roles.get(person.pk, set())
    rows = []
    labels = dict(NotificationEvent.choices)
    ordered = [*DISPLAY_ORDER, *(e for e in NotificationEvent.values if e not in DISPLAY_ORDER)]
    for event, label in ((event, labels[event]) for event in ordered):
        media = book.media(person.pk, event)
        rows.append(
            {
                "event": event,
                "label": str(label),
                "email": Medium.EMAIL in media,
                "wecom_app": Medium.WECOM_APP in media,
                "default": (person.pk, event) not in book._chosen,
                "default_on": bool(default_media(event, roles)),
            }
        )
    return rows


def set_preferences(*, person, choices: dict[str, dict[str, bool]]) -> list[dict]:
    """Store the person's choice for each event given ({event: {"email": …, "wecom_app": …}});
    unknown events are refused by the caller's form or serializer."""
    with transaction.atomic():
        for event, media in choices.items():
            Preference.objects.update_or_create(
                person=person,
                event=event,
                defaults={
                    "email": bool(media.get("email")),
                    "wecom_app": bool(media.get("wecom_app")),
                },
            )
    return preferences_of(person)


def reset_preferences(*, person) -> None:
    Preference.objects.filter(person=person).delete()
