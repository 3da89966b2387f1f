"""The search box and the article form. They check what was typed; the rules (who may write,
which system belongs where, revisions) are in knowledge.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import CoveredSystem, Organization
from knowledge.models import Article
from knowledge.selectors import grouped_systems
from knowledge.services import writable_hospitals


def _system_field(systems, empty_label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("System"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", empty_label), *grouped_systems(systems)],
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Symptom, error message, keyword…")}
        ),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.systems = {
            system.pk: system
            for system in CoveredSystem.objects.visible_to(user).select_related("hospital")
        }
        self.fields["system"] = _system_field(self.systems.values(), _("All systems"))

    def clean_system(self) -> CoveredSystem | None:
        pk = self.cleaned_data.get("system")
        return self.systems.get(pk) if pk is not None else None


class ArticleForm(forms.Form):
    """A new article (choose the hospital) or an edit of one (the hospital stays)."""

    hospital = forms.ModelChoiceField(
        label=_("Hospital"),
        queryset=Organization.objects.none(),
        empty_label=_("Choose the hospital"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(
        label=_("Problem"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What people see: the symptoms, error messages, which window or department."),
    )
    solution = forms.CharField(
        label=_("Solution"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("The steps that solve it. Needed before the article is published."),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=200,
        help_text=_("Other words people search with, separated by commas or spaces."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, article: Article | None = None, **kwargs) -> None:
        self.article = article
        if article is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": article.title,
                    "problem": article.problem,
                    "solution": article.solution,
                    "keywords": article.keywords,
                    "system": article.system_id,
                    "version": article.version,
                },
            )
        super().__init__(*args, **kwargs)
        if article is not None:
            del self.fields["hospital"]
            systems = CoveredSystem.objects.filter(hospital_id=article.hospital_id)
        else:
            hospitals = writable_hospitals(user).order_by("code")
            self.fields["hospital"].queryset = hospitals
            if len(hospitals) == 1:
                self.fields["hospital"].initial = hospitals[0].pk
            systems = CoveredSystem.objects.filter(hospital__in=hospitals)
        self.systems = {system.pk: system for system in systems.select_related("hospital")}
        self.fields["system"] = _system_field(
            self.systems.values(), _("General: not about one system")
        )
        self.order_fields(["hospital", "system", "title", "problem", "solution", "keywords"])

    def clean_system(self) -> CoveredSystem | None:
        pk = self.cleaned_data.get("system")
        return self.systems.get(pk) if pk is not None else None

    def clean(self) -> dict:
        cleaned = super().clean()
        hospital = self.article.hospital if self.article else cleaned.get("hospital")
        system = cleaned.get("system")
        if hospital is not None and system is not None and system.hospital_id != hospital.pk:
            self.add_error(
                "system",
                _("%(system)s is a system of %(owner)s; choose one of %(hospital)s.")
                % {"system": system, "owner": system.hospital, "hospital": hospital},
            )
        return cleaned

    def article_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("system", "title", "problem", "solution", "keywords")
        }
