"""Telling administrators that a year's holiday schedule is missing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from sla.holidays import coverage_warnings, log_coverage_warnings


def notify_missing_holiday_years(today: dt.date) -> list[int]:
    """Log the warning and e-mail every active superuser in their language. Returns the years."""
    warnings = log_coverage_warnings(today)
    if not warnings:
        return []
    admins = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
    for admin in admins:
        with translation.override(admin.language):
            body = "\n\n".join(warning.message for warning in coverage_warnings(today))
            send_mail(
                subject=_("OpsDesk: holiday schedule missing for %(years)s")
                % {"years": ", ".join(str(w.year) for w in warnings)},
                message=body,
                from_email=None,
                recipient_list=[admin.email],
                fail_silently=True,
            )
    return [warning.year for warning in warnings]
