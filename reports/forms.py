"""The reports page's forms: asking for a report of a quarter or a year, and the vendor
manager's improvement measures. The periods offered are the contract's own (its quarters
and years up to today), so a typed-in period outside the term is refused here already;
the services still have the last word."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract
from reports.models import ReportKind
from reports.periods import Period, quarters_of
from reports.services import ACCEPTANCE_OPINION_LIMIT

IMPROVEMENTS_LIMIT = 20000


def years_of(contract: Contract, today: dt.date) -> list[int]:
    """The calendar years of the contract's term up to the current one, latest first."""
    last = min(contract.ends_on, today).year
    return list(range(last, contract.starts_on.year - 1, -1))


class RequestReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Report"), choices=ReportKind.choices, widget=forms.RadioSelect
    )
    quarter = forms.ChoiceField(label=_("Quarter"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    include_bound_book = forms.BooleanField(
        label=_("Include the bound book (every ticket's record and every inspection report)"),
        required=False,
    )

    def __init__(self, *args, contract: Contract, today: dt.date, **kwargs) -> None:
        self.quarters = quarters_of(contract, today) if contract.starts_on <= today else []
        self.years = years_of(contract, today) if contract.starts_on <= today else []
        kwargs.setdefault("initial", self._initial(today))
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [(q.param, q.label) for q in self.quarters]
        self.fields["year"].choices = [(year, str(year)) for year in self.years]

    def _initial(self, today: dt.date) -> dict:
        # The last finished quarter is the one people ask for (before the quarterly meeting).
        finished = [q for q in self.quarters if q.end <= today]
        quarter = (finished or self.quarters or [None])[0]
        return {
            "kind": ReportKind.QUARTERLY,
            "quarter": quarter.param if quarter else "",
            "year": self.years[0] if self.years else None,
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
        if data["kind"] == ReportKind.ANNUAL:
            return Period.year(data["year"])
        return Period.parse_quarter(data["quarter"])


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
