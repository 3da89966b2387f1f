"""Server-drawn SVG charts: well-formed, accessible, escaped, CJK-capable, no scripts."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils import translation

from reports import charts
from reports.figures import (
    ClockCompliance,
    DowntimeFigure,
    MonthlyTickets,
    MonthRow,
    SlaCompliance,
    Tally,
)

SVG = "{http://www.w3.org/2000/svg}"

MONTHLY = MonthlyTickets(
    levels=(1, 2, None),
    labels=("一级故障", "二级故障", "Other <kinds> & co"),
    months=(
        MonthRow(dt.date(2026, 7, 1), (2, 0, 1)),
        MonthRow(dt.date(2026, 8, 1), (0, 1, 0)),
        MonthRow(dt.date(2026, 9, 1), (1, 1, 0)),
    ),
)
COMPLIANCE = SlaCompliance(
    overall=Tally(9, 7, 2),
    by_clock=(
        ClockCompliance("respond", "响应", Tally(4, 3, 0)),
        ClockCompliance("arrive", "到场", Tally(4, 1, 1)),
        ClockCompliance("resolve", "解决 <b>", Tally(0, 0, 1)),
    ),
    by_level=(),
)
DOWNTIME = DowntimeFigure(
    downtime_hours=Decimal("3.00"), allowed_hours=Decimal("2.02"), yearly_allowed_hours=Decimal(8)
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises if the markup is not well-formed XML


def all_charts():
    return [
        charts.monthly_tickets_chart(MONTHLY),
        charts.compliance_chart(COMPLIANCE),
        charts.downtime_chart(DOWNTIME),
    ]


def test_every_chart_is_well_formed_svg_with_a_title_and_a_cjk_font():
    for svg in all_charts():
        root = parse(svg)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        title = root.find(f"{SVG}title")
        assert title is not None and title.text
        assert root.get("aria-labelledby").startswith(title.get("id"))
        assert "Noto Sans CJK SC" in root.get("font-family")
        assert root.get("viewBox") and root.get("width") and root.get("height")


def test_charts_hold_no_script_no_handlers_and_nothing_external():
    for svg in all_charts():
        lowered = svg.lower()
        assert "<script" not in lowered and " on" not in lowered.replace(" one", "")
        assert "href" not in lowered and "http://" not in lowered.replace(
            'xmlns="http://www.w3.org/2000/svg"', ""
        )


def test_labels_are_escaped():
    months = charts.monthly_tickets_chart(MONTHLY)
    assert "Other &lt;kinds&gt; &amp; co" in months and "<kinds>" not in months
    compliance = charts.compliance_chart(COMPLIANCE)
    assert "解决 &lt;b&gt;" in compliance and "<b>" not in compliance
    texts = [node.text for node in parse(months).iter(f"{SVG}text")]
    assert "Other <kinds> & co" in texts and "一级故障" in texts


def test_the_month_chart_stacks_a_segment_per_level_with_the_month_total_on_top():
    root = parse(charts.monthly_tickets_chart(MONTHLY))
    segments = [rect for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    titles = [rect.find(f"{SVG}title").text for rect in segments]
    assert titles == [
        "2026-07 一级故障: 2",
        "2026-07 Other <kinds> & co: 1",
        "2026-08 二级故障: 1",
        "2026-09 一级故障: 1",
        "2026-09 二级故障: 1",
    ]
    # The axis tops at 5 (3 rounded up): two tickets are 2/5 of the plot height.
    heights = [float(rect.get("height")) for rect in segments]
    assert abs(heights[0] / heights[1] - 2) < 0.01
    texts = [node.text for node in root.iter(f"{SVG}text")]
    assert {"2026-07", "2026-08", "2026-09", "3", "1", "2"} <= set(texts)
    desc = root.find(f"{SVG}desc").text
    assert desc.startswith("2026-07: 3 (一级故障 2, Other <kinds> & co 1)")


def test_the_compliance_chart_draws_each_clock_against_the_100_percent_line():
    root = parse(charts.compliance_chart(COMPLIANCE))
    texts = [node.text for node in root.iter(f"{SVG}text")]
    assert "57.1 % (4/7)" in texts and "80 % (4/5)" in texts
    assert "nothing was due" in texts  # resolve: only a pending clock
    lines = list(root.iter(f"{SVG}line"))
    assert len(lines) == 1 and lines[0].get("stroke-dasharray")
    track = next(rect for rect in root.iter(f"{SVG}rect"))
    full_x = float(track.get("x")) + float(track.get("width"))
    assert float(lines[0].get("x1")) == full_x  # the line marks 100 %


def test_the_downtime_chart_marks_the_allowance_and_says_when_there_is_none():
    root = parse(charts.downtime_chart(DOWNTIME))
    texts = [node.text for node in root.iter(f"{SVG}text")]
    assert "3 h" in texts and "2.02 h" in texts  # whole hours without ".00"
    none = parse(
        charts.downtime_chart(
            DowntimeFigure(Decimal("0.00"), allowed_hours=None, yearly_allowed_hours=None)
        )
    )
    assert "No availability target." in [node.text for node in none.iter(f"{SVG}text")]


def test_an_empty_month_chart_says_so():
    empty = MonthlyTickets(levels=(), labels=(), months=(MonthRow(dt.date(2026, 7, 1), ()),))
    root = parse(charts.monthly_tickets_chart(empty))
    assert "No tickets in this period." in [node.text for node in root.iter(f"{SVG}text")]


def test_the_charts_render_inside_a_weasyprint_pdf_with_their_chinese_labels():
    import io

    from pypdf import PdfReader
    from weasyprint import HTML

    html = "<html><body>" + "".join(all_charts()) + "</body></html>"
    pdf = PdfReader(io.BytesIO(HTML(string=html).write_pdf()))
    text = "".join(page.extract_text() for page in pdf.pages)
    for label in ("一级故障", "响应", "57.1 % (4/7)", "3 h", "2026-07"):
        assert label in text
