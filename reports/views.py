"""The vendor manager's per-contract dashboard: one quarter's figures, cards and charts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.selectors import contract_for
from inspections.figures import inspection_figure
from opsdesk.page_policy import contract_figures_refusal, may_see_contract_figures
from reports import charts
from reports.figures import quarter_summary
from reports.periods import SHANGHAI, Period, quarters_of


@login_required
def contract_dashboard(request, code: str):
    contract = contract_for(request.user, code)  # 404 for a contract not the user's
    if not may_see_contract_figures(request.user, contract):
        return contract_figures_refusal(request, contract)
    now = timezone.now()
    today = now.astimezone(SHANGHAI).date()
    current = Period.current_quarter(today)
    asked = request.GET.get("quarter", "")
    try:
        period = Period.parse_quarter(asked) if asked else current
    except ValueError:
        messages.warning(
            request,
            _("“%(value)s” is not a quarter (write it like 2026-Q3); showing the current one.")
            % {"value": asked[:20]},
        )
        period = current
    summary = quarter_summary(contract, period, now)
    inspections = inspection_figure(contract, period.start, period.end, today)
    in_force = period.overlap(contract.starts_on, contract.ends_on)
    next_period = period.next()
    return render(
        request,
        "reports/dashboard.html",
        {
            "contract": contract,
            "period": period,
            "summary": summary,
            "inspections": inspections,
            "now": now,
            "in_force": in_force,
            "previous_period": period.previous(),
            "next_period": next_period if next_period.start <= today else None,
            "quarters": quarters_of(contract, today),
            "charts": {
                "months": charts.monthly_tickets_chart(summary.by_month),
                "compliance": charts.compliance_chart(
                    summary.compliance, target=summary.contract.sla_target_percent
                ),
                "downtime": charts.downtime_chart(summary.downtime),
            },
        },
    )
