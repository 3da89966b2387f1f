"""Everything that writes a knowledge article: who may, from which ticket, and how edits
keep the text they replace. Views and the admin call these; they never write articles
themselves."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import CoveredSystem, Organization, OrganizationKind
from knowledge.models import (
    Article,
    ArticleRevision,
    ArticleStatus,
    served_hospitals,
    split_keywords,
)
from tickets.models import State, Ticket
from tickets.policy import VENDOR_STAFF, roles_on_contract

# A ticket becomes an article once its problem is solved: resolved, closed, or a change done.
DRAFTABLE_STATES = frozenset({State.RESOLVED, State.CLOSED, State.DONE})
# The timeline lines whose note says how it was solved (tickets.services._common._log).
SOLUTION_ACTIONS = ("tickets.ticket.resolve", "tickets.ticket.complete_change")
TEXT_FIELDS = ("title", "problem", "solution", "keywords")
EDITABLE_FIELDS = frozenset({*TEXT_FIELDS, "system"})
MAX_LENGTHS = {"title": 200, "keywords": 200}


class KnowledgeError(Exception):
    """Raised by knowledge services; views show the message (on `field` when it names one).

    `code` is stable for machines ("forbidden", "not_finished", "conflict", "invalid");
    `message` is lazily translated, so it comes out in the language active where it is shown.
    """

    def __init__(self, code: str, message, field: str | None = None, **params) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.field = field
        self.params = params

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


# --- who may write -----------------------------------------------------------------------


def writable_hospitals(user) -> QuerySet[Organization]:
    """The hospitals whose articles the user may write: those their vendor serves, for
    engineers, dispatchers and vendor managers."""
    hospitals = Organization.objects.filter(kind=OrganizationKind.HOSPITAL)
    if not user.is_authenticated:
        return hospitals.none()
    if user.is_superuser:
        return hospitals
    return hospitals.filter(pk__in=served_hospitals(user, VENDOR_STAFF))


def may_write(user, hospital: Organization | int) -> bool:
    hospital_id = hospital if isinstance(hospital, int) else hospital.pk
    return writable_hospitals(user).filter(pk=hospital_id).exists()


def _require_writer(user, hospital: Organization) -> None:
    if not may_write(user, hospital):
        raise KnowledgeError(
            "forbidden",
            _(
                "Only the engineers, dispatchers and managers of a vendor serving %(hospital)s "
                "may write its knowledge articles."
            ),
            hospital=str(hospital),
        )


# --- checking what was typed ---------------------------------------------------------------


def _cleaned(hospital: Organization, values: dict) -> dict:
    """Stripped text and normalised keywords; the first problem found is raised on its field."""
    cleaned = dict(values)
    for name in TEXT_FIELDS:
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if "keywords" in cleaned:
        cleaned["keywords"] = ", ".join(split_keywords(cleaned["keywords"]))
    if "title" in cleaned and not cleaned["title"]:
        raise KnowledgeError("invalid", _("Give the article a title."), field="title")
    if "problem" in cleaned and not cleaned["problem"]:
        raise KnowledgeError(
            "invalid", _("Describe the problem: what people see."), field="problem"
        )
    for name, limit in MAX_LENGTHS.items():
        if len(cleaned.get(name, "")) > limit:
            raise KnowledgeError(
                "invalid",
                _("At most %(limit)s characters, please."),
                field=name,
                limit=limit,
            )
    system = cleaned.get("system")
    if isinstance(system, int):
        system = cleaned["system"] = CoveredSystem.objects.filter(pk=system).first()
    if system is not None and system.hospital_id != hospital.pk:
        raise KnowledgeError(
            "invalid",
            _("%(system)s is a system of %(owner)s, not of %(hospital)s."),
            field="system",
            system=str(system),
            owner=str(system.hospital),
            hospital=str(hospital),
        )
    return cleaned


# --- writing ---------------------------------------------------------------------------------


def create_article(
    *,
    by,
    hospital: Organization,
    title: str,
    problem: str,
    solution: str = "",
    keywords: str = "",
    system: CoveredSystem | None = None,
) -> Article:
    """A new draft written from scratch."""
    _require_writer(by, hospital)
    values = _cleaned(
        hospital,
        {
            "title": title,
            "problem": problem,
            "solution": solution,
            "keywords": keywords,
            "system": system,
        },
    )
    return Article.objects.create(hospital=hospital, author=by, **values)


def may_draft(user, ticket: Ticket, roles: set[str] | None = None) -> bool:
    """Vendor staff of the ticket's contract, once the ticket is solved: what the ticket
    page asks before offering the button, and what draft_from_ticket enforces."""
    held = roles if roles is not None else roles_on_contract(user, ticket.contract)
    return (user.is_superuser or bool(held & VENDOR_STAFF)) and ticket.state in DRAFTABLE_STATES


def draft_from_ticket(ticket: Ticket, by) -> tuple[Article, bool]:
    """The draft article for a solved ticket, pre-filled from it: title, description as the
    problem, the resolve note as the solution, the ticket's system.

    One article per ticket: when one exists already it is returned as it is. Returns
    `(article, created)` like `get_or_create`.
    """
    if not (by.is_superuser or roles_on_contract(by, ticket.contract) & VENDOR_STAFF):
        raise KnowledgeError(
            "forbidden",
            _(
                "Only the vendor's engineers, dispatchers and managers on this ticket's "
                "contract may turn it into a knowledge article."
            ),
        )
    existing = Article.objects.filter(source_ticket=ticket).first()
    if existing is not None:
        return existing, False
    if ticket.state not in DRAFTABLE_STATES:
        raise KnowledgeError(
            "not_finished",
            _(
                "Only a resolved or closed ticket, or a completed change, can become a "
                "knowledge article; this one is “%(state)s”."
            ),
            state=State(ticket.state).label,
        )
    solution = (
        ticket.events.public()
        .filter(action__in=SOLUTION_ACTIONS)
        .order_by("-at", "-id")
        .values_list("note", flat=True)
        .first()
    )
    try:
        with transaction.atomic():
            article = Article.objects.create(
                hospital_id=ticket.contract.hospital_id,
                system=ticket.system,
                title=ticket.title.strip(),
                problem=ticket.description.strip(),
                solution=(solution or "").strip(),
                source_ticket=ticket,
                author=by,
            )
    except IntegrityError:
        # A second click raced the first one: open the draft it made.
        return Article.objects.get(source_ticket=ticket), False
    return article, True


def edit(
    article: Article,
    by,
    *,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    **fields,
) -> Article:
    """Change an article's text or system. The text it replaces is kept as a revision.

    `expected_version` is the version the editor's form was opened on: if someone saved in
    between, nothing is written and the editor is told (their own text stays in the form).
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    at = now or timezone.now()
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        _require_writer(by, locked.hospital)
        if expected_version is not None and expected_version != locked.version:
            raise KnowledgeError(
                "conflict",
                _(
                    "%(person)s saved this article while you were editing it. Your text is "
                    "still below: compare it with the article and save again to replace theirs "
                    "(their text is kept as an earlier version)."
                ),
                person=str(locked.updated_by or locked.author),
            )
        values = _cleaned(locked.hospital, fields)
        text_changed = any(
            name in values and values[name] != getattr(locked, name) for name in TEXT_FIELDS
        )
        system_changed = "system" in values and (
            (values["system"].pk if values["system"] else None) != locked.system_id
        )
        if not (text_changed or system_changed):
            return locked
        if text_changed:
            ArticleRevision.objects.create(
                article=locked,
                version=locked.version,
                title=locked.title,
                problem=locked.problem,
                solution=locked.solution,
                keywords=locked.keywords,
                edited_by=by,
                edited_at=at,
            )
            locked.version += 1
        for name, value in values.items():
            setattr(locked, name, value)
        locked.updated_by = by
        locked.save()
    article.refresh_from_db()
    return article


def publish(article: Article, by, *, now: dt.datetime | None = None) -> Article:
    """Make a draft readable by the hospital's staff."""
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        _require_writer(by, locked.hospital)
        if locked.status == ArticleStatus.PUBLISHED:
            raise KnowledgeError("already_published", _("This article is already published."))
        if not locked.solution.strip():
            raise KnowledgeError(
                "solution_required",
                _("Write the solution before publishing: that is what readers come for."),
                field="solution",
            )
        locked.status = ArticleStatus.PUBLISHED
        locked.published_at = now or timezone.now()
        locked.save(update_fields=["status", "published_at", "updated_at"])
    article.refresh_from_db()
    return article
