"""The search box: a ticket number jumps to the ticket; other words find tickets by number,
title, description and comments, best match first.

Chinese is written without spaces, so words are substrings (`icontains`), not tokens: "打印"
finds "门诊收费处发票打印机卡纸". The caller passes the tickets and comments the person may
see: search never widens them.

How it stays fast on PostgreSQL (bench/search_bench.py, a million tickets):

- Each searched column has a pg_trgm GIN index on UPPER(column) (migration
  tickets/0009_search_trigram_indexes), which is what `icontains` asks for: a word of three
  characters or more that is rare is gathered from the indexes, whatever its age.
- Nothing reads every match: one query reads the newest matches, at most MAX_COUNT + 1
  (the count shown is "more than MAX_COUNT" beyond), each with where it matched; a common
  word is met again and again walking the reporting-time index newest first, so that walk
  stops after a few thousand rows. Ranks with too few of their matches among those are
  asked for alone, each with its own limit (`_best`).
- A word that cannot be part of a ticket number (Chinese, say) does not search numbers.
- Words shorter than three characters have no trigram, so no index can gather them (pg_trgm
  has none for two characters, and pg_bigm is not available). A common one (打印, 发票) is
  met quickly by the newest-first walk; a rare one would read every ticket. So a search of
  only short words looks at the tickets reported in the last SHORT_WORDS_DAYS days, and
  says so (`Results.since`); one longer word with them lifts the limit, its index bounding
  the rows. A short word without letters (Chinese, digits) is matched with LIKE on the
  column itself, not on UPPER(column): the same rows, at a third of the cost per row.

SQLite (development) has no pg_trgm: it scans, with the same rules.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Max, Q, QuerySet, Value, When
from django.utils import timezone
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
# A trigram index finds words of this many characters or more (see the module's docstring).
TRIGRAM = 3
SHORT_WORDS_DAYS = 90
# Several words' newest matches are looked for in this last stretch first (`_newest`).
RECENT = dt.timedelta(days=7)
# A ticket number as people type it: hospital code, year, sequence (yn-2026-00001).
NUMBER = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,9}-\d{4}-\d{1,6}$")
# What a stored number is made of (hospital codes are capitals and digits).
NUMBER_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


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
    # Set when only short words were searched: the tickets reported since then were read.
    since: dt.datetime | None = None


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
    since = None
    if all(len(term) < TRIGRAM for term in terms):
        since = timezone.now() - dt.timedelta(days=SHORT_WORDS_DAYS)
        matched = matched.filter(created_at__gte=since)
    commented: dict[int, str] = {}
    commented_by_first: list[int] | None = None
    for term in terms:
        notes = _comments_matching(comments, term)
        for ticket_id, note in notes:
            commented.setdefault(ticket_id, note)
        ticket_ids = sorted({ticket_id for ticket_id, _note in notes})
        if commented_by_first is None:
            commented_by_first = ticket_ids
        matched = matched.filter(_found(term, ticket_ids))
    ranks = _ranks(terms[0], commented_by_first or [])
    newest = _newest(matched, ranks, words=len(terms))
    chosen = _best(matched, ranks, newest, limit)
    by_id = tickets.order_by().in_bulk([pk for _where, pk in chosen])
    hits = [
        Hit(
            ticket=by_id[pk],
            where=where,
            excerpt=excerpt(
                by_id[pk].description if where <= Where.DESCRIPTION else commented.get(pk, ""),
                terms,
            ),
        )
        for where, pk in chosen
        if pk in by_id
    ]
    return Results(terms, hits, len(newest), since)


def may_be_in_a_number(term: str) -> bool:
    """Whether `term` could be part of a ticket number (capitals, digits, hyphens): a Chinese
    word never is, so its search does not read the numbers' index at all."""
    return all(character in NUMBER_CHARACTERS for character in term.upper())


def _found(term: str, commented_ids: list[int]) -> Q:
    """The word is in the number, the title, the description or a comment (`commented_ids`:
    the tickets with a readable comment that has it)."""
    found = _has("title", term) | _has("description", term)
    if may_be_in_a_number(term):
        found |= _has("number", term)
    if commented_ids:
        found |= Q(pk__in=commented_ids)
    return found


def _has(column: str, term: str) -> Q:
    """The column holds the word, in any case. A short word without letters is compared with
    the column itself: no index serves a short word, and UPPER() of every row read is most of
    the cost of reading it (upper-casing changes no character of such a word, nor makes one
    from another character, so the rows are the same)."""
    if len(term) < TRIGRAM and term.upper() == term == term.lower():
        return Q(**{f"{column}__contains": term})
    return Q(**{f"{column}__icontains": term})


def _ranks(first: str, commented_ids: list[int]) -> list[tuple[int, Q]]:
    """Where the first word may be found, best first, each with its condition; a match
    found in none of the others was found through a comment."""
    ranks = [(Where.NUMBER, _has("number", first))] if may_be_in_a_number(first) else []
    ranks += [(Where.TITLE, _has("title", first)), (Where.DESCRIPTION, _has("description", first))]
    if commented_ids:
        ranks.append((Where.COMMENT, Q(pk__in=commented_ids)))
    return ranks


def _newest(
    matched: QuerySet[Ticket], ranks: list[tuple[int, Q]], *, words: int
) -> list[tuple[int, int]]:
    """The newest matches (id, rank), up to one more than are counted: one query that reads
    along the reporting-time index while a common word keeps turning up, or gathers a rare
    word's few rows from the trigram indexes, and never reads every match of a word found
    in a tenth of a million tickets. Each row's rank is worked out for these rows only."""
    rank = Case(
        *(When(condition, then=Value(where)) for where, condition in ranks[:-1]),
        default=Value(ranks[-1][0]),
        output_field=IntegerField(),
    )
    rows = matched.order_by("-created_at", "-pk").annotate(search_rank=rank)
    rows = rows.values_list("pk", "search_rank")
    # Several words: the desk's last week first. Enough matches there are the newest of all,
    # and the reporting-time index bounds what is read even when the planner guesses wrong:
    # it takes words as independent, so two that go together ("HTTP 500") look rare, and
    # all their fifty thousand matches in a million would be read from the trigram indexes
    # (0.9 s). One word is estimated well, and a rare one is best gathered from its index at
    # once, not after a week's walk. The week ends at the newest ticket (one row of that
    # index), not now: a quiet fortnight leaves it full.
    newest_report = None
    if words > 1:
        newest_report = Ticket.objects.aggregate(newest=Max("created_at"))["newest"]
    if newest_report is not None:
        recent = rows.filter(created_at__gte=newest_report - RECENT)
        found = list(recent[: MAX_COUNT + 1])
        if len(found) > MAX_COUNT:
            return found
    return list(rows[: MAX_COUNT + 1])


def _best(
    matched: QuerySet[Ticket],
    ranks: list[tuple[int, Q]],
    newest: list[tuple[int, int]],
    limit: int,
) -> list[tuple[int, int]]:
    """The best `limit` matches (rank, id): rank by rank, newest first within each.

    When `newest` holds every match, they are all ranked here. Otherwise `newest` holds every
    match of each rank down to the oldest one read: a rank with enough of them there needs
    no query; a rank with too few (a word in a thousand descriptions and a dozen titles) is
    asked for alone, newest first, with its own limit."""
    every_match = len(newest) <= MAX_COUNT
    chosen: list[tuple[int, int]] = []
    better = Q()
    for where, condition in ranks:
        wanted = limit - len(chosen)
        if wanted <= 0:
            break
        read = [pk for pk, rank in newest if rank == where]
        if every_match or len(read) >= wanted:
            found = read[:wanted]
        else:
            rows = matched.filter(condition)
            if better:
                rows = rows.exclude(better)
            found = list(rows.order_by("-created_at", "-pk").values_list("pk", flat=True)[:wanted])
        chosen += [(where, pk) for pk in found]
        better |= condition
    return chosen


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
