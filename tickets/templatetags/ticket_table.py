"""{% ticket_table rows %}: every list of tickets, one <tr> per tickets.presenters.TicketRow.

The rows are written here with format_html, as Django's admin writes its change list's rows
(contrib/admin/templatetags/admin_list.py), not by a template loop: a row through the
template engine resolved some fifteen variables, tags and filters one node at a time, which
was most of the queue page's CPU. Each cell's words and colours still come from the row,
that is from the functions tickets.presenters makes rows with; every value is escaped here
unless it is one of the row's own safe strings (the state badge and the countdown), by the
standard library's html.escape, which is what django.utils.html.escape calls, without the lazy-
string check Django wraps around it (fifty rows of a dozen cells made it a fifth of the page).

The last cell is `extra`: the engineer (by default), "assign" (the dispatch board's form
assigning the ticket to one of `engineers`) or "reported" (when the hospital reported it).
With `tick`, each row starts with a checkbox of the board's "selected" form. Below 600 px
each row is a card (opsdesk.css); `data-label` names a cell where a phone shows it.
"""

from __future__ import annotations

import html

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext

from tickets.presenters import TicketRow, number_urls

register = template.Library()

NO_DEADLINE = mark_safe('<span class="muted">—</span>')


def _escaped(value) -> str:
    """`value` as HTML text: django.utils.html.conditional_escape for the str, SafeString
    and None that a row holds."""
    if isinstance(value, SafeData):
        return value
    return html.escape(str(value))


ROW = (
    '<tr class="row-{urgency}" data-ticket="{number}">{tick}'
    '<td class="urgency-cell">'
    '<span class="urgency urgency-{urgency}" aria-hidden="true"></span></td>\n'
    '<td class="nowrap number-cell"><a href="{url}">{number}</a></td>\n'
    '<td class="title-cell"><a href="{url}">{title}</a><br>'
    '<span class="muted small">{hospital} · {system}</span></td>\n'
    '<td class="nowrap level-cell">{level}</td>\n'
    '<td class="nowrap state-cell">{state}</td>\n'
    '<td class="nowrap deadline-cell" data-label="{deadline_label}">{deadline}</td>\n'
    "{extra}</tr>\n"
)
TICK = (
    '<td class="tick-cell"><input type="checkbox" name="ticket" value="{}" form="selected"'
    ' aria-label="{}"></td>'
)
ENGINEER = '<td class="extra-cell" data-label="{}">{}</td>'
REPORTED = '<td class="nowrap extra-cell" data-label="{}">{}</td>'
ASSIGN = (
    '<td class="extra-cell assign-cell"><form method="post" action="{}" class="assign-inline">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
    '<input type="hidden" name="next" value="{}">'
    '<select name="engineer" aria-label="{}">{}</select>'
    '<button class="secondary">{}</button></form></td>'
)


def _extra_cell(extra: str, context, engineers):
    """The last cell of each row, as a function of the row: its fixed parts (labels, the
    engineers' options, the links' pattern) made once per list."""
    if extra == "assign":
        assign_url = number_urls("ticket-action", slug="assign")
        options = format_html_join(
            "",
            '<option value="{}">{} ({})</option>',
            ((engineer.pk, engineer, engineer.open_tickets) for engineer in engineers or ()),
        )
        csrf_token = context.get("csrf_token") or ""
        fixed = (
            str(csrf_token),
            reverse("dispatch"),
            gettext("Engineer"),
            options,
            gettext("Assign"),
        )
        fixed = tuple(_escaped(part) for part in fixed)
        return lambda row: ASSIGN.format(_escaped(assign_url(row["number"])), *fixed)
    if extra == "reported":
        label, zone = _escaped(gettext("Reported at")), timezone.get_current_timezone()
        return lambda row: REPORTED.format(
            label, f"{row['reported_at'].astimezone(zone):%Y-%m-%d %H:%M}"
        )
    label = _escaped(gettext("Engineer"))
    return lambda row: ENGINEER.format(label, _escaped(row["engineer"]))


@register.inclusion_tag("tickets/_ticket_table.html", takes_context=True)
def ticket_table(
    context, rows: list[TicketRow], tick: bool = False, extra: str = "", engineers=()
) -> dict:
    """The table (its head: tickets/_ticket_table.html) around the rows; its options given
    here, so a page passes only those it uses."""
    return {
        "tick": tick,
        "extra": extra,
        "body": ticket_rows(context, rows, tick, extra, engineers),
    }


def ticket_rows(context, rows: list[TicketRow], tick: bool, extra: str, engineers) -> SafeString:
    extra_cell = _extra_cell(extra, context, engineers)
    deadline_label = _escaped(gettext("Next deadline"))
    tick_label = gettext("Tick %(number)s")
    written = []
    for row in rows:
        number = _escaped(row["number"])
        written.append(
            ROW.format(
                urgency=_escaped(row["urgency"]),
                number=number,
                tick=TICK.format(number, _escaped(tick_label % {"number": row["number"]}))
                if tick
                else "",
                url=_escaped(row["url"]),
                title=_escaped(row["title"]),
                hospital=_escaped(row["hospital"]),
                system=_escaped(row["system"]),
                level=_escaped(row["level"]),
                state=_escaped(row["state"]),
                deadline_label=deadline_label,
                deadline=row["deadline"] or NO_DEADLINE,
                extra=extra_cell(row),
            )
        )
    return mark_safe("".join(written))
