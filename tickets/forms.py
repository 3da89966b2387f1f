"""The 报修 form: a hospital person files a fault under one contract."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, Role, ServiceClass
from contracts.selectors import system_tree
from opsdesk.validators import validate_phone
from tickets.errors import TicketError
from tickets.models import DESCRIPTION_LIMIT, DESK_CHANNELS, TITLE_LIMIT, Channel
from tickets.selectors import hospital_people
from tickets.services import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_TOO_LARGE,
    Caller,
    check_upload,
)

MAX_FILES = 10


def upload_limit_attrs() -> dict:
    """The size limit on a file input, for the browser to refuse a file over it before
    uploading it (static/js/opsdesk.js); the server checks again (check_upload)."""
    return {"data-max-bytes": ATTACHMENT_MAX_BYTES, "data-too-large": ATTACHMENT_TOO_LARGE}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True

    def __init__(self, attrs=None) -> None:
        super().__init__({**upload_limit_attrs(), **(attrs or {})})


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def _indented_systems(contract: Contract) -> list[tuple[int, str]]:
    choices: list[tuple[int, str]] = []

    def walk(nodes, depth: int) -> None:
        for node in nodes:
            if node.covered:
                choices.append((node.system.pk, "\u3000" * depth + node.system.name))
            walk(node.children, depth + 1)

    walk(system_tree(contract), 0)
    return choices


class ServiceClassChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, row: ServiceClass) -> str:
        return row.name


class ReportForm(forms.Form):
    system = forms.TypedChoiceField(label=_("System"), coerce=int)
    service_class = ServiceClassChoiceField(
        label=_("Level or category"),
        queryset=ServiceClass.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    title = forms.CharField(label=_("Title"), max_length=TITLE_LIMIT)
    description = forms.CharField(
        label=_("What happened"),
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Which window or department, what you see, since when, how many are affected."),
    )
    contact_phone = forms.CharField(
        label=_("Call-back phone"), max_length=20, validators=[validate_phone]
    )
    attachments = MultipleFileField(
        label=_("Screenshots or files"),
        required=False,
        help_text=_("Up to 10 files of 20 MB each: pictures, PDF, Office documents, logs."),
    )

    def __init__(self, *args, contract: Contract, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.contract = contract
        self.fields["system"].choices = [("", "—"), *_indented_systems(contract)]
        self.fields["service_class"].queryset = contract.service_classes.order_by(
            "position", "level", "code"
        )

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("Attach at most 10 files."))
        for upload in files:
            try:
                check_upload(upload)
            except TicketError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return files


# The "reported N minutes ago" quick choice: a dispatcher on a phone picks one instead of
# typing a date and time.
MINUTES_AGO = (5, 10, 15, 20, 30, 45, 60)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, person) -> str:
        return f"{person} · {person.phone}" if person.phone else str(person)


class FileForCallerForm(ReportForm):
    """The vendor's desk files a report the hospital made by phone, WeCom, e-mail, fax or on
    site: the 报修 form's system, level and description, plus who called, how and when.
    The rules on the time (never future, a reason past 30 minutes, the contract's limit)
    are the filing service's; its message lands beside the field it names."""

    caller = PersonChoiceField(
        label=_("Caller"),
        queryset=None,
        required=False,
        empty_label=_("Not in the list: type name and phone below"),
        error_messages={"invalid_choice": _("Pick the caller from this hospital's people.")},
    )
    caller_name = forms.CharField(label=_("Caller's name"), max_length=100, required=False)
    caller_phone = forms.CharField(
        label=_("Caller's phone"), max_length=20, required=False, validators=[validate_phone]
    )
    follower = PersonChoiceField(
        label=_("Followed at the hospital by"),
        queryset=None,
        required=False,
        empty_label=None,
        help_text=_(
            "A caller without an account cannot follow the ticket: this hospital IT person "
            "does, and the ticket names the caller."
        ),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(channel.value, channel.label) for channel in DESK_CHANNELS],
        initial=Channel.PHONE,
        widget=forms.RadioSelect,
    )
    reported_at = forms.DateTimeField(
        label=_("Reported at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the hospital reported it: every deadline counts from here."),
    )
    minutes_ago = forms.TypedChoiceField(
        label=_("Or: reported … minutes ago"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", "—")]
        + [
            (minutes, _("%(minutes)s minutes ago") % {"minutes": minutes})
            for minutes in MINUTES_AGO
        ],
    )
    backdate_reason = forms.CharField(
        label=_("Why it is entered only now"),
        max_length=500,
        required=False,
        help_text=_("Needed when the report time is more than 30 minutes ago."),
    )

    def __init__(self, *args, contract: Contract, **kwargs) -> None:
        super().__init__(*args, contract=contract, **kwargs)
        self.fields["caller"].queryset = hospital_people(contract)
        self.fields["follower"].queryset = hospital_people(contract, Role.HOSPITAL_IT)
        # The caller's phone, or the picked person's, is the call-back number by default.
        self.fields["contact_phone"].required = False
        self.fields["contact_phone"].help_text = _("Leave empty to call back the caller's phone.")

    def clean(self):
        data = super().clean()
        if not data.get("caller") and not (data.get("caller_name") and data.get("caller_phone")):
            self.add_error(
                "caller",
                _("Pick the caller from the hospital's people, or type their name and phone."),
            )
        return data

    def reported(self, now) -> dt.datetime | None:
        """The report time the form gives: the quick choice wins over a typed time."""
        minutes = self.cleaned_data.get("minutes_ago")
        if minutes:
            return now - dt.timedelta(minutes=minutes)
        return self.cleaned_data.get("reported_at")

    def caller_given(self) -> Caller:
        data = self.cleaned_data
        return Caller(person=data["caller"], name=data["caller_name"], phone=data["caller_phone"])


class OpenChangeForm(forms.Form):
    """The vendor opens a change (C4): what it changes, both plans, and the proposed window."""

    system = forms.TypedChoiceField(label=_("System"), coerce=int)
    service_class = ServiceClassChoiceField(
        label=_("Kind of change"), queryset=ServiceClass.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Title"), max_length=TITLE_LIMIT)
    description = forms.CharField(
        label=_("What changes and why"),
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    upgrade_plan = forms.CharField(
        label=_("Upgrade plan"), max_length=DESCRIPTION_LIMIT, widget=forms.Textarea({"rows": 5})
    )
    rollback_plan = forms.CharField(
        label=_("Rollback plan"), max_length=DESCRIPTION_LIMIT, widget=forms.Textarea({"rows": 4})
    )
    window_starts_at = forms.DateTimeField(
        label=_("Proposed window: starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    window_ends_at = forms.DateTimeField(
        label=_("Proposed window: ends"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Hospital IT approves the plans and this window, or proposes another."),
    )

    def __init__(self, *args, contract: Contract, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.contract = contract
        self.fields["system"].choices = [("", "—"), *_indented_systems(contract)]
        self.fields["service_class"].queryset = contract.change_rows()
