"""The hospital's answer to a consent request on the ticket page, and the signed link from
the e-mail or WeCom notice that opens a confirmation page (GET never decides)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets import consent_links, selectors, services
from tickets.action_forms import ConsentAnswerForm
from tickets.errors import TicketError
from tickets.models import ConsentChannel, Ticket
from tickets.policy import may_decide_consent
from tickets.views.detail import _page, _ticket

DECISIONS = {
    "grant": lambda consent, by, reason, via: services.consent.grant(
        consent=consent, by=by, channel=via
    ),
    "refuse": lambda consent, by, reason, via: services.consent.refuse(
        consent=consent, by=by, reason=reason, channel=via
    ),
    "dispute": lambda consent, by, reason, via: services.consent.dispute(
        consent=consent, by=by, reason=reason
    ),
    "withdraw": lambda consent, by, reason, via: services.consent.withdraw(
        consent=consent, by=by, note=reason
    ),
}


def _done_message(decision: str) -> str:
    return {
        "grant": _("You agreed on behalf of the hospital."),
        "refuse": _("You refused; the vendor has been told why."),
        "dispute": _("The consent is disputed and its effect undone."),
        "withdraw": _("The request is withdrawn."),
    }[decision]


def decide(decision: str):
    @login_required
    @require_POST
    def view(request, number: str, cid: int):
        ticket = _ticket(request, number)
        consent = get_object_or_404(ticket.consents.all(), pk=cid)
        form = ConsentAnswerForm(data=request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        # The confirmation page a notice's link opens says so; anything else is the page.
        via = ConsentChannel.LINK if request.POST.get("via") == "link" else ConsentChannel.PORTAL
        try:
            DECISIONS[decision](consent, request.user, reason, via)
        except TicketError as exc:
            messages.error(request, str(exc))
            return _page(
                request,
                _ticket(request, number),
                posted={"consent": {**request.POST.dict(), "id": cid, "decision": decision}},
                status=exc.status,
            )
        messages.success(request, _done_message(decision))
        return redirect(ticket.get_absolute_url() + "#consents")

    view.__name__ = f"consent_{decision}"
    return view


grant, refuse, dispute, withdraw = (decide(d) for d in ("grant", "refuse", "dispute", "withdraw"))


@login_required
def from_link(request, token: str):
    """The page a notice's link opens: what is asked, and the buttons to answer it, for
    the person signed in; a forged or expired link, or someone else's ticket, is 404."""
    consent_id = consent_links.consent_id(token)
    if consent_id is None:
        return render(request, "tickets/consent_link.html", {"expired": True}, status=404)
    consent = get_object_or_404(
        selectors.CONSENTS.filter(ticket__in=Ticket.objects.visible_to(request.user)),
        pk=consent_id,
    )
    ticket: Ticket = consent.ticket
    context = {
        "consent": consent,
        "ticket": ticket,
        "may_decide": consent.is_pending and may_decide_consent(request.user, ticket),
        "now": timezone.now(),
    }
    return render(request, "tickets/consent_link.html", context)
