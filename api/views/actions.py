"""One view class per ticket action, so that each has its own documented request body."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers.actions import BODIES
from api.serializers.tickets import TicketDetailSerializer
from api.views.tickets import detail, ticket_for
from tickets.actions import ACTIONS, Action


def action_view(action: Action) -> type[APIView]:
    # Every action has its documented body, or the API fails to start.
    body_class = BODIES[action.slug]

    class TicketActionView(APIView):
        @extend_schema(
            summary=action.summary,
            request=body_class,
            responses={200: TicketDetailSerializer},
            operation_id=f"tickets_{action.slug.replace('-', '_')}",
            tags=["ticket actions"],
        )
        def post(self, request, pk: int):
            ticket = ticket_for(request, pk)
            body = body_class(data=request.data, context={"ticket": ticket, "request": request})
            body.is_valid(raise_exception=True)
            action.perform(ticket, request.user, body.validated_data)
            return Response(detail(request, pk))

    TicketActionView.__name__ = f"Ticket{action.slug.title().replace('-', '')}View"
    return TicketActionView


ACTION_VIEWS = {action.slug: action_view(action) for action in ACTIONS}
