"""Who may change what every contract's clocks count in."""

from __future__ import annotations


def may_import_holiday_notice(user) -> bool:
    """The holiday table moves every hospital's deadlines: platform administrators only."""
    return bool(user and user.is_active and user.is_superuser)
