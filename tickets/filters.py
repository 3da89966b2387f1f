"""The filters of every ticket list (the hospital's list, the queue, the dispatch board) and of
their exports: one definition, read from the query string so a filtered list is a link.

Values are checked for their form only (a code, a number, a date): a contract code of
someone else's contract finds nothing, because the list it filters holds only the person's
own tickets. The choices offered, with how many tickets each has, come from `facets()`: one
grouping query over the filtered list, not a query per choice or per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import django_filters
from django import forms
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import Channel, State, Ticket

# The query-string names that are filters (the rest: show, mine, cursor, format, view…).
FILTER_NAMES = (
    "hospital",
    "contract",
    "system",
    "service_class",
    "state",
    "assignee",
    "channel",
    "overdue",
    "at_risk",
    "created_after",
    "created_before",
    "due_after",
    "due_before",
)

YES_NO = (("1", _("Yes")), ("0", _("No")))


class AssigneeField(forms.CharField):
    """A person's id, `me`, or `none` (nobody assigned yet)."""

    def clean(self, value):
        value = super().clean(value)
        if value and value not in ("me", "none") and not value.isdigit():
            raise forms.ValidationError(_("Choose an engineer from the list."))
        return value


class AssigneeFilter(django_filters.CharFilter):
    field_class = AssigneeField


class TicketFilterSet(django_filters.FilterSet):
    hospital = django_filters.CharFilter(
        field_name="contract__hospital__code", label=_("Hospital"), max_length=10
    )
    contract = django_filters.CharFilter(
        field_name="contract__code", label=_("Contract"), max_length=50
    )
    system = django_filters.NumberFilter(field_name="system_id", label=_("System"), min_value=1)
    service_class = django_filters.NumberFilter(
        field_name="service_class_id", label=_("Level or category"), min_value=1
    )
    state = django_filters.ChoiceFilter(choices=State.choices, label=_("State"))
    assignee = AssigneeFilter(method="by_assignee", label=_("Engineer"), max_length=20)
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_overdue", label=_("Deadline missed")
    )
    at_risk = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_at_risk", label=_("Deadline near")
    )
    created = django_filters.DateFromToRangeFilter(
        field_name="created_at", label=_("Reported between")
    )
    due = django_filters.DateFromToRangeFilter(
        field_name="next_due_at", label=_("Next deadline between")
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, now=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.now = now or timezone.now()

    def by_assignee(self, queryset: QuerySet[Ticket], name, value):
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            return queryset.filter(assignee_id=self.request.user.pk)
        return queryset.filter(assignee_id=int(value))

    def by_overdue(self, queryset: QuerySet[Ticket], name, value):
        # The next deadline of a running clock has passed (the queue's red rows).
        overdue = Q(next_due_at__lte=self.now)
        return queryset.filter(overdue) if value == "1" else queryset.exclude(overdue)

    def by_at_risk(self, queryset: QuerySet[Ticket], name, value):
        # Past the warning time, not yet past the deadline (the queue's amber rows).
        near = Q(next_warn_at__lte=self.now, next_due_at__gt=self.now)
        return queryset.filter(near) if value == "1" else queryset.exclude(near)


def is_filtered(query) -> bool:
    return any(query.get(name) for name in FILTER_NAMES)


def filter_query(query) -> str:
    """The filters of a query string alone, as a query string (for a saved view)."""
    kept = query.copy()
    for name in list(kept):
        if name not in FILTER_NAMES:
            kept.pop(name)
    return kept.urlencode()


def error_text(filters: TicketFilterSet) -> str:
    """The form's errors as one line, for a page's message or an export's refusal."""
    return " ".join(
        f"{filters.form.fields[name].label}: {' '.join(errors)}"
        if name in filters.form.fields
        else " ".join(errors)
        for name, errors in filters.form.errors.items()
    )


@dataclass
class Facet:
    name: str
    label: str
    # (value, label, count), most tickets first.
    choices: list[tuple[str, str, int]] = field(default_factory=list)
    selected: str = ""


FACETS = (
    ("state", _("State")),
    ("hospital", _("Hospital")),
    ("contract", _("Contract")),
    ("system", _("System")),
    ("service_class", _("Level or category")),
    ("assignee", _("Engineer")),
    ("channel", _("Channel")),
)

_GROUPED = {
    "state": "state",
    "hospital": "contract__hospital__code",
    "hospital_name": "contract__hospital__short_name",
    "hospital_full": "contract__hospital__name",
    "contract": "contract__code",
    "contract_name": "contract__name",
    "system": "system_id",
    "system_name": "system__name",
    "service_class": "service_class_id",
    "service_class_name": "service_class__name",
    "assignee": "assignee_id",
    "assignee_name": "assignee__full_name",
    "assignee_username": "assignee__username",
    "channel": "channel",
}


def facets(queryset: QuerySet[Ticket], selected=None) -> list[Facet]:
    """How many tickets of the (filtered) list have each value of each filter, in one
    grouping query: the choices a person can narrow the list by, each with its count.
    `selected` (the query string) marks each filter's chosen value."""
    selected = selected or {}
    counts: dict[str, dict[str, list]] = {name: {} for name, _label in FACETS}
    rows = queryset.order_by().values(*_GROUPED.values()).annotate(n=Count("pk"))
    for row in rows:
        values = {key: row[column] for key, column in _GROUPED.items()}
        labels = {
            "state": State(values["state"]).label if values["state"] in State.values else "",
            "hospital": values["hospital_name"] or values["hospital_full"],
            "contract": values["contract_name"],
            "system": values["system_name"],
            "service_class": values["service_class_name"],
            "assignee": values["assignee_name"] or values["assignee_username"] or _("Nobody"),
            "channel": Channel(values["channel"]).label
            if values["channel"] in Channel.values
            else "",
        }
        for name, _label in FACETS:
            value = values[name]
            key = "none" if name == "assignee" and value is None else str(value)
            entry = counts[name].setdefault(key, [str(labels[name]), 0])
            entry[1] += row["n"]
    return [
        Facet(
            name,
            str(label),
            sorted(
                ((value, text, n) for value, (text, n) in counts[name].items()),
                key=lambda choice: (-choice[2], choice[1]),
            ),
            selected.get(name, ""),
        )
        for name, label in FACETS
    ]
