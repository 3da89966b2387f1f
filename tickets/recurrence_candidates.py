"""Which earlier tickets look like the same problem: OpsDesk suggests, people decide.

A candidate is a ticket of the same contract, kind and system, reported before this one
within the contract's recurrence window (90 days where the contract sets none), whose title
is similar. Similarity is the overlap of character bigrams (the Dice coefficient): it needs
no word segmentation, so "扫码支付失败" and "门诊扫码支付又失败了" match as well as Latin
words do. A busy hospital's HIS has a thousand tickets or more in a window: their titles are
read as plain columns and compared in Python, and only the few suggested are read as
tickets (the ticket page asks this every time it is shown).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from tickets.models import Ticket

DEFAULT_WINDOW_DAYS = 90
# Below this, titles share a word or two by chance (系统, 无法).
MIN_SIMILARITY = 0.3
MAX_CANDIDATES = 5


# What is not a letter or a number (Unicode categories L and N: the regular expression's \w
# less the underscore, which tests/tickets/test_recurrence_links.py holds to the categories).
NEITHER_LETTER_NOR_NUMBER = re.compile(r"[\W_]+")


def _bigrams(text: str) -> list[str]:
    """The title's character pairs, ignoring case, spaces and punctuation."""
    kept = NEITHER_LETTER_NOR_NUMBER.sub("", unicodedata.normalize("NFKC", text).lower())
    if len(kept) < 2:
        return [kept] if kept else []
    return [kept[i : i + 2] for i in range(len(kept) - 1)]


def title_similarity(first: str, second: str) -> float:
    """0 (nothing shared) … 1 (the same title), by shared character bigrams (Dice)."""
    return _dice(Counter(_bigrams(first)), Counter(_bigrams(second)))


def _dice(a: Counter[str], b: Counter[str]) -> float:
    """The Dice coefficient of two titles' bigrams, each pair shared as often as both have it."""
    if not a or not b:
        return 0.0
    shared = sum(min(count, b[pair]) for pair, count in a.items() if pair in b)
    return 2 * shared / (a.total() + b.total())


@dataclass(frozen=True)
class Candidate:
    ticket: Ticket  # the most similar ticket of its problem
    similarity: float
    occurrences: int  # tickets of that problem so far (its first ticket and links to it)


def earlier_in_window(ticket: Ticket) -> QuerySet[Ticket]:
    """The tickets a candidate is drawn from: of the ticket's contract, kind and system,
    reported before it within the contract's recurrence window, none of its own problem."""
    window = dt.timedelta(days=ticket.contract.recurrence_window_days or DEFAULT_WINDOW_DAYS)
    own_problem = ticket.recurrence_of_id or ticket.pk
    return (
        Ticket.objects.filter(
            contract_id=ticket.contract_id,
            kind=ticket.kind,
            system_id=ticket.system_id,
            created_at__gte=ticket.created_at - window,
            created_at__lt=ticket.created_at,
        )
        .exclude(pk=own_problem)
        .exclude(recurrence_of_id=own_problem)
    )


def recurrence_candidates(ticket: Ticket, *, limit: int = MAX_CANDIDATES) -> list[Candidate]:
    """Earlier tickets that may be the same problem, most similar first; one per problem
    (the most similar of its tickets), none of the ticket's own problem."""
    earlier = (
        earlier_in_window(ticket)
        .order_by("-created_at")
        .values_list("pk", "recurrence_of_id", "title", "created_at")
    )
    mine = Counter(_bigrams(ticket.title))
    # problem -> (similarity, its most similar ticket's id, when that ticket was reported);
    # latest first, so of equally similar tickets the latest stands for its problem.
    best: dict[int, tuple[float, int, dt.datetime]] = {}
    for pk, recurrence_of_id, title, created_at in earlier:
        problem = recurrence_of_id or pk
        score = _dice(mine, Counter(_bigrams(title)))
        if score >= MIN_SIMILARITY and score > best.get(problem, (0.0,))[0]:
            best[problem] = (score, pk, created_at)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], -item[1][2].timestamp()))[:limit]
    if not ranked:
        return []
    shown = Ticket.objects.select_related("service_class", "system").in_bulk(
        [pk for _problem, (_score, pk, _at) in ranked]
    )
    # The first ticket of a problem may lie before the window: count its links in one query.
    linked = dict(
        Ticket.objects.filter(recurrence_of_id__in=[problem for problem, _ in ranked])
        .order_by()
        .values_list("recurrence_of_id")
        .annotate(n=Count("id"))
    )
    return [
        Candidate(
            ticket=shown[pk], similarity=round(score, 2), occurrences=1 + linked.get(problem, 0)
        )
        for problem, (score, pk, _at) in ranked
        if pk in shown  # not deleted since (the bench's clean-up deletes tickets)
    ]
