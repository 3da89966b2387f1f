"""The triage page's forms: file a mail as a ticket, add it to a ticket, dismiss it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.selectors import filing_choices


class FileForm(forms.Form):
    system = forms.ModelChoiceField(label=_("System"), queryset=None)
    service_class = forms.ModelChoiceField(label=_("Level or category"), queryset=None)
    caller = forms.ModelChoiceField(
        label=_("Caller"),
        queryset=None,
        help_text=_("The hospital's person who reported it; the ticket is theirs."),
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    contact_phone = forms.CharField(
        label=_("Call-back phone"),
        max_length=20,
        required=False,
        help_text=_("Empty: the caller's own phone."),
    )
    backdate_reason = forms.CharField(
        label=_("Why only now"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the mail arrived more than 30 minutes ago."),
    )

    def __init__(self, *args, contract, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = filing_choices(contract)
        self.fields["system"].queryset = choices["systems"]
        self.fields["service_class"].queryset = choices["levels"]
        self.fields["caller"].queryset = choices["callers"]
        self.fields["system"].label_from_instance = lambda system: system.path()


class CommentForm(forms.Form):
    ticket = forms.CharField(
        label=_("Ticket number"),
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "YN-2026-00012"}),
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why dismiss it"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )
