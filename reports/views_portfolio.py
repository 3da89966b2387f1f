"""The vendor manager's home page: an overview of their contracts (reports/portfolio.py)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from opsdesk.page_policy import page_for
from reports.portfolio import portfolio


@page_for("portfolio")
def portfolio_page(request):
    return render(
        request,
        "reports/portfolio.html",
        {"portfolio": portfolio(request.user, timezone.now())},
    )
