"""Knowledge articles (知识库 / FAQ): a known problem of a hospital's system and its solution.

An article belongs to the hospital whose systems it is about. It is read by that hospital and
by the vendors that serve it; drafts only by the vendors' staff and their author. Edits never
lose text: each one keeps the text it replaced as an ArticleRevision.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, CoveredSystem, Membership, Organization, OrganizationKind
from tickets.policy import VENDOR_STAFF

# Commas and spaces, Chinese ones too (，、；), separate keywords.
KEYWORD_SEPARATORS = re.compile(r"[\s,;，、；]+")


def split_keywords(text: str) -> list[str]:
    """The distinct keywords of a comma- or space-separated list, in their order."""
    seen: dict[str, None] = {}
    for word in KEYWORD_SEPARATORS.split(text or ""):
        if word and word.casefold() not in {key.casefold() for key in seen}:
            seen[word] = None
    return list(seen)


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


def served_hospitals(user, roles=None) -> models.QuerySet:
    """Ids of the hospitals the user's vendors hold a contract with (as a subquery);
    with `roles`, only through memberships with one of those roles."""
    memberships = Membership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    return Contract.objects.filter(vendor_id__in=memberships.values("organization_id")).values(
        "hospital_id"
    )


class ArticleQuerySet(models.QuerySet):
    def visible_to(self, user) -> ArticleQuerySet:
        """Articles of the user's own hospital and of the hospitals their vendor serves
        (as `contracts.models.contracts.party_to` decides for contracts); drafts only for
        the vendor staff serving that hospital and for their author."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        own = Membership.objects.filter(user=user).values("organization_id")
        party = Q(hospital_id__in=own) | Q(hospital_id__in=served_hospitals(user))
        readable = (
            Q(status=ArticleStatus.PUBLISHED)
            | Q(author=user)
            | Q(hospital_id__in=served_hospitals(user, VENDOR_STAFF))
        )
        return self.filter(party & readable)

    def writable_by(self, user) -> ArticleQuerySet:
        """Articles the user may edit and publish: vendor staff of a vendor serving the hospital."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(hospital_id__in=served_hospitals(user, VENDOR_STAFF))

    def published(self) -> ArticleQuerySet:
        return self.filter(status=ArticleStatus.PUBLISHED)


class Article(models.Model):
    hospital = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="knowledge_articles",
        limit_choices_to={"kind": OrganizationKind.HOSPITAL},
        verbose_name=_("hospital"),
    )
    system = models.ForeignKey(
        CoveredSystem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="knowledge_articles",
        verbose_name=_("system"),
        help_text=_("Leave empty for an article about the hospital's systems in general."),
    )
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"), help_text=_("What people see: the symptoms."))
    solution = models.TextField(_("solution"), blank=True)
    keywords = models.CharField(
        _("keywords"),
        max_length=200,
        blank=True,
        help_text=_("Other words people search with, separated by commas or spaces."),
    )
    source_ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="knowledge_articles",
        verbose_name=_("drafted from ticket"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="knowledge_articles",
        verbose_name=_("author"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last edited by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_ticket"],
                name="knowledge_article_one_per_ticket",
                violation_error_message=_("An article was already drafted from this ticket."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["hospital", "status", "-updated_at"], name="knowledge_hospital_recent"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("knowledge-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        if self.system_id and self.hospital_id and self.system.hospital_id != self.hospital_id:
            raise ValidationError(
                {
                    "system": _("%(system)s is a system of %(owner)s, not of this hospital.")
                    % {"system": self.system, "owner": self.system.hospital}
                }
            )

    @property
    def is_draft(self) -> bool:
        return self.status == ArticleStatus.DRAFT

    def keyword_list(self) -> list[str]:
        return split_keywords(self.keywords)


class ArticleRevision(models.Model):
    """The text an edit replaced, kept for good: rows are only ever added."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("article")
    )
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"))
    solution = models.TextField(_("solution"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("replaced by"),
    )
    edited_at = models.DateTimeField(_("replaced at"))

    class Meta:
        verbose_name = _("earlier version")
        verbose_name_plural = _("earlier versions")
        ordering = ["article", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "version"], name="knowledge_revision_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.version}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("Article revisions are append-only.")
        super().save(*args, **kwargs)
