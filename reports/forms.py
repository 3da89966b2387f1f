"""The reports page's forms: asking for a report of a quarter or a year, and the vendor
manager's improvement measures. The periods offered are the contract's own (its service
years and quarters, contracts.periods, then the calendar's, up to today), so a typed-in
period outside the term is refused here already; the services still have the last word."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts import periods
from contracts.models import Contract
from reports.models import ReportKind
from reports.periods import Period
from reports.services import ACCEPTANCE_OPINION_LIMIT

IMPROVEMENTS_LIMIT = 20000


def choices_of(contract: Contract, today: dt.date, *, years: bool) -> list:
    """The periods a report can be asked for, grouped: the contract's service years (or
    quarters) first where they differ from the calendar's, then the calendar's."""
    groups = [
        (label, [(choice.param, choice.label) for choice in choices])
        for label, choices in periods.picker_groups(contract, today)
        if any(choice.is_year == years for choice in choices)
    ]
    return [(label, choices) for label, choices in groups if choices]


class RequestReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Report"), choices=ReportKind.choices, widget=forms.RadioSelect
    )
    quarter = forms.ChoiceField(label=_("Quarter"), required=False)
    year = forms.ChoiceField(label=_("Year"), required=False)
    include_bound_book = forms.BooleanField(
        label=_("Include the bound book (every ticket's record and every inspection report)"),
        required=False,
    )

    def __init__(self, *args, contract: Contract, today: dt.date, **kwargs) -> None:
        self.contract = contract
        started = contract.starts_on <= today
        self.quarters = choices_of(contract, today, years=False) if started else []
        self.years = choices_of(contract, today, years=True) if started else []
        self.finished = {
            choice.param
            for _label, choices in periods.picker_groups(contract, today)
            for choice in choices
            if choice.period.end <= today
        }
        kwargs.setdefault("initial", self._initial())
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = self.quarters
        self.fields["year"].choices = self.years

    def _initial(self) -> dict:
        # The last finished quarter is the one people ask for (before the quarterly meeting).
        quarters = [value for _label, choices in self.quarters for value, _text in choices]
        years = [value for _label, choices in self.years for value, _text in choices]
        finished = [value for value in quarters if value in self.finished]
        return {
            "kind": ReportKind.QUARTERLY,
            "quarter": (finished or quarters or [""])[0],
            "year": years[0] if years else None,
        }

    @property
    def has_periods(self) -> bool:
        return bool(self.quarters)

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if kind == ReportKind.QUARTERLY:
            if not data.get("quarter"):
                self.add_error("quarter", _("Choose the quarter of a quarterly report."))
            if data.get("include_bound_book"):
                self.add_error(
                    "include_bound_book", _("Only the annual report includes the bound book.")
                )
        elif kind == ReportKind.ANNUAL and data.get("year") in (None, ""):
            self.add_error("year", _("Choose the year of the annual report."))
        return data

    def period(self) -> Period:
        data = self.cleaned_data
        value = data["year"] if data["kind"] == ReportKind.ANNUAL else data["quarter"]
        return periods.parse(self.contract, value).period


class AcceptanceForm(forms.Form):
    opinion = forms.CharField(
        label=_("Hospital's opinion"),
        required=False,
        max_length=ACCEPTANCE_OPINION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ImprovementsForm(forms.Form):
    improvements = forms.CharField(
        label=_("Improvement measures"),
        required=False,
        max_length=IMPROVEMENTS_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
