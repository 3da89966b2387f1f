"""The search box: a ticket number jumps to the ticket; other words find tickets by number,
title, description and comments, best match first.

Chinese is written without spaces, so words are substrings (`icontains`), not tokens: "打印"
finds "门诊收费处发票打印机卡纸". On PostgreSQL each searched column has a pg_trgm GIN index on
UPPER(column) (migration tickets/0008), which is what `icontains` asks for; SQLite scans.
The caller passes the tickets and comments the person may see: search never widens them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tickets.models import Event, Ticket

COMMENTED = "tickets.ticket.commented"
MAX_QUERY = 100
MAX_TERMS = 5
# Comments are searched first, for the tickets they belong to; the newest this many are
# enough to rank a page of results and keep the ticket query on its indexes.
MAX_COMMENT_HITS = 2000
PAGE = 50
MAX_COUNT = 200
# A ticket number as people type it: hospital code, year, sequence (yn-2026-00001).
NUMBER = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,9}-\d{4}-\d{1,6}$")


class Where:
    """Where a ticket matched, best first: the order of the results."""

    NUMBER = 0
    TITLE = 1
    DESCRIPTION = 2
    COMMENT = 3


@dataclass(frozen=True)
class Hit:
    ticket: Ticket
    where: int
    # The text around the first match (a description's or comment's), for the result line.
    excerpt: str


@dataclass(frozen=True)
class Results:
    terms: tuple[str, ...]
    hits: list[Hit]
    count: int


def terms_of(text: str) -> tuple[str, ...]:
    """The words of a query: each must be found; spaces separate them."""
    words = [word for word in text.strip()[:MAX_QUERY].split() if word]
    return tuple(dict.fromkeys(words))[:MAX_TERMS]


def ticket_by_number(tickets: QuerySet[Ticket], text: str) -> Ticket | None:
    """The ticket whose number this is, in any case, if the person may see it.

    Numbers are stored in capitals (hospital codes are capitals), so the unique index on the
    number answers; a number typed in lower case is the same number.
    """
    text = text.strip()
    if not NUMBER.match(text):
        return None
    return tickets.filter(number=text.upper()).first()


def visible_comments(
    tickets: QuerySet[Ticket], user, *, organizations: list[int] | None = None
) -> QuerySet[Event]:
    """The comments of these tickets that search may show to `user` (acting, through an API
    token, for `organizations`): an internal note only to the vendor's staff
    (Event.objects.visible_to). A comment that matches but may not be read must not find
    its ticket."""
    return Event.objects.visible_to(user, organizations=organizations).filter(
        action=COMMENTED, ticket__in=tickets.values("pk")
    )


def search(
    tickets: QuerySet[Ticket], comments: QuerySet[Event], text: str, limit: int = PAGE
) -> Results:
    """Tickets (of `tickets`) where every word of `text` is found in the number, title,
    description or one of `comments`; by where the first word matched, then newest first."""
    terms = terms_of(text)
    if not terms:
        return Results(terms, [], 0)
    matched = tickets
    commented: dict[int, str] = {}
    for term in terms:
        notes = _comments_matching(comments, term)
        for ticket_id, note in notes:
            commented.setdefault(ticket_id, note)
        matched = matched.filter(
            Q(number__icontains=term)
            | Q(title__icontains=term)
            | Q(description__icontains=term)
            | Q(pk__in=sorted({ticket_id for ticket_id, _note in notes}))
        )
    # Most searches match a few tickets: read them all, newest first, and rank them here in
    # one query. A word found in more than MAX_COUNT is ranked by the database, rank by rank.
    ids = list(matched.order_by("-created_at", "-pk").values_list("pk", flat=True)[: MAX_COUNT + 1])
    count = len(ids)
    if count <= MAX_COUNT:
        by_id = matched.in_bulk(ids)
        newest = [by_id[pk] for pk in ids]
        rows = sorted(((_where(row, terms[0]), row) for row in newest), key=lambda r: r[0])
        rows = rows[:limit]
    else:
        rows = _ranked(matched, terms[0], limit)
    hits = [
        Hit(
            ticket=row,
            where=where,
            excerpt=excerpt(
                row.description if where <= Where.DESCRIPTION else commented.get(row.pk, ""),
                terms,
            ),
        )
        for where, row in rows
    ]
    return Results(terms, hits, count)


def _where(ticket: Ticket, first: str) -> int:
    """Where the first word is found in the ticket, as the database's icontains finds it."""
    needle = first.upper()
    for where, text in (
        (Where.NUMBER, ticket.number),
        (Where.TITLE, ticket.title),
        (Where.DESCRIPTION, ticket.description),
    ):
        if needle in text.upper():
            return where
    return Where.COMMENT


def _ranked(matched: QuerySet[Ticket], first: str, limit: int) -> list[tuple[int, Ticket]]:
    """The best `limit` of the matched tickets: those whose number has the first word, then
    whose title has it, then description, then the rest (found through a comment); newest
    first within each. One query per rank, each newest-first with its own limit: the planner
    walks the reporting-time index for a common word and the trigram index for a rare one,
    instead of ranking every match of a word found in a tenth of a million tickets."""
    ranks = (
        (Where.NUMBER, Q(number__icontains=first)),
        (Where.TITLE, Q(title__icontains=first)),
        (Where.DESCRIPTION, Q(description__icontains=first)),
        (Where.COMMENT, Q()),
    )
    found: list[tuple[int, Ticket]] = []
    better = Q()
    for where, condition in ranks:
        wanted = limit - len(found)
        if wanted <= 0:
            break
        rows = matched.filter(condition)
        if better:
            rows = rows.exclude(better)
        found += [(where, row) for row in rows.order_by("-created_at", "-pk")[:wanted]]
        better |= condition
    return found


def _comments_matching(comments: QuerySet[Event], term: str) -> list[tuple[int, str]]:
    return list(
        comments.filter(note__icontains=term)
        .order_by("-at")
        .values_list("ticket_id", "note")[:MAX_COMMENT_HITS]
    )


# --- showing a match ---------------------------------------------------------------------------


def _spans(text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where the terms occur in `text`, case-insensitively, merged where they overlap."""
    found = []
    lowered = text.lower()
    for term in terms:
        needle = term.lower()
        start = lowered.find(needle)
        while needle and start != -1:
            found.append((start, start + len(needle)))
            start = lowered.find(needle, start + len(needle))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def excerpt(text: str, terms: tuple[str, ...], before: int = 30, length: int = 120) -> str:
    """The part of a long text around the first match, with … where it was cut."""
    text = " ".join(text.split())
    spans = _spans(text, terms)
    start = max(0, spans[0][0] - before) if spans else 0
    cut = text[start : start + length]
    return ("…" if start else "") + cut + ("…" if start + length < len(text) else "")


def highlight(text: str, terms: tuple[str, ...]) -> SafeString:
    """`text` escaped, with each match in <mark>: the matches are found in the raw text and
    each piece escaped on its own, so neither the text nor the query can inject markup."""
    pieces, at = [], 0
    for start, end in _spans(str(text), terms):
        pieces += [escape(text[at:start]), "<mark>", escape(text[start:end]), "</mark>"]
        at = end
    pieces.append(escape(text[at:]))
    return mark_safe("".join(pieces))
