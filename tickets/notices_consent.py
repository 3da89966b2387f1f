"""Who is told what about the hospital's consent (tickets.services.consent).

The hospital's people are asked with a signed link to answer; a consent the vendor recorded in
the hospital's name is told at once to the person named and to hospital IT, with until when
it may be disputed; the vendor hears the answer and any dispute.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Role
from notifications.links import ticket_url
from notifications.models import NotificationEvent
from notifications.services import notify_people
from tickets.consent_links import link_for
from tickets.notices import people


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _prefix(consent) -> str:
    return f"[{consent.ticket.number}] "


def _hospital(consent) -> list:
    ticket = consent.ticket
    return [*people(ticket, Role.REPORTER), *people(ticket, Role.HOSPITAL_IT)]


def _vendor(consent) -> list:
    ticket = consent.ticket
    asked = [p for p in (consent.requested_by, consent.recorded_by) if p is not None]
    return [*asked, *people(ticket, Role.ENGINEER)]


def requested(consent) -> None:
    """The reporter and hospital IT are asked, each with a link to answer."""
    link = link_for(consent)

    def subject() -> str:
        return _prefix(consent) + _("Your consent is asked: %(terms)s") % {"terms": consent.terms}

    def body() -> str:
        return _(
            "%(who)s asks the hospital's consent on “%(title)s”:\n%(terms)s\n%(note)s\n\n"
            "Agree or refuse here: %(link)s"
        ) % {
            "who": str(consent.requested_by),
            "title": consent.ticket.title,
            "terms": consent.terms,
            "note": consent.note,
            "link": link,
        }

    notify_people(
        event=NotificationEvent.CONSENT,
        ticket=consent.ticket,
        recipients=_hospital(consent),
        subject=subject,
        body=body,
        dedupe=f"consent:{consent.pk}:requested",
    )


def recorded(consent) -> None:
    """A consent the vendor recorded in the hospital's name: the person named and hospital
    IT hear it at once, and until when they may dispute it."""
    ticket = consent.ticket
    until = consent.dispute_until(ticket.contract.consent_dispute_hours)

    def subject() -> str:
        return _prefix(consent) + _("Consent recorded in the hospital's name: %(terms)s") % {
            "terms": consent.terms
        }

    def body() -> str:
        return _(
            "%(vendor)s recorded that %(person)s agreed (%(channel)s) at %(at)s:\n%(terms)s\n\n"
            "If the hospital did not agree, dispute it before %(until)s: %(link)s"
        ) % {
            "vendor": str(consent.recorded_by),
            "person": consent.agreed_by,
            "channel": consent.get_channel_display(),
            "at": _when(consent.decided_at),
            "terms": consent.terms,
            "until": _when(until) if until else "—",
            "link": ticket_url(ticket),
        }

    recipients = list(people(ticket, Role.HOSPITAL_IT))
    if consent.decided_by is not None:
        recipients.insert(0, consent.decided_by)
    notify_people(
        event=NotificationEvent.CONSENT,
        ticket=ticket,
        recipients=recipients,
        subject=subject,
        body=body,
        dedupe=f"consent:{consent.pk}:recorded",
    )


def decided(consent) -> None:
    """The vendor hears the hospital's answer."""

    def subject() -> str:
        text = (
            _("The hospital agreed: %(terms)s")
            if consent.state == "granted"
            else _("The hospital refused: %(terms)s")
        )
        return _prefix(consent) + text % {"terms": consent.terms}

    def body() -> str:
        text = _("%(person)s answered at %(at)s (%(channel)s).") % {
            "person": consent.agreed_by,
            "at": _when(consent.decided_at),
            "channel": consent.get_channel_display(),
        }
        if consent.refusal_reason:
            text += "\n" + _("Why: %(reason)s") % {"reason": consent.refusal_reason}
        return f"{text}\n\n{ticket_url(consent.ticket)}"

    notify_people(
        event=NotificationEvent.CONSENT,
        ticket=consent.ticket,
        recipients=_vendor(consent),
        subject=subject,
        body=body,
        dedupe=f"consent:{consent.pk}:decided",
    )


def disputed(consent) -> None:
    """The vendor, its dispatchers and hospital IT hear that a recorded consent was
    disputed and undone."""
    ticket = consent.ticket

    def subject() -> str:
        return _prefix(consent) + _("The hospital disputes a recorded consent")

    def body() -> str:
        return _(
            "%(person)s disputes that the hospital agreed to: %(terms)s\nWhy: %(reason)s\n"
            "The pause or extension is undone and the clocks are counted without it.\n\n%(link)s"
        ) % {
            "person": str(consent.disputed_by),
            "terms": consent.terms,
            "reason": consent.dispute_reason,
            "link": ticket_url(ticket),
        }

    notify_people(
        event=NotificationEvent.CONSENT,
        ticket=ticket,
        recipients=[
            *_vendor(consent),
            *people(ticket, Role.DISPATCHER),
            *people(ticket, Role.HOSPITAL_IT),
        ],
        subject=subject,
        body=body,
        dedupe=f"consent:{consent.pk}:disputed",
    )
