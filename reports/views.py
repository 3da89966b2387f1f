"""The vendor manager's per-contract dashboard: one period's figures, cards and charts.

The period is picked as the contract counts it (a service quarter or year, contracts.periods)
or as a calendar quarter or year; `?period=` names it, `?quarter=2026-Q3` still works."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import periods
from contracts.selectors import contract_for
from inspections.figures import inspection_figure
from opsdesk.page_policy import contract_figures_refusal, may_see_contract_figures
from reports import charts
from reports.figures import open_breaches_now, quarter_summary
from reports.periods import SHANGHAI

# How many open breaches the dashboard lists, the earliest first (it says how many more).
OPEN_BREACHES_SHOWN = 50


@login_required
def contract_dashboard(request, code: str):
    contract = contract_for(request.user, code)  # 404 for a contract not the user's
    if not may_see_contract_figures(request.user, contract):
        return contract_figures_refusal(request, contract)
    now = timezone.now()
    today = now.astimezone(SHANGHAI).date()
    current = periods.period_at(contract, periods.default_kind(contract), today)
    asked = request.GET.get("period", "") or request.GET.get("quarter", "")
    try:
        picked = periods.parse(contract, asked) if asked else current
    except ValueError:
        messages.warning(
            request,
            _(
                "“%(value)s” is not a period (write it like 2026-Q3, 2026, SY2026 or "
                "SY2026-Q1); showing the current quarter."
            )
            % {"value": asked[:20]},
        )
        picked = current
    period = picked.period
    summary = quarter_summary(contract, period, now)
    open_breaches = open_breaches_now(contract, now, first=OPEN_BREACHES_SHOWN)
    inspections = inspection_figure(contract, period.start, period.end, today)
    in_force = period.overlap(contract.starts_on, contract.ends_on)
    next_period = periods.following(contract, picked)
    previous_period = periods.previous(contract, picked)
    return render(
        request,
        "reports/dashboard.html",
        {
            "contract": contract,
            "period": period,
            "picked": picked,
            "summary": summary,
            "open_breaches": open_breaches,
            "inspections": inspections,
            "now": now,
            "in_force": in_force,
            # No step back into the time before the term (a period shown there says so).
            "previous_period": (
                previous_period if previous_period.period.end > contract.starts_on else None
            ),
            "next_period": next_period if next_period.period.start <= today else None,
            "period_groups": periods.picker_groups(contract, today),
            "charts": {
                "months": charts.monthly_tickets_chart(summary.by_month),
                "compliance": charts.compliance_chart(
                    summary.compliance, target=summary.contract.sla_target_percent
                ),
                "downtime": charts.downtime_chart(summary.downtime),
            },
        },
    )
