"""Webhook subscriptions and their delivery log."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from webhooks.models import (
    Delivery,
    DeliveryAttempt,
    Subscription,
    WebhookEvent,
    validate_receiver_url,
)


class SubscriptionSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    contract = serializers.SlugField(
        required=False,
        allow_null=True,
        help_text="Limit to one contract (its code); empty for every contract.",
    )
    url = serializers.CharField(max_length=500, validators=[validate_receiver_url])
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "name",
            "url",
            "events",
            "contract",
            "organization",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["id", "organization", "created_at"]

    def to_representation(self, subscription: Subscription) -> dict:
        data = super().to_representation(subscription)
        data["contract"] = subscription.contract.code if subscription.contract_id else None
        return data

    def validate_contract(self, code):
        if not code:
            return None
        contract = self.context["contracts"].filter(code=code).first()
        if contract is None:
            raise serializers.ValidationError(_("No contract of yours has this code."))
        return contract


class NewSubscriptionSerializer(SubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Shown once: verify X-OpsDesk-Signature with it."
    )

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField(read_only=True)


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["attempted_at", "status_code", "response_body", "error", "duration_ms"]


class DeliverySerializer(serializers.ModelSerializer):
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "event_id",
            "status",
            "attempts",
            "created_at",
            "next_attempt_at",
            "delivered_at",
            "last_status_code",
            "last_error",
            "payload",
            "attempt_log",
        ]
