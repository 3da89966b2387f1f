"""What each ticket action takes, validated for the portal's forms.

The API describes the same bodies with its own serializers (api/serializers/actions.py), for
its OpenAPI document; both hand the action's `perform` the same cleaned values, and the
services decide the rules.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from contracts.models import Clock, ServiceClass
from tickets.models import (
    DESCRIPTION_LIMIT,
    NOTE_LIMIT,
    RECORDED_AGREEMENT_CHANNELS,
    RECORDED_CHANNELS,
    ConsentChannel,
    PauseReason,
    ResolutionCause,
    Ticket,
    Worklog,
)
from tickets.models.consent import REFUSAL_LIMIT

HOLD_REASONS = [c for c in PauseReason.choices if c[0] != PauseReason.AWAITING_CONFIRMATION]
RECORDED_CHOICES = [(c.value, c.label) for c in RECORDED_CHANNELS]


def note_field(*, required: bool = False) -> forms.CharField:
    return forms.CharField(required=required, max_length=NOTE_LIMIT, strip=True)


def active_user(pk: int):
    """The active person with this id; the services check that they may take the work."""
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


def level_row(ticket: Ticket, *, code: str | None, level: int | None) -> ServiceClass:
    """The contract's SLA row a level change names, by its code or its level."""
    if not code and level is None:
        raise forms.ValidationError(
            {"level": [_("Give the new level, or the code of an SLA row.")]}
        )
    row = ticket.contract.sla_row(code=code, level=level, kind=ticket.kind)
    if row is None:
        raise forms.ValidationError(
            {"level": [_("The contract defines no such level for this kind of ticket.")]}
        )
    return row


class ActionForm(forms.Form):
    def __init__(self, *args, ticket: Ticket, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ticket = ticket


class NoteForm(ActionForm):
    note = note_field()


class RequiredNoteForm(ActionForm):
    note = note_field(required=True)


class ResolveForm(ActionForm):
    note = note_field(required=True)
    cause = forms.ChoiceField(choices=[("", "—"), *ResolutionCause.choices], required=False)
    # An outage still open closes when the service came back (by default now), or stays open.
    outage_ended_at = forms.DateTimeField(required=False)
    keep_outage_open = forms.BooleanField(required=False)
    prevention = note_field()


class AssignForm(ActionForm):
    engineer = forms.IntegerField(min_value=1)
    note = note_field()

    def clean_engineer(self):
        engineer = active_user(self.cleaned_data["engineer"])
        if engineer is None:
            raise forms.ValidationError(_("No active user has this id."))
        return engineer


class ConsentForm(ActionForm):
    """Asks the hospital's consent; with `consent_channel`, records a consent the hospital
    gave by phone, on site or in the WeCom group, by a person of the hospital (an account,
    or a name and phone) at `consent_at`."""

    consent_channel = forms.ChoiceField(choices=[("", "—"), *RECORDED_CHOICES], required=False)
    consent_person = forms.IntegerField(required=False, min_value=1)
    consent_name = forms.CharField(max_length=100, required=False)
    consent_phone = forms.CharField(max_length=20, required=False)
    consent_at = forms.DateTimeField(required=False)

    def clean_consent_person(self):
        pk = self.cleaned_data.get("consent_person")
        if pk is None:
            return None
        person = active_user(pk)
        if person is None:
            raise forms.ValidationError(_("No active user has this id."))
        return person

    def clean(self):
        cleaned = super().clean()
        cleaned["via"] = ConsentChannel.PORTAL
        return cleaned


class HoldForm(ConsentForm):
    reason = forms.ChoiceField(choices=HOLD_REASONS)
    note = note_field()


class RestartForm(ActionForm):
    note = note_field(required=True)

    def clean(self):
        cleaned = super().clean()
        cleaned["via"] = ConsentChannel.PORTAL
        return cleaned


class ConsentAnswerForm(forms.Form):
    """The hospital's answer to a consent request; a refusal or a dispute says why."""

    reason = forms.CharField(max_length=REFUSAL_LIMIT, required=False, strip=True)


class ConfirmForm(ActionForm):
    satisfaction = forms.IntegerField(min_value=1, max_value=5)
    comment = note_field()


class ChangeLevelForm(ActionForm):
    level = forms.IntegerField(required=False, min_value=1, max_value=9)
    service_class = forms.SlugField(required=False)
    note = note_field(required=True)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        row = level_row(self.ticket, code=cleaned.get("service_class"), level=cleaned.get("level"))
        return {"service_class": row, "note": cleaned["note"]}


class ExtendForm(ConsentForm):
    clock = forms.ChoiceField(choices=Clock.choices)
    minutes = forms.IntegerField(min_value=1, max_value=525600)
    reason = forms.CharField(max_length=NOTE_LIMIT)


class BreachReasonForm(ActionForm):
    clock = forms.ChoiceField(choices=Clock.choices)
    reason = forms.CharField(max_length=500)


def moment_field(*, required: bool = True) -> forms.DateTimeField:
    """A time as a phone's or desktop's date-time picker sends it (2026-09-20T22:00)."""
    return forms.DateTimeField(
        required=required,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class WindowForm(ActionForm):
    """A change's implementation window (C4); the service checks its order and length."""

    window_starts_at = moment_field()
    window_ends_at = moment_field()
    note = note_field()


class SubmitPlanForm(ActionForm):
    upgrade_plan = forms.CharField(max_length=DESCRIPTION_LIMIT)
    rollback_plan = forms.CharField(max_length=DESCRIPTION_LIMIT)
    window_starts_at = moment_field()
    window_ends_at = moment_field()


class ApprovePlanForm(ActionForm):
    """Approve the plans and the proposed window, or the plans with another window."""

    note = note_field()
    window_starts_at = moment_field(required=False)
    window_ends_at = moment_field(required=False)


class FinishChangeForm(ActionForm):
    note = note_field(required=True)
    outside_window_reason = forms.CharField(required=False, max_length=500, strip=True)


class ProposeAppointmentForm(ActionForm):
    at = moment_field()
    note = note_field()


class RecordAppointmentForm(ActionForm):
    confirmed_by = forms.CharField(max_length=100)
    channel = forms.ChoiceField(choices=RECORDED_AGREEMENT_CHANNELS)
    confirmed_at = moment_field()


class WorklogForm(forms.ModelForm):
    description = forms.CharField(max_length=DESCRIPTION_LIMIT)

    class Meta:
        model = Worklog
        fields = ["work_date", "minutes", "mode", "counts_against_quota", "description"]


def earlier_occurrence(ticket: Ticket, value: str) -> Ticket:
    """The ticket a recurrence link names, by its number or id, among the contract's."""
    value = str(value).strip()
    tickets = Ticket.objects.filter(contract_id=ticket.contract_id)
    found = tickets.filter(number__iexact=value).first()
    if found is None and value.isdigit():
        found = tickets.filter(pk=int(value)).first()
    if found is None:
        raise forms.ValidationError({"of": [_("No ticket of this contract has this number.")]})
    return found


class LinkRecurrenceForm(ActionForm):
    of = forms.CharField(max_length=30)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        return {"of": earlier_occurrence(self.ticket, cleaned["of"])}


class UnlinkRecurrenceForm(ActionForm):
    reason = forms.CharField(max_length=NOTE_LIMIT)


class RecordOutageForm(ActionForm):
    started_at = forms.DateTimeField()
    ended_at = forms.DateTimeField(required=False)
    partial = forms.BooleanField(required=False)
    note = forms.CharField(max_length=200, required=False)


class CorrectOutageForm(ActionForm):
    outage = forms.IntegerField(min_value=1)
    started_at = forms.DateTimeField()
    ended_at = forms.DateTimeField(required=False)
    partial = forms.BooleanField(required=False)
    note = forms.CharField(max_length=200, required=False)
    reason = forms.CharField(max_length=NOTE_LIMIT)


class CloseOutageForm(ActionForm):
    outage = forms.IntegerField(min_value=1)
    ended_at = forms.DateTimeField()
    note = note_field()


class WithdrawOutageForm(ActionForm):
    outage = forms.IntegerField(min_value=1)
    reason = forms.CharField(max_length=NOTE_LIMIT)
