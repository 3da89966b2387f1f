"""The ticket actions, each a call of one ticket service.

The ticket page posts them to /tickets/{number}/{slug}/ and the API offers them as
`POST /api/v1/tickets/{id}/{slug}/`; both validate the body (the page with `form`, the API with
its serializer of the same fields) and call `perform`. The services decide who may do what and
when, so the portal and the API stand on the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tickets import action_forms as forms
from tickets import recurrence, services
from tickets.models import Ticket


def consent_action(ticket: Ticket, by, data: dict, **terms):
    """Ask the hospital, or (with `consent_channel`) record what it said outside OpsDesk."""
    if data.get("consent_channel"):
        return services.consent.record(
            ticket=ticket,
            by=by,
            channel=data["consent_channel"],
            consent_at=data.get("consent_at"),
            person=data.get("consent_person"),
            name=data.get("consent_name") or "",
            phone=data.get("consent_phone") or "",
            **terms,
        )
    return services.consent.ask(ticket=ticket, by=by, channel=data["via"], **terms)


@dataclass(frozen=True)
class Action:
    slug: str
    summary: str
    form: type[forms.ActionForm]
    perform: Callable[[Ticket, object, dict], object]

    @property
    def policy_name(self) -> str:
        """The name tickets.policy knows the action by ("change-level" → "change_level")."""
        return self.slug.replace("-", "_")

    @property
    def label(self) -> str:
        return str(services.ACTION_LABELS.get(self.policy_name, self.slug))


ACTIONS: tuple[Action, ...] = (
    Action(
        "acknowledge",
        "Acknowledge (响应): stops the respond clock",
        forms.NoteForm,
        lambda t, by, d: services.acknowledge(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "assign",
        "Dispatch (派工) to an engineer of the vendor",
        forms.AssignForm,
        lambda t, by, d: services.assign(ticket=t, by=by, engineer=d["engineer"], note=d["note"]),
    ),
    Action(
        "arrive",
        "Record arrival on site (签到): stops the arrive clock",
        forms.NoteForm,
        lambda t, by, d: services.arrive(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "hold",
        "Ask the hospital's consent to a hold (the clocks pause from its consent); with "
        "consent_channel, record a consent given by phone, on site or in the WeCom group; "
        "hospital IT holds at once",
        forms.HoldForm,
        lambda t, by, d: consent_action(t, by, d, kind="hold", reason=d["reason"], note=d["note"]),
    ),
    Action(
        "resume",
        "Resume work after a hold: the clocks run again",
        forms.NoteForm,
        lambda t, by, d: services.resume(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "resolve",
        "Resolve: stops the resolve clock, awaits the hospital's confirmation",
        forms.ResolveForm,
        lambda t, by, d: services.resolve(
            ticket=t,
            by=by,
            note=d["note"],
            cause=d["cause"],
            outage_ended_at=d.get("outage_ended_at"),
            keep_outage_open=d.get("keep_outage_open", False),
            prevention=d.get("prevention", ""),
        ),
    ),
    Action(
        "confirm",
        "Confirm the resolution and rate it; the ticket closes",
        forms.ConfirmForm,
        lambda t, by, d: services.confirm(
            ticket=t, by=by, satisfaction=d["satisfaction"], comment=d["comment"]
        ),
    ),
    Action(
        "reopen",
        "Reopen within the contract's window: the resolve clock runs on",
        forms.RequiredNoteForm,
        lambda t, by, d: services.reopen(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "cancel",
        "Withdraw the ticket before work starts (撤销)",
        forms.NoteForm,
        lambda t, by, d: services.cancel(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "change-level",
        "Raise or lower the level: running clocks take the new targets",
        forms.ChangeLevelForm,
        lambda t, by, d: services.change_level(
            ticket=t, by=by, service_class=d["service_class"], note=d["note"]
        ),
    ),
    Action(
        "extend",
        "Ask the hospital's consent to more time on a running clock; with consent_channel, "
        "record a consent given by phone, on site or in the WeCom group",
        forms.ExtendForm,
        lambda t, by, d: consent_action(
            t, by, d, kind="extension", clock=d["clock"], minutes=d["minutes"], note=d["reason"]
        ),
    ),
    Action(
        "restart",
        "Ask the hospital's consent to restart or redeploy (C4: only with its consent)",
        forms.RestartForm,
        lambda t, by, d: consent_action(t, by, d, kind="restart", note=d["note"]),
    ),
    Action(
        "breach-reason",
        "Say why a clock missed its deadline (the reports print it with the breach)",
        forms.BreachReasonForm,
        lambda t, by, d: services.explain_breach(
            ticket=t, by=by, clock=d["clock"], reason=d["reason"]
        ),
    ),
    Action(
        "submit-plan",
        "Submit a change's upgrade and rollback plans and a proposed implementation window",
        forms.SubmitPlanForm,
        lambda t, by, d: services.submit_plan(
            ticket=t,
            by=by,
            upgrade_plan=d["upgrade_plan"],
            rollback_plan=d["rollback_plan"],
            window_starts_at=d["window_starts_at"],
            window_ends_at=d["window_ends_at"],
        ),
    ),
    Action(
        "approve-plan",
        "Approve a change plan and its proposed window, or the plan with another window "
        "for the vendor to accept (hospital IT)",
        forms.ApprovePlanForm,
        lambda t, by, d: services.approve_plan(
            ticket=t,
            by=by,
            note=d["note"],
            window_starts_at=d.get("window_starts_at"),
            window_ends_at=d.get("window_ends_at"),
        ),
    ),
    Action(
        "reject-plan",
        "Reject a change plan with the reason (hospital IT)",
        forms.RequiredNoteForm,
        lambda t, by, d: services.reject_plan(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "propose-window",
        "Propose another implementation window for a change; the other party agrees to it",
        forms.WindowForm,
        lambda t, by, d: services.propose_window(
            ticket=t,
            by=by,
            window_starts_at=d["window_starts_at"],
            window_ends_at=d["window_ends_at"],
            note=d["note"],
        ),
    ),
    Action(
        "agree-window",
        "Agree to the change window the other party proposed",
        forms.NoteForm,
        lambda t, by, d: services.agree_window(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "complete-change",
        "Record a change as done (outside the agreed window only with the reason)",
        forms.FinishChangeForm,
        lambda t, by, d: services.complete_change(
            ticket=t, by=by, note=d["note"], outside_window_reason=d["outside_window_reason"]
        ),
    ),
    Action(
        "roll-back",
        "Record a change as rolled back (outside the agreed window only with the reason)",
        forms.FinishChangeForm,
        lambda t, by, d: services.roll_back(
            ticket=t, by=by, note=d["note"], outside_window_reason=d["outside_window_reason"]
        ),
    ),
    Action(
        "propose-appointment",
        "Propose when the engineer will be on site, for the hospital to confirm (C3 levels 3-4)",
        forms.ProposeAppointmentForm,
        lambda t, by, d: services.propose_appointment(ticket=t, by=by, at=d["at"], note=d["note"]),
    ),
    Action(
        "confirm-appointment",
        "Confirm the proposed on-site time (the reporter or hospital IT): the arrive clock "
        "falls due then",
        forms.NoteForm,
        lambda t, by, d: services.confirm_appointment(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "record-appointment",
        "Record that the hospital confirmed the on-site time by phone, WeCom, e-mail or in "
        "person, naming who and when; the hospital is told",
        forms.RecordAppointmentForm,
        lambda t, by, d: services.record_appointment_confirmation(
            ticket=t,
            by=by,
            confirmed_by=d["confirmed_by"],
            channel=d["channel"],
            confirmed_at=d["confirmed_at"],
        ),
    ),
)

# The same problem again (C4) and outage spans (C5): any time, open ticket or finished.
ACTIONS += (
    Action(
        "link-recurrence",
        "Link to an earlier occurrence of the same problem; the contract's recurrence rule "
        "applies at once",
        forms.LinkRecurrenceForm,
        lambda t, by, d: recurrence.mark_recurrence(ticket=t, by=by, of=d["of"]),
    ),
    Action(
        "unlink-recurrence",
        "Undo a recurrence link, with the reason (the level is not lowered by itself)",
        forms.UnlinkRecurrenceForm,
        lambda t, by, d: recurrence.unlink_recurrence(ticket=t, by=by, reason=d["reason"]),
    ),
    Action(
        "record-outage",
        "Record an outage span (level-1 faults) or a partial one (degraded service)",
        forms.RecordOutageForm,
        lambda t, by, d: services.record_outage(
            ticket=t,
            by=by,
            started_at=d["started_at"],
            ended_at=d["ended_at"],
            partial=d["partial"],
            note=d["note"],
        ),
    ),
    Action(
        "correct-outage",
        "Correct an outage's start, end or kind, with the reason (both parties see it)",
        forms.CorrectOutageForm,
        lambda t, by, d: services.correct_outage(
            ticket=t,
            by=by,
            outage=d["outage"],
            started_at=d["started_at"],
            ended_at=d["ended_at"],
            partial=d["partial"],
            note=d["note"],
            reason=d["reason"],
        ),
    ),
    Action(
        "close-outage",
        "The service is back: close an open outage",
        forms.CloseOutageForm,
        lambda t, by, d: services.close_outage(
            ticket=t, by=by, outage=d["outage"], ended_at=d["ended_at"], note=d["note"]
        ),
    ),
    Action(
        "withdraw-outage",
        "Remove a span that was no outage, with the reason",
        forms.WithdrawOutageForm,
        lambda t, by, d: services.withdraw_outage(
            ticket=t, by=by, outage=d["outage"], reason=d["reason"]
        ),
    ),
)


ACTIONS_BY_SLUG = {action.slug: action for action in ACTIONS}
