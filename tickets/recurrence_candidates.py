"""Which earlier tickets look like the same problem: OpsDesk suggests, people decide.

A candidate is a ticket of the same contract, kind and system, reported before this one
within the contract's recurrence window (90 days where the contract sets none), whose title
is similar. Similarity is the overlap of character bigrams (the Dice coefficient): it needs
no word segmentation, so "扫码支付失败" and "门诊扫码支付又失败了" match as well as Latin
words do, and the few tickets of one system in a window are compared in Python at once.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from django.db.models import Count

from tickets.models import Ticket

DEFAULT_WINDOW_DAYS = 90
# Below this, titles share a word or two by chance (系统, 无法).
MIN_SIMILARITY = 0.3
MAX_CANDIDATES = 5


def _bigrams(text: str) -> list[str]:
    """The title's character pairs, ignoring case, spaces and punctuation."""
    kept = "".join(
        char
        for char in unicodedata.normalize("NFKC", text).lower()
        if unicodedata.category(char)[0] in ("L", "N")
    )
    if len(kept) < 2:
        return [kept] if kept else []
    return [kept[i : i + 2] for i in range(len(kept) - 1)]


def title_similarity(first: str, second: str) -> float:
    """0 (nothing shared) … 1 (the same title), by shared character bigrams (Dice)."""
    a, b = _bigrams(first), _bigrams(second)
    if not a or not b:
        return 0.0
    remaining = list(b)
    shared = 0
    for pair in a:
        if pair in remaining:
            remaining.remove(pair)
            shared += 1
    return 2 * shared / (len(a) + len(b))


@dataclass(frozen=True)
class Candidate:
    ticket: Ticket  # the most similar ticket of its problem
    similarity: float
    occurrences: int  # tickets of that problem so far (its first ticket and links to it)


def recurrence_candidates(ticket: Ticket, *, limit: int = MAX_CANDIDATES) -> list[Candidate]:
    """Earlier tickets that may be the same problem, most similar first; one per problem
    (the most similar of its tickets), none of the ticket's own problem."""
    window = dt.timedelta(days=ticket.contract.recurrence_window_days or DEFAULT_WINDOW_DAYS)
    own_problem = ticket.recurrence_of_id or ticket.pk
    earlier = (
        Ticket.objects.filter(
            contract_id=ticket.contract_id,
            kind=ticket.kind,
            system_id=ticket.system_id,
            created_at__gte=ticket.created_at - window,
            created_at__lt=ticket.created_at,
        )
        .exclude(pk=own_problem)
        .exclude(recurrence_of_id=own_problem)
        .select_related("service_class", "system")
        .order_by("-created_at")
    )
    best: dict[int, tuple[float, Ticket]] = {}
    for other in earlier:
        problem = other.recurrence_of_id or other.pk
        score = title_similarity(ticket.title, other.title)
        if score >= MIN_SIMILARITY and score > best.get(problem, (0.0, None))[0]:
            best[problem] = (score, other)
    ranked = sorted(
        best.items(), key=lambda item: (-item[1][0], -item[1][1].created_at.timestamp())
    )[:limit]
    # The first ticket of a problem may lie before the window: count its links in one query.
    linked = dict(
        Ticket.objects.filter(recurrence_of_id__in=[problem for problem, _ in ranked])
        .order_by()
        .values_list("recurrence_of_id")
        .annotate(n=Count("id"))
    )
    return [
        Candidate(ticket=other, similarity=round(score, 2), occurrences=1 + linked.get(problem, 0))
        for problem, (score, other) in ranked
    ]
