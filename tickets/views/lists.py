"""Lists of tickets: the engineer's queue, the dispatcher's board, a hospital's tickets."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from api.pagination import Ordering, paginate
from contracts.models import Membership, Role
from tickets import selectors
from tickets.models import OPEN_STATES, Ticket
from tickets.policy import VENDOR_STAFF

PAGE_SIZE = 50
BY_NEXT_DEADLINE = Ordering("next_due_at", nullable=True)
NEWEST_FIRST = Ordering("created_at", descending=True)


def _rows(tickets, now) -> list[tuple[Ticket, str]]:
    return [(ticket, selectors.urgency(ticket, now)) for ticket in tickets]


def _is_vendor_staff(user) -> bool:
    return Membership.objects.filter(user=user, role__in=VENDOR_STAFF).exists()


@login_required
def queue(request):
    """Open tickets by nearest deadline; refreshes itself every 30 s (htmx) on the page."""
    now = timezone.now()
    tickets = selectors.vendor_queue(request.user)
    mine = request.GET.get("mine") == "1"
    if mine:
        tickets = tickets.filter(assignee=request.user)
    page, next_url = paginate(
        request, tickets, BY_NEXT_DEADLINE, PAGE_SIZE, request.GET.get("cursor") or None
    )
    context = {
        "rows": _rows(page, now),
        "next_url": next_url,
        "mine": mine,
        "now": now,
        "is_vendor": _is_vendor_staff(request.user),
    }
    template = (
        "tickets/_queue_table.html" if request.headers.get("HX-Request") else "tickets/queue.html"
    )
    return render(request, template, context)


@login_required
def dispatch_board(request):
    """Unassigned and at-risk tickets, assignable in one step, and each engineer's load."""
    now = timezone.now()
    tickets = selectors.vendor_queue(request.user)
    unassigned = list(
        tickets.filter(assignee__isnull=True).order_by(*BY_NEXT_DEADLINE.order_by())[:100]
    )
    at_risk = list(
        tickets.filter(assignee__isnull=False, next_warn_at__lte=now).order_by(
            *BY_NEXT_DEADLINE.order_by()
        )[:100]
    )
    vendors = Membership.objects.filter(user=request.user, role__in=VENDOR_STAFF).values(
        "organization_id"
    )
    engineers = (
        Membership.objects.filter(
            organization_id__in=vendors, role=Role.ENGINEER, user__is_active=True
        )
        .select_related("user")
        .annotate(
            open_tickets=Count(
                "user__assigned_tickets",
                filter=Q(user__assigned_tickets__state__in=OPEN_STATES),
                distinct=True,
            )
        )
        .order_by("open_tickets", "user__full_name")
    )
    context = {
        "unassigned": _rows(unassigned, now),
        "at_risk": _rows(at_risk, now),
        "engineers": engineers,
        "now": now,
    }
    return render(request, "tickets/dispatch.html", context)


@login_required
def ticket_list(request):
    """A hospital's tickets: a reporter sees their own, hospital IT all of the hospital's."""
    now = timezone.now()
    tickets = selectors.with_next_due(
        Ticket.objects.visible_to(request.user).select_related(
            "contract", "system", "service_class", "assignee"
        )
    )
    is_it = Membership.objects.filter(
        user=request.user, role__in=(Role.HOSPITAL_IT, Role.ADMINISTRATOR)
    ).exists()
    if not is_it and not _is_vendor_staff(request.user):
        tickets = tickets.filter(reporter=request.user)
    show = request.GET.get("show", "open")
    if show == "open":
        tickets = tickets.filter(state__in=OPEN_STATES)
    elif show == "finished":
        tickets = tickets.exclude(state__in=OPEN_STATES)
    page, next_url = paginate(
        request, tickets, NEWEST_FIRST, PAGE_SIZE, request.GET.get("cursor") or None
    )
    return render(
        request,
        "tickets/list.html",
        {"rows": _rows(page, now), "next_url": next_url, "show": show, "is_it": is_it, "now": now},
    )
