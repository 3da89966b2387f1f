"""Reads for contract pages, already scoped to what the user may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from contracts.models import Contract, ContractContact, CoveredSystem, Membership


def memberships_of(user) -> tuple[tuple[int, str], ...]:
    """(organization id, role) of each of the user's memberships, read once per user object:
    a request's user lives as long as the request, and its navigation and its list both ask.
    """
    cached = getattr(user, "_memberships_read", None)
    if cached is None:
        cached = tuple(
            Membership.objects.filter(user=user).order_by().values_list("organization_id", "role")
        )
        user._memberships_read = cached
    return cached


def know_memberships(user, memberships: Iterable[tuple[int, str]]) -> None:
    """Let memberships_of(user) answer from these (organization id, role) pairs, read with
    the user by a query of the caller's (an API token's, which reads them with its person)."""
    user._memberships_read = tuple(memberships)


def with_memberships(queryset: QuerySet, person: str = "") -> QuerySet:
    """`queryset` (of people, or of rows naming one through `person`: "user") read with a row
    per membership of the person, one of nulls if they hold none: the roles nearly every
    request asks about, read with the person rather than by a query of their own. Give the
    rows to learn_memberships()."""
    path = f"{person}__memberships" if person else "memberships"
    return queryset.annotate(
        membership_organization=F(f"{path}__organization_id"),
        membership_role=F(f"{path}__role"),
    )


def learn_memberships(user, rows) -> None:
    """know_memberships() from the rows of a with_memberships() query about this user."""
    know_memberships(
        user,
        [
            (row.membership_organization, row.membership_role)
            for row in rows
            if row.membership_organization is not None
        ],
    )


def contracts_for(user) -> QuerySet[Contract]:
    return (
        Contract.objects.visible_to(user)
        .select_related("hospital", "vendor", "calendar")
        .order_by("hospital__code", "code")
    )


def contract_for(user, code: str) -> Contract:
    """The contract with this code if the user may see it; 404 otherwise, never 403,
    so that a foreign contract's existence is not revealed."""
    queryset = contracts_for(user).prefetch_related(
        "calendar__periods",
        Prefetch(
            "contacts", queryset=ContractContact.objects.order_by("side", "-is_primary", "name")
        ),
    )
    return get_object_or_404(queryset, code=code)


@dataclass
class SystemNode:
    system: CoveredSystem
    covered: bool
    children: list[SystemNode] = field(default_factory=list)


def system_tree(contract: Contract) -> list[SystemNode]:
    """The hospital's system tree, marking what this contract covers, directly or by an ancestor."""
    systems = list(
        CoveredSystem.objects.filter(hospital_id=contract.hospital_id).order_by(
            "tier", "position", "code"
        )
    )
    direct = set(contract.contract_systems.values_list("system_id", flat=True))
    nodes = {system.pk: SystemNode(system=system, covered=False) for system in systems}
    roots: list[SystemNode] = []
    for system in systems:
        node = nodes[system.pk]
        parent = nodes.get(system.parent_id) if system.parent_id else None
        node.covered = system.pk in direct or bool(parent and parent.covered)
        (parent.children if parent else roots).append(node)
    return [node for node in roots if node.covered or _any_covered(node)]


def _any_covered(node: SystemNode) -> bool:
    return node.covered or any(_any_covered(child) for child in node.children)
