"""What an API caller may see: what the person may see, narrowed to the token's organisation.

A token is issued for one organisation; someone who belongs to two organisations gives each
system a token that sees only its own side.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from api.authentication import token_of


def within_token_organization(queryset: QuerySet, request, contract_path: str) -> QuerySet:
    """`contract_path` leads from the queryset's model to a contract ("" for contracts)."""
    token = token_of(request)
    if token is None:
        return queryset
    return queryset.filter(
        Q(**{f"{contract_path}hospital_id": token.organization_id})
        | Q(**{f"{contract_path}vendor_id": token.organization_id})
    )


def caller_organization_ids(request) -> list[int]:
    """The organisations the caller acts for: the token's, or all of the person's."""
    token = token_of(request)
    if token is not None:
        return [token.organization_id]
    return list(request.user.memberships.values_list("organization_id", flat=True))
