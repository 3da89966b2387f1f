"""A contract's outages of a year against its availability target (C5: ≤ 8 h a year)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from contracts.selectors import contract_for
from reports.policy import may_see_dashboard
from tickets.availability import availability_year, outages_in_year


@login_required
def contract_outages(request, code: str):
    contract = contract_for(request.user, code)
    if not may_see_dashboard(request.user, contract):
        raise PermissionDenied
    now = timezone.now()
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    if not 2000 <= year <= 2100:
        year = this_year
    figure = availability_year(contract, year, now=now)
    # Minutes each lasted, an open one until now.
    outages = [
        (outage, int(outage.duration(now).total_seconds() // 60))
        for outage in outages_in_year(contract, year)
    ]
    return render(
        request,
        "tickets/outages.html",
        {
            "contract": contract,
            "year": year,
            "years": range(min(contract.starts_on.year, this_year), max(this_year, year) + 1),
            "figure": figure,
            "over_hours": -figure.remaining_hours if figure.within_target is False else None,
            "outages": outages,
        },
    )
