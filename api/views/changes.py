"""Opening a change (C4) through the API: the same service as the portal's page."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers.tickets import ChangeCreateSerializer, TicketDetailSerializer
from api.views.contracts import visible_contracts
from api.views.tickets import detail
from tickets import services


class ChangeListView(APIView):
    @extend_schema(
        summary="Open a change with its upgrade plan, rollback plan and proposed window (the "
        "vendor); it waits for hospital IT's approval",
        request=ChangeCreateSerializer,
        responses={201: TicketDetailSerializer},
        tags=["tickets"],
    )
    def post(self, request):
        body = ChangeCreateSerializer(
            data=request.data, context={"contracts": visible_contracts(request)}
        )
        body.is_valid(raise_exception=True)
        data = body.validated_data
        ticket = services.open_change(
            contract=data["contract"],
            system=data["system"],
            service_class=data["service_class"],
            title=data["title"],
            description=data["description"],
            upgrade_plan=data["upgrade_plan"],
            rollback_plan=data["rollback_plan"],
            window_starts_at=data["window_starts_at"],
            window_ends_at=data["window_ends_at"],
            by=request.user,
        )
        return Response(detail(request, ticket.pk), status=status.HTTP_201_CREATED)
