"""Reads of knowledge articles, already scoped to what the user may see: search, one
article, its history, and the system choices the pages offer."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from contracts.models import CoveredSystem
from knowledge.models import Article, ArticleRevision, ArticleStatus
from tickets.models import Ticket

SEARCH_FIELDS = ("title", "problem", "solution", "keywords")
# Spaces and punctuation, ASCII and full-width, separate the words of a query.
TERM_SEPARATORS = re.compile(r"[\s,.;:!?\"'()\[\]，。；：！？、“”‘’（）【】《》]+")
MAX_TERMS = 10
MAX_TERM_LENGTH = 100


def search_terms(query: str) -> list[str]:
    """The distinct words of a query, at most MAX_TERMS of them.

    Chinese is written without spaces, so a run of Chinese text is one word, matched as a
    substring anywhere in the text: 打印发票 finds 门诊收费窗口无法打印发票.
    """
    terms: dict[str, None] = {}
    for word in TERM_SEPARATORS.split(query or ""):
        word = word[:MAX_TERM_LENGTH]
        if word and word.casefold() not in {term.casefold() for term in terms}:
            terms[word] = None
    return list(terms)[:MAX_TERMS]


def _anywhere(term: str) -> Q:
    return reduce(or_, (Q(**{f"{name}__icontains": term}) for name in SEARCH_FIELDS))


def system_ids_under(system: CoveredSystem) -> set[int]:
    """The system and every subsystem and module under it (the tree is three deep at most)."""
    ids, frontier = {system.pk}, [system.pk]
    while frontier:
        frontier = list(
            CoveredSystem.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids.update(frontier)
    return ids


def articles_for(user) -> QuerySet[Article]:
    return Article.objects.visible_to(user).select_related(
        "hospital", "system__parent__parent", "author", "updated_by"
    )


def search(user, query: str = "", system: CoveredSystem | None = None) -> QuerySet[Article]:
    """Articles the user may see that contain every word of the query in their title,
    problem, solution or keywords (case-insensitive, as a substring), optionally only those
    about `system` or one of its subsystems and modules.

    Ordered by relevance: the whole query in the title, then every word in the title, then
    some word in the title, then a keyword; newest first within each. Annotates `rank`.
    """
    articles = articles_for(user)
    if system is not None:
        articles = articles.filter(system_id__in=system_ids_under(system))
    terms = search_terms(query)
    if not terms:
        return articles.annotate(rank=Value(0, output_field=IntegerField())).order_by(
            "-updated_at", "-id"
        )
    phrase = " ".join((query or "").split())
    articles = articles.filter(reduce(and_, (_anywhere(term) for term in terms)))
    rank = Case(
        When(Q(title__icontains=phrase), then=Value(4)),
        When(reduce(and_, (Q(title__icontains=term) for term in terms)), then=Value(3)),
        When(reduce(or_, (Q(title__icontains=term) for term in terms)), then=Value(2)),
        When(reduce(or_, (Q(keywords__icontains=term) for term in terms)), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return articles.annotate(rank=rank).order_by("-rank", "-updated_at", "-id")


def article_for(user, pk: int) -> Article:
    """The article if the user may see it; 404 otherwise, never 403, so that another
    hospital's article is not revealed."""
    return get_object_or_404(articles_for(user), pk=pk)


def article_from_ticket(user, ticket: Ticket) -> Article | None:
    """The article drafted from this ticket, if there is one the user may see (for the
    ticket page: "open the article" instead of "draft one")."""
    return articles_for(user).filter(source_ticket=ticket).first()


def revisions(article: Article) -> QuerySet[ArticleRevision]:
    return article.revisions.select_related("edited_by").order_by("-version")


def source_ticket_for(user, article: Article) -> Ticket | None:
    """The ticket the article was drafted from, if the user may see that ticket."""
    if article.source_ticket_id is None:
        return None
    return Ticket.objects.visible_to(user).filter(pk=article.source_ticket_id).first()


# --- presentation helpers ----------------------------------------------------------------------


@dataclass(frozen=True)
class Excerpt:
    """A piece of text around the first word found: `before`, the `match`, `after`."""

    before: str
    match: str = ""
    after: str = ""


def excerpt(text: str, terms: Iterable[str], width: int = 90) -> Excerpt:
    text = " ".join((text or "").split())
    terms = [term for term in terms if term]
    found = (
        re.search("|".join(re.escape(term) for term in terms), text, re.IGNORECASE)
        if terms
        else None
    )
    if found is None:
        return Excerpt(text if len(text) <= width else text[:width].rstrip() + "…")
    start = max(0, found.start() - width // 3)
    end = min(len(text), found.end() + width - (found.start() - start))
    return Excerpt(
        ("…" if start else "") + text[start : found.start()],
        found.group(0),
        text[found.end() : end] + ("…" if end < len(text) else ""),
    )


def best_excerpt(article: Article, terms: list[str]) -> Excerpt:
    """From the problem, or from the solution when only the solution has a word of the query."""
    lowered = [term.casefold() for term in terms]
    for text in (article.problem, article.solution):
        if any(term in text.casefold() for term in lowered):
            return excerpt(text, terms)
    return excerpt(article.problem, [])


def grouped_systems(
    systems: Iterable[CoveredSystem],
) -> list[tuple[str, list[tuple[int, str]]]]:
    """Choices for a <select>: one group per hospital, systems in tree order, parts indented."""
    systems = list(systems)
    present = {system.pk for system in systems}
    children: dict[int | None, list[CoveredSystem]] = {}
    for system in sorted(systems, key=lambda s: (s.position, s.code)):
        parent = system.parent_id if system.parent_id in present else None
        children.setdefault(parent, []).append(system)
    groups: dict[str, list[tuple[int, str]]] = {}

    def walk(system: CoveredSystem, depth: int) -> None:
        groups.setdefault(str(system.hospital), []).append(
            (system.pk, "\u3000" * depth + system.name)
        )
        for child in children.get(system.pk, []):
            walk(child, depth + 1)

    for root in sorted(children.get(None, []), key=lambda s: (s.hospital.code, s.position)):
        walk(root, 0)
    return list(groups.items())


def articles_added(contract, start, end) -> list[Article]:
    """Articles of the contract's hospital published and written in [start, end) (aware
    datetimes): what a service report counts as added to the knowledge base (C2's 知识树)."""
    return list(
        Article.objects.filter(
            hospital_id=contract.hospital_id,
            status=ArticleStatus.PUBLISHED,
            created_at__gte=start,
            created_at__lt=end,
        )
        .select_related("system")
        .order_by("created_at", "id")
    )
