"""Tickets: list, file, read, correct. Actions and records live in their own modules."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import token_of
from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.idempotency import create_once
from api.scoping import within_token_organization
from api.serializers.ticket_rows import ticket_list_columns, write_ticket_rows
from api.serializers.tickets import (
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketListQuerySerializer,
    TicketPageSerializer,
    TicketSearchPageSerializer,
    TicketSearchQuerySerializer,
    TicketUpdateSerializer,
)
from api.views.contracts import visible_contracts
from opsdesk.keyset import InvalidCursor, Ordering, paginate
from tickets import search, selectors, services
from tickets.filters import TicketFilterSet
from tickets.models import Channel, Ticket
from tickets.policy import is_vendor_staff, may_file_for, read_memberships_once

ORDERINGS = {
    "next_due": Ordering("next_due_at", nullable=True),
    "-created_at": Ordering("created_at", descending=True),
    "created_at": Ordering("created_at"),
}


def visible_tickets(request):
    tickets = Ticket.objects.visible_to(request.user)
    return within_token_organization(tickets, request, "contract__")


# The portal's list filters (tickets.filters) that the API list had no spelling of before:
# one definition for the pages, their exports and the API. (state, assignee, contract,
# system and due_before/due_after keep the API's own, older spelling.)
DESK_FILTERS = (
    "hospital",
    "service_class",
    "channel",
    "overdue",
    "at_risk",
    "created_after",
    "created_before",
)
DESK_FILTER_PARAMETERS = [
    OpenApiParameter("hospital", str, description="The hospital's code (YN)."),
    OpenApiParameter("service_class", int, description="A level or category (its id)."),
    OpenApiParameter("channel", str, enum=list(Channel.values), description="How it came in."),
    OpenApiParameter(
        "overdue", bool, description="The next deadline has passed (true) or not (false)."
    ),
    OpenApiParameter(
        "at_risk", bool, description="Past the warning time, before the deadline (or not)."
    ),
    OpenApiParameter(
        "created_after", OpenApiTypes.DATE, description="Reported on or after (Beijing date)."
    ),
    OpenApiParameter(
        "created_before", OpenApiTypes.DATE, description="Reported on or before (Beijing date)."
    ),
]


def desk_filtered(request, tickets):
    """`tickets` narrowed by the desk's filters of the query string; a bad value is a 400
    naming the filter."""
    data = {}
    for name in DESK_FILTERS:
        value = request.query_params.get(name)
        if value is not None:
            data[name] = {"true": "1", "false": "0"}.get(value, value)
    if not data:
        return tickets
    filters = TicketFilterSet(data, queryset=tickets, request=request)
    if filters.errors:
        raise serializers.ValidationError(
            {
                "created_after" if name == "created" else name: errors
                for name, errors in filters.errors.items()
            }
        )
    return filters.qs


def ticket_for(request, pk: int) -> Ticket:
    """The ticket if the caller may see it; 404 otherwise, so foreign tickets stay unseen."""
    return get_object_or_404(visible_tickets(request).select_related("contract"), pk=pk)


def token_organizations(request) -> list[int] | None:
    """The organisation an API token acts for (None for a signed-in person): what it reads
    of internal notes follows the token's side, not all of its person's."""
    token = token_of(request)
    return None if token is None else [token.organization_id]


def detail(request, pk: int) -> dict:
    queryset = selectors.with_timeline(
        selectors.with_list_relations(visible_tickets(request)),
        viewer=request.user,
        organizations=token_organizations(request),
    )
    ticket = get_object_or_404(queryset, pk=pk)
    return TicketDetailSerializer(ticket, context={"request": request}).data


def filed_detail(request, filed: services.Filed) -> dict:
    """The new ticket as `detail()` shows it, made from the rows filing just wrote rather
    than read back (four queries fewer a ticket filed; tests/api/test_ticket_filing.py holds
    the two answers equal). The caller filed under a contract of theirs, so they may see it."""
    ticket = filed.ticket
    # What with_list_relations() and with_timeline() would have prefetched, in their order.
    ticket._prefetched_objects_cache = {
        "clocks": sorted(filed.clocks, key=lambda clock: clock.pk),
        "events": [filed.event, *filed.later_events],
        "attachments": [],
        "consents": [],
        "change_windows": [],
        "appointments": [],
    }
    return TicketDetailSerializer(ticket, context={"request": request}).data


class TicketListView(APIView):
    @extend_schema(
        summary="Tickets the caller may see, filtered, by nearest deadline first",
        operation_id="tickets_list",
        parameters=[TicketListQuerySerializer, *DESK_FILTER_PARAMETERS],
        responses={200: TicketPageSerializer},
    )
    def get(self, request):
        query = TicketListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tickets = selectors.filtered(visible_tickets(request), query.to_filter(request.user))
        tickets = desk_filtered(request, tickets)
        try:
            rows, next_url = paginate(
                request,
                ticket_list_columns(tickets),
                ORDERINGS[query.validated_data["ordering"]],
                query.validated_data["page_size"],
                query.validated_data.get("cursor"),
            )
        except InvalidCursor as exc:
            raise serializers.ValidationError({"cursor": [exc.message]}) from exc
        return Response({"next": next_url, "results": write_ticket_rows(rows)})

    @extend_schema(
        summary="File a ticket (报修)",
        operation_id="tickets_create",
        request=TicketCreateSerializer,
        responses={201: TicketDetailSerializer},
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                description="Any unique string (a UUID). A retry with the same key and body "
                "returns the first answer instead of filing a second ticket.",
            )
        ],
    )
    def post(self, request):
        def create() -> Response:
            # Who may file for whom is asked three times below; one query answers all.
            read_memberships_once(request.user)
            incoming = TicketCreateSerializer(
                data=request.data,
                context={
                    "contracts": visible_contracts(request),
                    "for_caller": is_vendor_staff(request.user),
                },
            )
            incoming.is_valid(raise_exception=True)
            data = incoming.validated_data
            if may_file_for(request.user, data["contract"]):
                filed = _file_for_caller(request, data)
            else:
                filed = _file_for_self(request, data)
            return Response(filed_detail(request, filed), status=status.HTTP_201_CREATED)

        return create_once(request, create)


def _file_for_self(request, data: dict) -> services.Filed:
    """A hospital person or system files for itself, by the API. It may say when the fault
    was reported (HIS monitoring saw the outage at 09:12) under the same limits as the
    vendor's desk: the reporter is stating its own fact, and the audit keeps both times."""
    if "caller" in data or data.get("channel", Channel.API) != Channel.API:
        field = "caller" if "caller" in data else "channel"
        raise serializers.ValidationError(
            {field: [_("Only the vendor's staff file for a caller; the hospital files as itself.")]}
        )
    return services.file_ticket(
        contract=data["contract"],
        system=data["system"],
        service_class=data["service_class"],
        title=data["title"],
        description=data["description"],
        contact_phone=data.get("contact_phone", ""),
        reporter=request.user,
        channel=Channel.API,
        reported_at=data.get("reported_at"),
        backdate_reason=data["backdate_reason"],
    )


def _file_for_caller(request, data: dict) -> services.Filed:
    """The vendor's desk (a dispatcher's script, a call-centre system) files a report the
    hospital made, as the portal's "file for a caller" form does."""
    given = data.get("caller")
    if given is None:
        raise serializers.ValidationError(
            {
                "caller": [
                    _("Say who at the hospital reported it: a person's id, or name and phone.")
                ]
            }
        )
    users = get_user_model().objects.filter(is_active=True)
    if isinstance(given, int):
        person = users.filter(pk=given).first()
        if person is None:
            raise serializers.ValidationError(
                {"caller": [_("No person of this contract's hospital has this id.")]}
            )
        caller = services.Caller(person=person)
    else:
        caller = services.Caller(name=given["name"], phone=given["phone"])
    follower = None
    if "follower" in data:
        follower = users.filter(pk=data["follower"]).first()
        if follower is None:
            raise serializers.ValidationError(
                {"follower": [_("No person of this contract's hospital has this id.")]}
            )
    return services.file_for_caller(
        contract=data["contract"],
        system=data["system"],
        service_class=data["service_class"],
        title=data["title"],
        description=data["description"],
        caller=caller,
        follower=follower,
        contact_phone=data.get("contact_phone", ""),
        channel=data.get("channel", Channel.PHONE),
        reported_at=data.get("reported_at"),
        backdate_reason=data["backdate_reason"],
        entered_by=request.user,
    )


MATCHED_IN = {
    search.Where.NUMBER: "number",
    search.Where.TITLE: "title",
    search.Where.DESCRIPTION: "description",
    search.Where.COMMENT: "comment",
}


class TicketSearchView(APIView):
    @extend_schema(
        summary="Search the tickets the caller may see: numbers, titles, descriptions, comments",
        description=(
            "The portal's search box as JSON. Each word of `q` must be found (as a substring, "
            "case-insensitively) in a ticket's number, title, description or one of its "
            "comments the caller may read. Best first: a match in the number, then the title, "
            "the description, a comment; newest first within each."
        ),
        operation_id="tickets_search",
        parameters=[TicketSearchQuerySerializer],
        responses={200: TicketSearchPageSerializer},
    )
    def get(self, request):
        query = TicketSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        tickets = visible_tickets(request)
        results = search.search(
            selectors.with_list_relations(tickets),
            search.visible_comments(
                tickets, request.user, organizations=token_organizations(request)
            ),
            query.validated_data["q"],
            limit=query.validated_data["limit"],
        )
        hits = [
            {"ticket": hit.ticket, "matched_in": MATCHED_IN[hit.where], "excerpt": hit.excerpt}
            for hit in results.hits
        ]
        page = {"count": results.count, "since": results.since, "results": hits}
        return Response(TicketSearchPageSerializer(page).data)


class TicketDetailView(APIView):
    @extend_schema(
        summary="One ticket with its clocks, timeline and attachments",
        responses={200: TicketDetailSerializer},
    )
    def get(self, request, pk: int):
        return Response(detail(request, pk))

    @extend_schema(
        summary="Correct the title, description or call-back phone",
        request=TicketUpdateSerializer,
        responses={200: TicketDetailSerializer},
    )
    def patch(self, request, pk: int):
        ticket = ticket_for(request, pk)
        changes = TicketUpdateSerializer(data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        services.edit_ticket(ticket=ticket, by=request.user, changes=dict(changes.validated_data))
        return Response(detail(request, pk))
