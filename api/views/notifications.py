"""The caller's notification preferences, and the watchers (CC) of a ticket."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers.notifications import PreferenceSerializer, WatchSerializer
from api.serializers.tickets import PersonSerializer
from api.views.tickets import ticket_for
from notifications.preferences import preferences_of, reset_preferences, set_preferences
from tickets import selectors, services


class PreferencesView(APIView):
    @extend_schema(
        summary="My notification preferences: per event, by e-mail and/or WeCom",
        responses={200: PreferenceSerializer(many=True)},
    )
    def get(self, request):
        return Response(PreferenceSerializer(preferences_of(request.user), many=True).data)

    @extend_schema(
        summary="Choose how I hear of some events (the others keep their setting)",
        request=PreferenceSerializer(many=True),
        responses={200: PreferenceSerializer(many=True)},
    )
    def put(self, request):
        body = PreferenceSerializer(data=request.data, many=True)
        body.is_valid(raise_exception=True)
        rows = set_preferences(
            person=request.user,
            choices={
                row["event"]: {"email": row["email"], "wecom_app": row["wecom_app"]}
                for row in body.validated_data
            },
        )
        return Response(PreferenceSerializer(rows, many=True).data)

    @extend_schema(
        summary="Back to my roles' default notifications",
        responses={200: PreferenceSerializer(many=True)},
    )
    def delete(self, request):
        reset_preferences(person=request.user)
        return Response(PreferenceSerializer(preferences_of(request.user), many=True).data)


class WatchersView(APIView):
    @extend_schema(
        summary="Who watches a ticket (CC): they hear of its public events",
        responses={200: PersonSerializer(many=True)},
    )
    def get(self, request, pk: int):
        ticket = ticket_for(request, pk)
        people = selectors.readers_of(ticket).filter(watches__ticket=ticket).order_by("pk")
        return Response(PersonSerializer(people, many=True).data)

    @extend_schema(
        summary="Watch a ticket, stop watching, or (vendor staff, hospital IT) add or remove "
        "someone who may see it",
        request=WatchSerializer,
        responses={200: PersonSerializer(many=True)},
    )
    def post(self, request, pk: int):
        ticket = ticket_for(request, pk)
        body = WatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        person = request.user
        if "person" in body.validated_data:
            person = selectors.readers_of(ticket).filter(pk=body.validated_data["person"]).first()
            if person is None:
                raise serializers.ValidationError(
                    {"person": [_("Choose someone who may see this ticket.")]}
                )
        if body.validated_data["watch"]:
            services.watch(ticket=ticket, by=request.user, person=person)
        else:
            services.unwatch(ticket=ticket, by=request.user, person=person)
        people = selectors.readers_of(ticket).filter(watches__ticket=ticket).order_by("pk")
        return Response(PersonSerializer(people, many=True).data, status=status.HTTP_200_OK)
