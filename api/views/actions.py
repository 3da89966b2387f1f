"""One view class per ticket action, so that each has its own documented request body."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from api.actions import ACTIONS, Action
from api.serializers.tickets import TicketDetailSerializer
from api.views.tickets import detail, ticket_for


def action_view(action: Action) -> type[APIView]:
    class TicketActionView(APIView):
        @extend_schema(
            summary=action.summary,
            request=action.body,
            responses={200: TicketDetailSerializer},
            operation_id=f"tickets_{action.slug.replace('-', '_')}",
            tags=["ticket actions"],
        )
        def post(self, request, pk: int):
            ticket = ticket_for(request, pk)
            body = action.body(data=request.data, context={"ticket": ticket, "request": request})
            body.is_valid(raise_exception=True)
            action.perform(ticket, request.user, body.validated_data)
            return Response(detail(request, pk))

    TicketActionView.__name__ = f"Ticket{action.slug.title().replace('-', '')}View"
    return TicketActionView


ACTION_VIEWS = {action.slug: action_view(action) for action in ACTIONS}
