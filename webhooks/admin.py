"""Admin for webhook subscriptions and their deliveries, scoped to the user's organisations.

A subscription belongs to one organisation: the other party to its contracts must not see
its receiver address, so these admins scope by membership, not by contract visibility.
Superusers see everything.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contracts.models import Contract, Membership, Organization
from notifications.channels import safe_host
from webhooks import services
from webhooks.models import (
    Delivery,
    DeliveryAttempt,
    IntranetNetwork,
    Subscription,
    WebhookEvent,
)


def own_organizations(user):
    """Ids of the organisations the user acts for (a subquery)."""
    return Membership.objects.filter(user=user).values("organization_id")


class SubscriptionForm(forms.ModelForm):
    # The JSON list of event codes, offered as check boxes.
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,  # the model's clean() says "choose at least one"
        help_text=_("What this receiver is told about."),
    )

    class Meta:
        model = Subscription
        fields = ["organization", "contract", "name", "url", "events", "is_active"]
        widgets = {"url": forms.TextInput(attrs={"size": 80, "autocomplete": "off"})}


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    fields = [*SubscriptionForm.Meta.fields, "secret_state", "created_by", "created_at"]
    readonly_fields = ["secret_state", "created_by", "created_at"]
    list_display = [
        "name",
        "organization",
        "contract",
        "receiver",
        "event_list",
        "secret_state",
        "is_active",
    ]
    list_filter = ["is_active", ("organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "organization__name", "contract__code", "contract__name"]
    list_select_related = ["organization", "contract"]
    actions = ["rotate_secrets"]

    @admin.display(description=_("receiver"))
    def receiver(self, subscription: Subscription) -> str:
        # The host only: the path or query of a receiver's address may carry a token.
        return safe_host(subscription.url)

    @admin.display(description=_("events"))
    def event_list(self, subscription: Subscription) -> str:
        labels = dict(WebhookEvent.choices)
        return ", ".join(str(labels.get(code, code)) for code in subscription.events or [])

    @admin.display(description=_("signing secret"))
    def secret_state(self, subscription: Subscription) -> str:
        # Never the secret itself: it is shown once, when created or rotated.
        return str(_("set")) if subscription.secret else "—"

    @admin.action(description=_("Rotate the signing secret"), permissions=["change"])
    def rotate_secrets(self, request, queryset) -> None:
        for subscription in queryset:
            self._show_secret(request, subscription, subscription.rotate_secret())

    def save_model(self, request, obj: Subscription, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            self._show_secret(request, obj, obj.secret)

    def _show_secret(self, request, subscription: Subscription, secret: str) -> None:
        self.message_user(
            request,
            _(
                "The signing secret of “%(name)s” is %(secret)s. Enter it in the receiver "
                "now: it is not shown again."
            )
            % {"name": subscription.name, "secret": secret},
            messages.WARNING,
        )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(organization__in=own_organizations(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization" and not request.user.is_superuser:
            kwargs["queryset"] = Organization.objects.filter(pk__in=own_organizations(request.user))
        if db_field.name == "contract":
            # Narrowed further by Subscription.clean(): a contract of the chosen organisation.
            kwargs["queryset"] = Contract.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class DeliveryAttemptInline(admin.TabularInline):
    """Every try and the receiver's answer, oldest first."""

    model = DeliveryAttempt
    fields = ["attempted_at", "status_code", "duration_ms", "error", "response_body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return True  # part of the delivery page, which already needs its own view permission


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The outbox, read-only: what was posted where, and what the receiver answered."""

    list_display = [
        "created_at",
        "event",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "error",
    ]
    list_filter = ["status", "event"]
    search_fields = ["event_id", "subscription__name", "dedupe_key"]
    list_select_related = ["subscription"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "subscription",
        "event",
        "event_id",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "created_at",
        "delivered_at",
        "last_status_code",
        "last_error",
        "dedupe_key",
        "body",
    ]
    fields = readonly_fields
    inlines = [DeliveryAttemptInline]
    actions = ["deliver_again"]

    @admin.display(description=_("last error"))
    def error(self, delivery: Delivery) -> str:
        return Truncator(delivery.last_error).chars(80)

    @admin.action(description=_("Deliver again"), permissions=["redeliver"])
    def deliver_again(self, request, queryset) -> None:
        count = sum(services.redeliver(delivery) for delivery in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d failed delivery queued again.",
                "%(count)d failed deliveries queued again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )

    def has_redeliver_permission(self, request) -> bool:
        # Whoever may manage the subscriptions may have their deliveries sent again.
        return request.user.has_perm("webhooks.change_subscription")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(subscription__organization__in=own_organizations(request.user))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IntranetNetwork)
class IntranetNetworkAdmin(admin.ModelAdmin):
    """The intranet networks webhooks may reach: platform administrators only, since a wrong
    entry opens the server's own network to whoever registers a receiver. Changes made here
    are audited like every admin change."""

    list_display = ["network", "reason", "created_by", "created_at"]
    fields = ["network", "reason", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    search_fields = ["network", "reason"]

    def save_model(self, request, obj: IntranetNetwork, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
