"""Issuing and revoking API tokens in the admin, within the signed-in user's organisations.

The secret is shown once, in the message after saving; only its digest is stored.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken
from api.tokens import issue_token, revoke
from contracts.models import Organization


class IssueTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "user", "organization", "rate_limit_per_minute", "expires_at"]

    def clean(self):
        cleaned = super().clean()
        user, organization = cleaned.get("user"), cleaned.get("organization")
        if user and organization and not user.memberships.filter(organization=organization):
            raise ValidationError(
                {"user": _("This person is not a member of the organisation chosen.")}
            )
        expires_at = cleaned.get("expires_at")
        if expires_at and expires_at <= timezone.now():
            raise ValidationError({"expires_at": _("Choose a moment in the future.")})
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "user",
        "organization",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = [("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username", "user__full_name"]
    list_select_related = ["user", "organization"]
    actions = ["revoke_tokens"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    def get_queryset(self, request):
        tokens = super().get_queryset(request)
        if request.user.is_superuser:
            return tokens
        return tokens.filter(organization__memberships__user=request.user).distinct()

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = IssueTokenForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return IssueTokenForm.Meta.fields
        return ["name", "user", "organization", *self.readonly_fields, "rate_limit_per_minute"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "user", "organization"] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        own = Organization.objects.visible_to(request.user)
        if not request.user.is_superuser:
            own = Organization.objects.filter(memberships__user=request.user)
        if db_field.name == "organization":
            kwargs["queryset"] = own.distinct()
        elif db_field.name == "user":
            kwargs["queryset"] = (
                get_user_model().objects.filter(memberships__organization__in=own).distinct()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = issue_token(
            user=form.cleaned_data["user"],
            organization=form.cleaned_data["organization"],
            name=form.cleaned_data["name"],
            created_by=request.user,
            rate_limit_per_minute=form.cleaned_data.get("rate_limit_per_minute"),
            expires_at=form.cleaned_data.get("expires_at"),
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(
            request,
            _("Copy the token now; it will not be shown again: %(token)s") % {"token": raw},
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_tokens(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            revoke(token, by=request.user)
        messages.success(request, _("The selected tokens no longer work."))

    def has_delete_permission(self, request, obj=None) -> bool:
        # Revoked, never deleted: the record of who could act stays.
        return False
