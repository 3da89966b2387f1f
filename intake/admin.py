"""Admin for the inbound mailboxes: platform administrators set up any; a vendor manager sets
up their own vendor's mailbox and their contracts' ones (scoped like the contract admin)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, Organization, OrganizationKind
from intake.models import Mailbox


class MailboxForm(forms.ModelForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["password"].required = False
            self.fields["password"].help_text = _("Leave empty to keep the saved password.")

    def clean_password(self) -> str:
        return self.cleaned_data.get("password") or self.instance.password

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "contract",
            "vendor",
            "address",
            "host",
            "port",
            "security",
            "username",
            "password",
            "folder",
            "is_active",
        ]
        widgets = {
            # Never sent back to the browser: it stays on the server once saved.
            "password": forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        }
        help_texts = {
            "contract": _("Every mail in this mailbox belongs to this contract."),
            "vendor": _(
                "Or: a mail belongs to the sender's hospital's contract with this vendor "
                "(to triage when the hospital has more than one)."
            ),
        }


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["name", "address", "contract", "vendor", "is_active", "last_polled_at"]
    list_filter = ["is_active", "security"]
    search_fields = ["name", "address", "contract__code", "vendor__name"]
    list_select_related = ["contract", "vendor"]
    readonly_fields = ["last_polled_at", "last_error"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        if db_field.name == "contract":
            contracts = Contract.objects.visible_to(user)
            if not user.is_superuser:
                contracts = contracts.filter(vendor__memberships__user=user).distinct()
            kwargs["queryset"] = contracts
        if db_field.name == "vendor":
            vendors = Organization.objects.filter(kind=OrganizationKind.VENDOR)
            if not user.is_superuser:
                vendors = vendors.filter(memberships__user=user).distinct()
            kwargs["queryset"] = vendors
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
