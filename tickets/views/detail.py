"""A ticket's page: its facts, clocks, timeline, and the actions the person may take."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.record import record
from knowledge.selectors import article_from_ticket
from knowledge.services import may_draft
from tickets import selectors, services
from tickets.action_forms import RECORDED_CHOICES, WorklogForm
from tickets.actions import ACTIONS_BY_SLUG
from tickets.downloads import attachment_response
from tickets.errors import TicketError
from tickets.models import (
    NOTE_LIMIT,
    RECORDED_AGREEMENT_CHANNELS,
    ConsentKind,
    ConsentRequest,
    PauseReason,
    ResolutionCause,
    Ticket,
    Watch,
    Worklog,
    WorkMode,
)
from tickets.policy import (
    HOSPITAL_STAFF,
    VENDOR_STAFF,
    available_actions,
    engineers_of,
    hospital_people,
    may,
    may_add_watchers,
    may_decide_consent,
    roles_on_contract,
)
from tickets.views import sections


def consent_context(user, ticket: Ticket, roles: set[str], now, actions: set[str]) -> dict:
    """The consent requests as the page shows them: those the person may answer now first,
    the vendor's open questions, and the record of who agreed, how and when."""
    consents = list(ticket.consents.all())
    deciding = may_decide_consent(user, ticket, roles=roles)
    records_consent = bool({"hold", "extend"} & actions) and may(
        user, "record_consent", ticket, roles=roles
    )
    return {
        "consents": consents,
        "awaiting": [c for c in consents if c.is_pending] if deciding else [],
        "asked": [c for c in consents if c.is_pending]
        if may(user, "withdraw_consent", ticket, roles=roles)
        else [],
        "decided_consents": [c for c in consents if not c.is_pending],
        "hold_requested": any(c.is_pending and c.kind == ConsentKind.HOLD for c in consents),
        "disputable": {c.pk for c in consents if deciding and c.disputable_at(now)},
        "records_consent": records_consent,
        "hospital_people": list(hospital_people(ticket.contract)) if records_consent else [],
        "recorded_channels": RECORDED_CHOICES,
    }


def _ticket(request, number: str) -> Ticket:
    tickets = selectors.with_timeline(
        selectors.with_list_relations(Ticket.objects.visible_to(request.user)),
        viewer=request.user,
    ).prefetch_related(
        Prefetch("worklogs", queryset=Worklog.objects.select_related("engineer")),
        Prefetch("watches", queryset=Watch.objects.select_related("person")),
    )
    return get_object_or_404(tickets, number=number)


def _page(request, ticket: Ticket, *, errors=None, posted=None, status=200):
    roles = roles_on_contract(request.user, ticket.contract)
    now = timezone.now()
    actions = available_actions(request.user, ticket, roles=roles)
    context = {
        **consent_context(request.user, ticket, roles, now, actions),
        "ticket": ticket,
        "clocks": [clock for clock in ticket.clocks.all() if clock.is_active],
        "actions": actions,
        # The actions of the agreements' own cards (tickets/_change_window.html, _appointment.html)
        # are offered there, not in "What you can do".
        "state_actions": actions
        - {
            "comment",
            "log_work",
            "propose_window",
            "agree_window",
            "propose_appointment",
            "confirm_appointment",
            "record_appointment",
        },
        "is_vendor": bool(roles & VENDOR_STAFF),
        "engineers": list(engineers_of(ticket.contract)) if "assign" in actions else [],
        "levels": ticket.contract.service_classes.filter(kind=ticket.kind).exclude(
            pk=ticket.service_class_id
        )
        if "change_level" in actions
        else [],
        "hold_reasons": [
            c for c in PauseReason.choices if c[0] != PauseReason.AWAITING_CONFIRMATION
        ],
        "work_modes": WorkMode.choices,
        "resolution_causes": ResolutionCause.choices,
        "extendable": [
            clock
            for clock in ticket.clocks.all()
            if clock.is_running
            and (target := ticket.service_class.clock_target(clock.name))
            and target.extendable_with_consent
        ]
        if "extend" in actions
        else [],
        # The clocks that missed their deadline, whose reason the vendor may give.
        "explainable": {
            clock.pk for clock in ticket.clocks.all() if clock.is_active and clock.missed_by(now)
        }
        if may(request.user, "breach_reason", ticket, roles=roles)
        else set(),
        # Proposals and agreements, newest last; the current one is the last not superseded.
        "windows": list(ticket.change_windows.all()),
        "window": next((w for w in ticket.change_windows.all() if w.is_current), None),
        "appointments": list(ticket.appointments.all()),
        "appointment": next((a for a in ticket.appointments.all() if a.is_current), None),
        "my_side": "hospital" if roles & HOSPITAL_STAFF else "vendor",
        "agreement_channels": RECORDED_AGREEMENT_CHANNELS,
        "article": article_from_ticket(request.user, ticket),
        "may_draft_article": may_draft(request.user, ticket, roles=roles),
        "note_limit": NOTE_LIMIT,
        "may_write_internal": may(request.user, "internal_note", ticket, roles=roles),
        "watchers": [watch.person for watch in ticket.watches.all()],
        "watching": any(watch.person_id == request.user.pk for watch in ticket.watches.all()),
        "may_add_watchers": may_add_watchers(request.user, ticket, roles=roles),
        "watch_candidates": list(selectors.readers_of(ticket).order_by("full_name"))
        if may_add_watchers(request.user, ticket, roles=roles)
        else [],
        "errors": errors or {},
        "posted": posted or {},
        "now": now,
        "today": timezone.localdate(),
        **sections.recurrence_section(request.user, ticket, roles),
        **sections.outage_section(request.user, ticket, roles),
    }
    return render(request, "tickets/detail.html", context, status=status)


@login_required
def ticket_detail(request, number: str):
    if number != number.upper():
        # Numbers are stored in capitals: yn-2026-00001 is YN-2026-00001, at its one address.
        return redirect("ticket-detail", number=number.upper())
    return _page(request, _ticket(request, number))


def _next(request, ticket: Ticket) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return ticket.get_absolute_url()


@login_required
@require_POST
def ticket_action(request, number: str, slug: str):
    """One action, validated and performed exactly as the API does it."""
    action = ACTIONS_BY_SLUG.get(slug)
    if action is None:
        raise Http404
    ticket = _ticket(request, number)
    form = action.form(data=request.POST, ticket=ticket)
    if not form.is_valid():
        return _page(
            request,
            ticket,
            errors={action.policy_name: form.errors},
            posted={action.policy_name: request.POST},
            status=400,
        )
    try:
        done = action.perform(ticket, request.user, form.cleaned_data)
    except TicketError as exc:
        if exc.field in form.fields:
            # A rule about one field (a consent time to come, a plan the contract requires,
            # a window): said beside it.
            return _page(
                request,
                _ticket(request, number),
                errors={action.policy_name: {exc.field: [str(exc)]}},
                posted={action.policy_name: request.POST},
                status=exc.status,
            )
        messages.error(request, str(exc))
        return _page(
            request, _ticket(request, number), posted={action.policy_name: request.POST}, status=409
        )
    if isinstance(done, ConsentRequest) and done.is_pending:
        messages.success(request, _("The hospital is asked; the clocks change when it agrees."))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": action.label})
    return redirect(_next(request, ticket))


def _internal(request) -> bool:
    return request.POST.get("internal") in ("1", "true", "on")


@login_required
@require_POST
def ticket_comment(request, number: str):
    ticket = _ticket(request, number)
    try:
        services.add_comment(
            ticket=ticket,
            by=request.user,
            text=request.POST.get("text", ""),
            internal=_internal(request),
        )
    except TicketError as exc:
        messages.error(request, str(exc))
        return _page(request, ticket, posted={"comment": request.POST}, status=400)
    return redirect(ticket.get_absolute_url() + "#timeline")


@login_required
@require_POST
def ticket_worklog(request, number: str):
    ticket = _ticket(request, number)
    form = WorklogForm(data=request.POST)
    if not form.is_valid():
        return _page(
            request,
            ticket,
            errors={"worklog": form.errors},
            posted={"worklog": request.POST},
            status=400,
        )
    try:
        services.log_work(ticket=ticket, by=request.user, **form.cleaned_data)
    except TicketError as exc:
        messages.error(request, str(exc))
        return _page(request, ticket, posted={"worklog": request.POST}, status=400)
    messages.success(request, _("Work logged."))
    return redirect(ticket.get_absolute_url() + "#worklogs")


@login_required
@require_POST
def ticket_attach(request, number: str):
    ticket = _ticket(request, number)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file first."))
    else:
        try:
            services.attach_file(
                ticket=ticket, by=request.user, upload=upload, internal=_internal(request)
            )
        except TicketError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("File attached."))
    return redirect(ticket.get_absolute_url() + "#attachments")


@login_required
def attachment_download(request, number: str, pk: int):
    ticket = _ticket(request, number)
    attachment = get_object_or_404(ticket.attachments.all(), pk=pk)
    try:
        response = attachment_response(attachment)
    except TicketError as exc:
        messages.error(request, str(exc))
        return redirect(ticket.get_absolute_url() + "#attachments")
    record(
        "tickets.attachment.downloaded",
        actor=request.user,
        obj=attachment,
        contract=ticket.contract_id,
        data={"ticket": ticket.number},
    )
    return response


@login_required
@require_POST
def ticket_watchers(request, number: str):
    """Watch or stop watching (oneself, or with `person` someone else who reads the ticket)."""
    ticket = _ticket(request, number)
    person = request.user
    if request.POST.get("person"):
        person = selectors.readers_of(ticket).filter(pk=request.POST["person"]).first()
        if person is None:
            messages.error(request, _("Choose someone who may see this ticket."))
            return redirect(ticket.get_absolute_url() + "#watchers")
    try:
        if request.POST.get("watch") == "0":
            services.unwatch(ticket=ticket, by=request.user, person=person)
        else:
            services.watch(ticket=ticket, by=request.user, person=person)
    except TicketError as exc:
        messages.error(request, str(exc))
    return redirect(ticket.get_absolute_url() + "#watchers")
