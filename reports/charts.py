"""Charts as SVG text, drawn on the server: no JavaScript, no library, nothing fetched.

Each function returns one self-contained <svg> element (a SafeString, every label escaped
here) with a <title> and a <desc> for screen readers, explicit width/height and a viewBox,
colours and fonts as attributes (no stylesheet needed), so the same markup works inline in
a page and inside a WeasyPrint PDF. Text uses a CJK font first so Chinese renders.
"""

from __future__ import annotations

import math
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.figures import DowntimeFigure, MonthlyTickets, SlaCompliance, TrendPoint
from reports.formatting import hours_text

FONT_FAMILY = (
    "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', "
    "'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif"
)
INK, MUTED, GRID, TRACK = "#1f2933", "#616e7c", "#d9e2ec", "#eef2f6"
OK, WARN, BAD = "#2f8f46", "#c77c02", "#c2352b"
LEVEL_COLOURS = {1: "#c2352b", 2: "#e07b1a", 3: "#d4a017", 4: "#3f7fbf"}
OTHER_COLOUR = "#8896a4"
WIDTH = 480  # px; the page scales charts down on a phone, never up
FONT_SIZE = 13
LINE = 18  # height of a line of text


def _e(value) -> str:
    """Escape text for SVG content and attribute values."""
    return escape(str(value), quote=True)


def _n(value: float) -> str:
    """A coordinate: short, no exponent."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{_e(chart_id)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{_e(chart_id)}-title {_e(chart_id)}-desc" '
        f'font-family="{_e(FONT_FAMILY)}" font-size="{FONT_SIZE}" fill="{INK}">'
        f'<title id="{_e(chart_id)}-title">{_e(title)}</title>'
        f'<desc id="{_e(chart_id)}-desc">{_e(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text, *, anchor: str = "start", **attrs) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{_e(value)}"' for name, value in attrs.items())
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{extra}>{_e(text)}</text>'


def percent_text(percent: Decimal) -> str:
    """60.0 → "60 %", 66.7 → "66.7 %": as the dashboard writes a percentage."""
    return f"{percent.normalize():f} %" if percent == percent.to_integral() else f"{percent} %"


def _nice_max(value: int) -> int:
    """A round upper bound for an axis of counts: 1, 2, 5, 10, 20, 50 … at least value."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def text_width(text, size: int = 12) -> float:
    """A rough width of a label: CJK characters are square, Latin ones about 0.6 of it."""
    return sum(size if ord(char) >= 0x2E80 else size * 0.6 for char in str(text))


def level_colour(level: int | None) -> str:
    return LEVEL_COLOURS.get(level, OTHER_COLOUR) if level is not None else OTHER_COLOUR


def monthly_tickets_chart(
    monthly: MonthlyTickets, *, title: str | None = None, chart_id: str = "chart-months"
) -> SafeString:
    """A stacked bar per month: tickets created, split by fault level (other kinds last)."""
    title = title or _("Tickets per month by level")
    width, left, right, bottom, plot_h = WIDTH, 36, 8, 26, 190
    body: list[str] = []
    # the legend, wrapped onto as many lines as it needs
    x, y = left, 14
    for level, label in zip(monthly.levels, monthly.labels, strict=True):
        item = 16 + text_width(label, FONT_SIZE) + 16
        if x > left and x + item > width - right:
            x, y = left, y + LINE
        body.append(
            f'<rect x="{_n(x)}" y="{y - 10}" width="11" height="11" rx="2" '
            f'fill="{level_colour(level)}"/>'
        )
        body.append(_text(x + 15, y, label))
        x += item
    top = y + LINE + 8
    plot_w = width - left - right
    height = top + plot_h + bottom
    top_value = _nice_max(max((month.total for month in monthly.months), default=0))
    ticks = 5 if top_value >= 5 else top_value
    for i in range(ticks + 1):
        value = top_value * i // ticks
        ty = top + plot_h - plot_h * i / ticks
        body.append(
            f'<line x1="{left}" y1="{_n(ty)}" x2="{width - right}" y2="{_n(ty)}" '
            f'stroke="{GRID if i else MUTED}" stroke-width="1"/>'
        )
        body.append(_text(left - 6, ty + 4, value, anchor="end", fill=MUTED, font_size=11))
    slot = plot_w / max(len(monthly.months), 1)
    bar_w = min(56.0, slot * 0.6)
    summary = []
    # A year of months is too many "2026-07" labels for the width: print the month only.
    month_format = "%Y-%m" if len(monthly.months) <= 6 else "%m"
    for index, month in enumerate(monthly.months):
        label = f"{month.month:{month_format}}"
        bx = left + slot * index + (slot - bar_w) / 2
        by = top + plot_h
        parts = []
        for level, level_label, n in zip(monthly.levels, monthly.labels, month.counts, strict=True):
            if not n:
                continue
            h = plot_h * n / top_value
            by -= h
            body.append(
                f'<rect x="{_n(bx)}" y="{_n(by)}" width="{_n(bar_w)}" height="{_n(h)}" '
                f'fill="{level_colour(level)}" stroke="#fff" stroke-width="0.5">'
                f"<title>{_e(label)} {_e(level_label)}: {n}</title></rect>"
            )
            parts.append(f"{level_label} {n}")
        if month.total:
            body.append(_text(bx + bar_w / 2, by - 5, month.total, anchor="middle"))
        body.append(_text(bx + bar_w / 2, top + plot_h + 18, label, anchor="middle", fill=MUTED))
        summary.append(f"{label}: {month.total}" + (f" ({', '.join(parts)})" if parts else ""))
    if not monthly.total:
        body.append(
            _text(
                left + plot_w / 2,
                top + plot_h / 2,
                _("No tickets in this period."),
                anchor="middle",
                fill=MUTED,
            )
        )
    return _svg(chart_id, width, height, title, "; ".join(summary), body)


def _bar_colour(percent: Decimal, target: Decimal) -> str:
    """Green at or above the contract's target, amber within 5 points below it, red under."""
    return OK if percent >= target else WARN if percent >= target - 5 else BAD


def _target(target: Decimal | None) -> Decimal:
    return Decimal(100) if target is None else Decimal(target)


def compliance_chart(
    compliance: SlaCompliance,
    *,
    target: Decimal | None = None,
    title: str | None = None,
    chart_id: str = "chart-compliance",
) -> SafeString:
    """A bar per clock: the share met on time, against a dashed line at the contract's
    compliance target (Contract.sla_target_percent; 100 % when none is given)."""
    title = title or _("SLA compliance per clock")
    target = _target(target)
    rows = compliance.by_clock
    width, row_h, top, bottom = WIDTH, 34, 24, 22
    left = 12 + max((text_width(row.label, FONT_SIZE) for row in rows), default=40)
    right = 12 + text_width("100.0 % (999/999)", FONT_SIZE)
    plot_w = width - left - right
    full = left + plot_w
    height = top + bottom + row_h * max(len(rows), 1)
    body: list[str] = []
    for percent in (0, 50, 100):
        x = left + plot_w * percent / 100
        anchor = "start" if percent == 0 else "middle"
        body.append(_text(x, top - 8, f"{percent} %", anchor=anchor, fill=MUTED, font_size=11))
    summary = []
    for index, row in enumerate(rows):
        y = top + row_h * index + 6
        bar_h = row_h - 12
        tally = row.tally
        body.append(_text(left - 8, y + bar_h / 2 + 5, row.label, anchor="end"))
        body.append(
            f'<rect x="{_n(left)}" y="{_n(y)}" width="{_n(plot_w)}" height="{_n(bar_h)}" '
            f'fill="{TRACK}"/>'
        )
        if tally.percent is None:
            caption = _("nothing was due")
        else:
            share = float(tally.percent) / 100
            if share > 0:
                body.append(
                    f'<rect x="{_n(left)}" y="{_n(y)}" width="{_n(plot_w * share)}" '
                    f'height="{_n(bar_h)}" fill="{_bar_colour(tally.percent, target)}">'
                    f"<title>{_e(row.label)}: {_e(percent_text(tally.percent))}</title></rect>"
                )
            caption = f"{percent_text(tally.percent)} ({tally.on_time}/{tally.counted})"
        body.append(_text(full + 8, y + bar_h / 2 + 5, caption))
        summary.append(f"{row.label}: {caption}")
    target_x = left + plot_w * float(target) / 100
    body.append(
        f'<line x1="{_n(target_x)}" y1="{top - 4}" x2="{_n(target_x)}" '
        f'y2="{height - bottom + 2}" stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3"/>'
    )
    body.append(
        _text(
            target_x,
            height - 6,
            _("target %(percent)s") % {"percent": percent_text(target)},
            anchor="middle",
            fill=MUTED,
            font_size=11,
        )
    )
    if not rows:
        body.append(
            _text(
                left + plot_w / 2,
                top + row_h / 2 + 4,
                _("The SLA table sets no clocks."),
                anchor="middle",
                fill=MUTED,
            )
        )
    return _svg(chart_id, width, height, title, "; ".join(summary), body)


def downtime_chart(
    figure: DowntimeFigure, *, title: str | None = None, chart_id: str = "chart-downtime"
) -> SafeString:
    """Downtime in the period as a bar against the allowance pro-rated to the period, which
    a dashed line marks."""
    title = title or _("Downtime against the allowance")
    downtime, allowed = figure.downtime_hours, figure.allowed_hours
    # Green or red only against a target: without one there is nothing to judge.
    verdict = {True: OK, False: BAD, None: "#5b7fa6"}[figure.within_target]
    rows = [(_("Downtime"), downtime, verdict)]
    if allowed is not None:
        rows.append((_("Allowance"), allowed, "#9fb3c8"))
    width, row_h, top = WIDTH, 34, 10
    left = 12 + max(text_width(label, FONT_SIZE) for label, _hours, _colour in rows)
    right = 12 + text_width("9999.99 h", FONT_SIZE)
    plot_w = width - left - right
    height = top + row_h * len(rows) + (LINE + 6 if allowed is None else 4)
    scale = max(downtime, allowed or Decimal(0)) or Decimal(1)

    def x_of(hours: Decimal) -> float:
        return left + plot_w * float(hours / scale)

    body: list[str] = []
    for index, (label, hours, colour) in enumerate(rows):
        y = top + row_h * index
        bar_h = row_h - 12
        body.append(_text(left - 8, y + bar_h / 2 + 5, label, anchor="end"))
        body.append(
            f'<rect x="{_n(left)}" y="{y}" width="{_n(plot_w)}" height="{bar_h}" fill="{TRACK}"/>'
        )
        if hours > 0:
            body.append(
                f'<rect x="{_n(left)}" y="{y}" width="{_n(x_of(hours) - left)}" '
                f'height="{bar_h}" fill="{colour}"/>'
            )
        body.append(_text(x_of(hours) + 6, y + bar_h / 2 + 5, hours_text(hours)))
    if allowed is not None:
        x = x_of(allowed)
        body.append(
            f'<line x1="{_n(x)}" y1="{top - 6}" x2="{_n(x)}" y2="{top + row_h * len(rows) - 6}" '
            f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
        desc = _("%(downtime)s of downtime against an allowance of %(allowed)s") % {
            "downtime": hours_text(downtime),
            "allowed": hours_text(allowed),
        }
    else:
        desc = _("%(downtime)s of downtime; the contract sets no availability target") % {
            "downtime": hours_text(downtime)
        }
        body.append(_text(left, top + row_h + 12, _("No availability target."), fill=MUTED))
    return _svg(chart_id, width, height, title, desc, body)


def compliance_trend_chart(
    trend: tuple[TrendPoint, ...],
    *,
    target: Decimal | None = None,
    title: str | None = None,
    chart_id: str = "chart-trend",
) -> SafeString:
    """A column per month: the share of clocks met on time, the contract's compliance target
    dashed (100 % when none is given); a month in which nothing fell due shows a dash
    instead of a column."""
    title = title or _("SLA compliance by month")
    target = _target(target)
    width, left, right, top, bottom, plot_h = WIDTH, 40, 8, 14, 26, 150
    height = top + plot_h + bottom
    plot_w = width - left - right
    body: list[str] = []
    for percent in (0, 50, 100):
        y = top + plot_h - plot_h * percent / 100
        body.append(
            f'<line x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 6, y + 4, f"{percent} %", anchor="end", fill=MUTED, font_size=11))
    target_y = top + plot_h - plot_h * float(target) / 100
    body.append(
        f'<line class="target" x1="{left}" y1="{_n(target_y)}" x2="{width - right}" '
        f'y2="{_n(target_y)}" stroke="{INK}" stroke-width="1" stroke-dasharray="4 3"/>'
    )
    slot = plot_w / max(len(trend), 1)
    bar_w = min(40.0, slot * 0.6)
    summary = []
    for index, point in enumerate(trend):
        label = f"{point.period.start:%m}"
        cx = left + slot * index + slot / 2
        percent = point.tally.percent
        if percent is None:
            body.append(_text(cx, top + plot_h - 4, "–", anchor="middle", fill=MUTED))
            summary.append(f"{point.period.start:%Y-%m}: –")
        else:
            h = plot_h * float(percent) / 100
            body.append(
                f'<rect x="{_n(cx - bar_w / 2)}" y="{_n(top + plot_h - h)}" width="{_n(bar_w)}" '
                f'height="{_n(h)}" fill="{_bar_colour(percent, target)}"/>'
            )
            body.append(
                _text(
                    cx, top + plot_h - h - 4, percent_text(percent), anchor="middle", font_size=10
                )
            )
            summary.append(f"{point.period.start:%Y-%m}: {percent_text(percent)}")
        body.append(_text(cx, top + plot_h + 17, label, anchor="middle", fill=MUTED, font_size=11))
    return _svg(chart_id, width, height, title, "; ".join(summary), body)
