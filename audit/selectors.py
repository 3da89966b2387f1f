"""Who may read the audit trail, and which of its entries.

The platform's administrators (superusers) read all of it. An organisation's administrators
(role "administrator", with admin access) read what concerns their organisation:

- entries about a contract their organisation is party to;
- entries tied to no contract (signing in, exports, admin changes) made by their people;
- sign-ins, sign-outs and failed sign-ins of their people's accounts;
- membership changes in their organisation, whoever made them.
"""

from __future__ import annotations

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from audit.models import AuditEntry
from contracts.models import Contract, Membership, Role


def administered_organization_ids(user) -> list[int]:
    """The organisations `user` administers; remembered on the user for the request (the
    admin asks several times per page)."""
    cached = getattr(user, "_audit_administered_organizations", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, role=Role.ADMINISTRATOR)
            .values_list("organization_id", flat=True)
            .distinct()
        )
        user._audit_administered_organizations = cached
    return cached


def may_read_audit(user) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or bool(administered_organization_ids(user))


def visible_entries(user) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if not may_read_audit(user):
        return entries.none()
    if user.is_superuser:
        return entries
    organizations = administered_organization_ids(user)
    contracts = Contract.objects.filter(
        Q(hospital_id__in=organizations) | Q(vendor_id__in=organizations)
    ).values("pk")
    people = Membership.objects.filter(organization_id__in=organizations)
    # object_id is text: the people's ids as text, so PostgreSQL compares like with like.
    accounts = people.annotate(account=Cast("user_id", CharField())).values("account")
    return entries.filter(
        Q(contract__in=contracts)
        | Q(contract__isnull=True, actor__in=people.values("user_id"))
        | Q(action__startswith="auth.", object_type="accounts.user", object_id__in=accounts)
        | Q(action="accounts.membership.changed", data__organization__in=organizations)
    )
