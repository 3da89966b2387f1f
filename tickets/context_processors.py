"""Which parts of the portal the navigation offers: hospital pages, vendor pages, or both."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from contracts.models import HOSPITAL_ROLES, Role
from contracts.selectors import memberships_of
from inspections.policy import READER_ROLES
from tickets.policy import VENDOR_STAFF


def _sides(user) -> dict[str, bool]:
    if not user.is_authenticated:
        return {"hospital": False, "vendor": False, "dispatch": False, "inspections": False}
    roles = {role for _organization, role in memberships_of(user)}
    return {
        "hospital": bool(roles & HOSPITAL_ROLES) or user.is_superuser,
        "vendor": bool(roles & VENDOR_STAFF) or user.is_superuser,
        "dispatch": bool(roles & {Role.DISPATCHER, Role.VENDOR_MANAGER}) or user.is_superuser,
        # inspections.policy.READER_ROLES: vendor staff, hospital IT, administrators.
        "inspections": bool(roles & READER_ROLES) or user.is_superuser,
    }


def portal_navigation(request) -> dict:
    return {"sides": SimpleLazyObject(lambda: _sides(request.user))}
