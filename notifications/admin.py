"""Admin for notification channels and the outbox, scoped to the user's contracts.

`ChannelInline` is meant for the contract admin; the standalone admins below show only what
belongs to contracts the signed-in user's organisations are party to.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from audit.selectors import administered_organization_ids
from contracts.models import Contract, Organization
from notifications.models import Channel, Notification, NotificationEvent, WeComApp


class ChannelForm(forms.ModelForm):
    # The JSON list of event codes, offered as check boxes.
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=NotificationEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("What this channel is told about."),
    )

    class Meta:
        model = Channel
        fields = ["name", "kind", "webhook_url", "secret", "email_to", "events", "is_active"]
        widgets = {
            "webhook_url": forms.TextInput(attrs={"size": 80, "autocomplete": "off"}),
            # Not hidden from those allowed to edit it, only from people looking over a shoulder.
            "secret": forms.PasswordInput(render_value=True, attrs={"autocomplete": "off"}),
        }


class ChannelInline(admin.StackedInline):
    """For ContractAdmin.inlines: the contract's group robots and mailing lists."""

    model = Channel
    form = ChannelForm
    extra = 0


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    fields = ["contract", *ChannelForm.Meta.fields]
    list_display = ["name", "contract", "kind", "event_list", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "contract__code", "contract__name"]
    list_select_related = ["contract"]

    @admin.display(description=_("events"))
    def event_list(self, channel: Channel) -> str:
        labels = dict(NotificationEvent.choices)
        return ", ".join(str(labels.get(code, code)) for code in channel.events or [])

    def get_queryset(self, request):
        contracts = Contract.objects.visible_to(request.user)
        return super().get_queryset(request).filter(contract__in=contracts)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "contract":
            kwargs["queryset"] = Contract.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, read-only: what was sent to whom, and what failed."""

    list_display = ["created_at", "event", "ticket", "target", "status", "attempts", "error"]
    list_filter = ["status", "event"]
    search_fields = ["ticket__number", "recipient__username", "channel__name", "subject"]
    list_select_related = ["ticket", "recipient", "channel"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "event",
        "ticket",
        "recipient",
        "channel",
        "language",
        "subject",
        "body",
        "dedupe_key",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
    ]
    fields = readonly_fields

    @admin.display(description=_("to"))
    def target(self, notification: Notification) -> str:
        return notification.target

    @admin.display(description=_("last error"))
    def error(self, notification: Notification) -> str:
        return Truncator(notification.last_error).chars(80)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset  # includes messages about no ticket (missing holiday data)
        return queryset.filter(ticket__contract__in=Contract.objects.visible_to(request.user))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class WeComAppForm(forms.ModelForm):
    # The Secret is written, never shown back: an empty field keeps the one stored.
    secret = forms.CharField(
        label=_("app Secret"),
        required=False,
        strip=True,
        max_length=WeComApp._meta.get_field("secret").max_length,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Needed to send app messages. Never shown again: leave empty to keep the stored one."
        ),
    )
    clear_secret = forms.BooleanField(label=_("remove the stored Secret"), required=False)

    class Meta:
        model = WeComApp
        fields = [
            "organization",
            "name",
            "corp_id",
            "agent_id",
            "token",
            "encoding_aes_key",
            "secret",
            "clear_secret",
            "api_base_url",
            "is_active",
        ]
        widgets = {
            # A text box wide enough for a 7-digit AgentId (the admin's number box is not).
            "agent_id": forms.TextInput(attrs={"inputmode": "numeric", "size": 12}),
            "token": forms.TextInput(attrs={"autocomplete": "off"}),
            "encoding_aes_key": forms.TextInput(attrs={"size": 50, "autocomplete": "off"}),
        }

    def clean_secret(self) -> str:
        typed = self.cleaned_data.get("secret", "")
        stored = self.instance.secret if self.instance.pk else ""
        return typed or stored

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_secret"):
            cleaned["secret"] = ""
            self.instance.secret = ""
        return cleaned


@admin.register(WeComApp)
class WeComAppAdmin(admin.ModelAdmin):
    """Platform administrators see every app; an organisation's administrator their own."""

    form = WeComAppForm
    list_display = ["name", "organization", "callback", "has_secret", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "corp_id", "organization__name", "organization__code"]
    list_select_related = ["organization"]
    readonly_fields = ["callback"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)  # the form's, then the read-only ones
        # The path to enter in WeCom's console exists once the app is saved.
        return fields if obj else [field for field in fields if field != "callback"]

    @admin.display(description=_("Secret stored"), boolean=True)
    def has_secret(self, app: WeComApp) -> bool:
        return bool(app.secret)

    @admin.display(description=_("callback URL (path)"))
    def callback(self, app: WeComApp) -> str:
        return reverse("wecom-callback", args=[app.pk]) if app.pk else ""

    def _administered(self, request):
        if request.user.is_superuser:
            return Organization.objects.all()
        return Organization.objects.filter(pk__in=administered_organization_ids(request.user))

    def get_queryset(self, request):
        return super().get_queryset(request).filter(organization__in=self._administered(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = self._administered(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
