"""Which parts of the portal the navigation offers: the pages the person may open
(opsdesk/page_policy.py decides, so a link is shown exactly where its page opens)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from opsdesk import page_policy
from tickets.services import ATTACHMENT_MAX_BYTES, ATTACHMENT_TOO_LARGE


def _sides(user) -> dict[str, bool]:
    return {
        "hospital": page_policy.may_report_faults(user),
        "hospital_desk": page_policy.may_see_hospital_desk(user),
        "tickets": page_policy.may_follow_tickets(user),
        "vendor": page_policy.may_use_queue(user),
        "file_for": page_policy.may_file_for_callers(user),
        "dispatch": page_policy.may_use_dispatch_board(user),
        "triage": page_policy.may_work_triage(user),
        "portfolio": page_policy.may_see_portfolio(user),
        "inspections": page_policy.may_read_inspections(user),
    }


def portal_navigation(request) -> dict:
    # upload_limit: for a hand-written file input, what forms.upload_limit_attrs() puts on
    # a form's own. search_query: the header's search box keeps what was searched for (in the
    # template, request.GET.q raised and logged a KeyError on every other page).
    return {
        "search_query": request.GET.get("q", ""),
        "sides": SimpleLazyObject(lambda: _sides(request.user)),
        "upload_limit": {"max_bytes": ATTACHMENT_MAX_BYTES, "too_large": ATTACHMENT_TOO_LARGE},
    }
