"""How the reports write a duration: in minutes below an hour, so that a short outage or a
short overrun never reads "0 h"; in hours (to 0.01, trailing zeros dropped) from an hour on."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _


def duration_text(minutes: Decimal | float | int | None) -> str:
    """45 → "45 min", 0.3 → "1 min" (any part of a minute reads as one), 0 → "0 min",
    90 → "1.5 h", 1007.4 → "16.79 h"; None → "—"."""
    if minutes is None:
        return "—"
    minutes = Decimal(str(minutes))
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": math.ceil(minutes)}
    hours = (minutes / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return _("%(hours)s h") % {"hours": f"{hours:f}"}


def hours_text(hours: Decimal | float | int | None) -> str:
    """A duration given in hours, written as duration_text() writes it."""
    return "—" if hours is None else duration_text(Decimal(str(hours)) * 60)


def hours_change_text(hours: Decimal | float | int | None) -> str:
    """A change of a duration given in hours: "+1.5 h", "−45 min", "0 min"; None → "—"."""
    if hours is None:
        return "—"
    hours = Decimal(str(hours))
    sign = "+" if hours > 0 else "−" if hours < 0 else ""
    return sign + hours_text(abs(hours))
