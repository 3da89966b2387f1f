"""The one door from the demo's history to OpsDesk's services: one small function per
activity, each running the real service at the moment it happened.

Services change (holds are becoming a consent the hospital grants, recurrences and outages
get pages of their own, service years cap opening times): when one does, only its adapter
here changes, and the history follows."""

from __future__ import annotations

import datetime as dt

from inspections import services as inspection_services
from knowledge import services as knowledge_services
from reports import services as report_services
from tickets import services
from tickets.models import Channel, ConsentChannel, ConsentKind, Ticket
from tickets.recurrence import mark_recurrence
from tickets.services import consent, outages

from .timeline import moment

# --- tickets -------------------------------------------------------------------------------


def _file(at: dt.datetime, *, contract, system, service_class, title, description, reporter):
    with moment(at):
        return services.report_ticket(
            contract=contract,
            system=system,
            service_class=service_class,
            title=title,
            description=description,
            reporter=reporter,
            contact_phone=reporter.phone,
            channel=Channel.PORTAL,
        )


def _file_for_caller(
    at: dt.datetime,
    *,
    contract,
    system,
    service_class,
    title,
    description,
    caller,
    entered_by,
    channel: str,
    late_minutes: int,
):
    """A call or WeCom message the vendor's desk types in a few minutes after it came."""
    with moment(at + dt.timedelta(minutes=late_minutes)):
        return services.file_for_caller(
            contract=contract,
            system=system,
            service_class=service_class,
            title=title,
            description=description,
            caller=caller,
            entered_by=entered_by,
            channel=channel,
            reported_at=at,
        ).ticket


def _acknowledge(at, ticket: Ticket, by, note: str = "") -> Ticket:
    with moment(at):
        return services.acknowledge(ticket=ticket, by=by, note=note, now=at)


def _dispatch(at, ticket: Ticket, by, engineer, note: str = "") -> Ticket:
    with moment(at):
        return services.assign(ticket=ticket, by=by, engineer=engineer, note=note, now=at)


def _arrive(at, ticket: Ticket, by) -> Ticket:
    with moment(at):
        return services.arrive(ticket=ticket, by=by, now=at)


def _consent(asked_at, granted_at, ticket: Ticket, by, hospital, *, by_phone: bool, **terms):
    """The vendor asks; the hospital's person agrees on the ticket page a few minutes later,
    or agreed on the phone and the vendor records it (the hospital is told and may dispute)."""
    if by_phone:
        with moment(granted_at):
            return consent.record(
                ticket=ticket,
                by=by,
                channel=ConsentChannel.PHONE,
                consent_at=granted_at,
                person=hospital,
                now=granted_at,
                **terms,
            )
    with moment(asked_at):
        request = consent.ask(ticket=ticket, by=by, now=asked_at, **terms)
    with moment(granted_at):
        return consent.grant(consent=request, by=hospital, now=granted_at)


def _hold_with_consent(
    asked_at, granted_at, ticket: Ticket, by, *, hospital, reason: str, note: str, by_phone: bool
) -> Ticket:
    _consent(
        asked_at,
        granted_at,
        ticket,
        by,
        hospital,
        by_phone=by_phone,
        kind=ConsentKind.HOLD,
        reason=reason,
        note=note,
    )
    return Ticket.objects.get(pk=ticket.pk)


def _resume(at, ticket: Ticket, by) -> Ticket:
    with moment(at):
        return services.resume(ticket=ticket, by=by, now=at)


def _extend(
    asked_at, granted_at, ticket: Ticket, by, *, hospital, clock: str, minutes: int, note: str
):
    _consent(
        asked_at,
        granted_at,
        ticket,
        by,
        hospital,
        by_phone=False,
        kind=ConsentKind.EXTENSION,
        clock=clock,
        minutes=minutes,
        note=note,
    )


def _change_level(at, ticket: Ticket, by, *, service_class, note: str) -> Ticket:
    with moment(at):
        return services.change_level(
            ticket=ticket, by=by, service_class=service_class, note=note, now=at
        )


def _resolve(
    at, ticket: Ticket, by, *, note: str, cause: str, outage_ended_at: dt.datetime | None = None
) -> Ticket:
    """Resolve; an outage span still open closes when the service came back
    (`outage_ended_at`, by default the resolve time)."""
    with moment(at):
        return services.resolve(
            ticket=ticket, by=by, note=note, cause=cause, outage_ended_at=outage_ended_at, now=at
        )


def _confirm(at, ticket: Ticket, by, *, satisfaction: int, comment: str) -> Ticket:
    with moment(at):
        return services.confirm(
            ticket=ticket, by=by, satisfaction=satisfaction, comment=comment, now=at
        )


def _reopen(at, ticket: Ticket, by, *, note: str) -> Ticket:
    with moment(at):
        return services.reopen(ticket=ticket, by=by, note=note, now=at)


def _explain_breach(at, ticket: Ticket, by, *, clock: str, reason: str) -> None:
    with moment(at):
        services.explain_breach(ticket=ticket, by=by, clock=clock, reason=reason, now=at)


def _link_recurrence(at, ticket: Ticket, by, *, of: Ticket) -> Ticket:
    with moment(at):
        return mark_recurrence(ticket=ticket, by=by, of=of, now=at)


def _record_outage(at, ticket: Ticket, by, *, started_at, ended_at) -> None:
    """A span recorded by hand, where OpsDesk opened none when the fault was filed."""
    with moment(at):
        outages.record_outage(
            ticket=ticket, by=by, started_at=started_at, ended_at=ended_at, now=at
        )


def _log_work(at, ticket: Ticket, by, *, work_date, minutes, mode, description, quota=False):
    with moment(at):
        return services.log_work(
            ticket=ticket,
            by=by,
            work_date=work_date,
            minutes=minutes,
            mode=mode,
            description=description,
            counts_against_quota=quota,
            now=at,
        )


# --- changes (C4) --------------------------------------------------------------------------


def _submit_plan(
    at, ticket: Ticket, by, *, upgrade_plan: str, rollback_plan: str, window: tuple
) -> Ticket:
    """The plans with the proposed implementation window (start, end), for approval."""
    with moment(at):
        return services.submit_plan(
            ticket=ticket,
            by=by,
            upgrade_plan=upgrade_plan,
            rollback_plan=rollback_plan,
            window_starts_at=window[0],
            window_ends_at=window[1],
            now=at,
        )


def _approve_plan(at, ticket: Ticket, by, *, note: str = "") -> Ticket:
    with moment(at):
        return services.approve_plan(ticket=ticket, by=by, note=note, now=at)


def _reject_plan(at, ticket: Ticket, by, *, note: str) -> Ticket:
    with moment(at):
        return services.reject_plan(ticket=ticket, by=by, note=note, now=at)


def _complete_change(at, ticket: Ticket, by, *, note: str) -> Ticket:
    with moment(at):
        return services.complete_change(ticket=ticket, by=by, note=note, now=at)


def _roll_back(at, ticket: Ticket, by, *, note: str) -> Ticket:
    with moment(at):
        return services.roll_back(ticket=ticket, by=by, note=note, now=at)


# --- inspections ---------------------------------------------------------------------------


def _assign_inspection(at, inspection, by, *, engineer):
    with moment(at):
        return inspection_services.assign(inspection=inspection, engineer=engineer, by=by, now=at)


def _start_inspection(at, inspection, by, *, mode: str):
    with moment(at):
        return inspection_services.start(inspection=inspection, by=by, mode=mode, now=at)


def _record_results(at, inspection, by, *, answers):
    with moment(at):
        return inspection_services.record_results(
            inspection=inspection, by=by, answers=answers, now=at
        )


def _open_finding_ticket(at, result, by, *, service_class) -> Ticket:
    with moment(at):
        return inspection_services.open_ticket(
            result=result, by=by, service_class=service_class, now=at
        )


def _complete_inspection(at, inspection, by, *, findings: str, suggestions: str):
    with moment(at):
        return inspection_services.complete(
            inspection=inspection, by=by, findings=findings, suggestions=suggestions, now=at
        )


def _sign_inspection(at, inspection, by):
    with moment(at):
        return inspection_services.sign_off(inspection=inspection, by=by, now=at)


# --- knowledge -----------------------------------------------------------------------------


def _draft_article(at, ticket: Ticket, by):
    with moment(at):
        article, _created = knowledge_services.draft_from_ticket(ticket, by)
        return article


def _publish_article(at, article, by):
    with moment(at):
        return knowledge_services.publish(article, by, now=at)


# --- reports -------------------------------------------------------------------------------


def _request_quarterly(at, contract, *, period):
    """The summary OpsDesk makes itself a few days after the quarter (reports.tasks)."""
    with moment(at):
        return report_services.request_report(
            contract=contract, kind="quarterly", period=period, notify_contacts=True, now=at
        )


def _finalise_report(at, report, by, *, improvements: str):
    with moment(at):
        report_services.save_improvements(report=report, by=by, text=improvements)
        return report_services.make_final(report=report, by=by, now=at)


def _accept_report(at, report, by, *, opinion: str):
    with moment(at):
        return report_services.accept_report(report=report, by=by, opinion=opinion, now=at)
