"""What an API caller may see: what the person may see, narrowed to the token's organisation.

A token is issued for one organisation; someone who belongs to two organisations gives each
system a token that sees only its own side.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from api.authentication import token_of
from contracts.models import Contract


def within_token_organization(queryset: QuerySet, request, contract_path: str) -> QuerySet:
    """`contract_path` leads from the queryset's model to a contract ("" for contracts)."""
    token = token_of(request)
    if token is None:
        return queryset
    own = Q(hospital_id=token.organization_id) | Q(vendor_id=token.organization_id)
    if not contract_path:
        return queryset.filter(own)
    # The rows' contract among the organisation's contracts, by id: PostgreSQL then counts
    # on the rows' own contract column. Asked of the contract's hospital and vendor across
    # the join, it guessed that most open tickets qualify, and for a hospital with none
    # open walked every open ticket of every hospital by deadline (55 ms, not 1, at the
    # bench's million).
    return queryset.filter(
        **{f"{contract_path.removesuffix('__')}__in": Contract.objects.filter(own).values("pk")}
    )


def caller_organization_ids(request) -> list[int]:
    """The organisations the caller acts for: the token's, or all of the person's."""
    token = token_of(request)
    if token is not None:
        return [token.organization_id]
    return list(request.user.memberships.values_list("organization_id", flat=True))
