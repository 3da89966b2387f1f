"""A person's notification preferences and a ticket's watchers, as JSON."""

from __future__ import annotations

from rest_framework import serializers

from notifications.models import NotificationEvent


class PreferenceSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=NotificationEvent.choices)
    label = serializers.CharField(read_only=True)
    email = serializers.BooleanField(help_text="Tell me by e-mail.")
    wecom_app = serializers.BooleanField(
        help_text="Tell me by a WeCom app message (once my account has a WeCom UserID)."
    )
    default = serializers.BooleanField(
        read_only=True, help_text="True while the row follows the person's roles' defaults."
    )


class WatchSerializer(serializers.Serializer):
    person = serializers.IntegerField(
        required=False,
        help_text="Whom to add or remove (vendor staff and hospital IT only); default: me.",
    )
    watch = serializers.BooleanField(default=True, help_text="false removes the watcher.")
