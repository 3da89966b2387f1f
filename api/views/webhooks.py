"""Webhook receivers of the caller's organisation: register, change, rotate, inspect, retry."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.errors import ApiConflict
from api.scoping import caller_organization_ids
from api.serializers.webhooks import (
    DeliverySerializer,
    NewSubscriptionSerializer,
    SecretSerializer,
    SubscriptionSerializer,
)
from api.views.contracts import visible_contracts
from webhooks.models import Delivery, DeliveryAttempt, Subscription
from webhooks.policy import may_manage_webhooks
from webhooks.services import redeliver

RECENT_DELIVERIES = 100


@extend_schema_view(
    list=extend_schema(summary="Webhook receivers of the caller's organisation"),
    create=extend_schema(
        summary="Register a receiver; the answer shows its signing secret once",
        responses={201: NewSubscriptionSerializer},
    ),
    retrieve=extend_schema(summary="One receiver"),
    partial_update=extend_schema(summary="Change a receiver's address, events or contract"),
    destroy=extend_schema(summary="Remove a receiver"),
)
class SubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SubscriptionSerializer
    pagination_class = None
    http_method_names = ["get", "post", "patch", "delete"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no caller
            return Subscription.objects.none()
        return (
            Subscription.objects.filter(organization_id__in=caller_organization_ids(self.request))
            .select_related("organization", "contract")
            .order_by("name", "id")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "contracts": visible_contracts(self.request)}

    def _require_manager(self, organization_id: int) -> None:
        if not may_manage_webhooks(self.request.user, organization_id):
            raise exceptions.PermissionDenied(
                _("Only hospital IT, vendor managers and administrators manage webhooks.")
            )

    def _organization_for_new(self) -> int:
        organizations = caller_organization_ids(self.request)
        if len(organizations) != 1:
            raise serializers.ValidationError(
                _("Use a token of the organisation the receiver belongs to.")
            )
        return organizations[0]

    def perform_create(self, serializer):
        organization_id = self._organization_for_new()
        self._require_manager(organization_id)
        subscription = Subscription(
            organization_id=organization_id,
            created_by=self.request.user,
            **serializer.validated_data,
        )
        subscription.full_clean()  # the model's rules (contract of a party …); 400 if broken
        subscription.save()
        serializer.instance = subscription

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        data = NewSubscriptionSerializer(serializer.instance).data
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        self._require_manager(serializer.instance.organization_id)
        subscription = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(subscription, name, value)
        subscription.full_clean()
        subscription.save()

    def perform_destroy(self, instance):
        self._require_manager(instance.organization_id)
        instance.delete()

    @extend_schema(
        summary="Replace the signing secret; the answer shows the new one once",
        request=None,
        responses={200: SecretSerializer},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        subscription = self.get_object()
        self._require_manager(subscription.organization_id)
        return Response({"secret": subscription.rotate_secret()})

    @extend_schema(
        summary=f"The last {RECENT_DELIVERIES} deliveries, each try with the receiver's answer",
        responses={200: DeliverySerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        deliveries = (
            Delivery.objects.filter(subscription=subscription)
            .prefetch_related(
                Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("attempted_at"))
            )
            .order_by("-created_at", "-id")[:RECENT_DELIVERIES]
        )
        return Response(DeliverySerializer(deliveries, many=True).data)

    @extend_schema(
        summary="Send a failed delivery again, now",
        request=None,
        responses={200: DeliverySerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_pk>[0-9]+)/redeliver",
    )
    def redeliver(self, request, pk=None, delivery_pk=None):
        subscription = self.get_object()
        self._require_manager(subscription.organization_id)
        delivery = get_object_or_404(Delivery, subscription=subscription, pk=delivery_pk)
        with transaction.atomic():
            if not redeliver(delivery):
                raise ApiConflict(_("Only a failed delivery can be sent again."))
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data)
