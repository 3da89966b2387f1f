"""A Celery worker process loads the PDF renderer when it starts, not in its first report;
and a text printed into a stylesheet (the bound book's footer) cannot end the stylesheet."""

from __future__ import annotations

import logging

from celery.signals import worker_process_init

# reports.tasks connects the worker's warm-up; run alone, nothing else would import it.
from reports import rendering, tasks  # noqa: F401
from reports.pdf import css_string


def test_a_worker_process_warms_up_the_pdf_renderer_when_it_starts(monkeypatch):
    calls = []
    monkeypatch.setattr(rendering, "warm_up", lambda: calls.append("warmed"))
    worker_process_init.send(sender=None)
    assert calls == ["warmed"]


def test_a_failed_warm_up_is_logged_and_the_worker_still_starts(monkeypatch, caplog):
    def broken():
        raise OSError("no fonts")

    monkeypatch.setattr(rendering, "warm_up", broken)
    with caplog.at_level(logging.ERROR, logger="reports.tasks"):
        worker_process_init.send(sender=None)
    assert "Could not warm up PDF rendering" in caplog.text


def test_the_warm_up_renders_with_the_reports_fonts_and_stylesheets():
    rendering.warm_up()  # raises if a stylesheet or the renderer is missing


def test_a_css_string_escapes_what_could_end_it_or_the_style_element():
    quoted = css_string('医院 "A" \\ </style><script>&\n')
    assert quoted.startswith('"') and quoted.endswith('"')
    inner = quoted[1:-1]
    for character in ('"', "<", ">", "&", "\n"):
        assert character not in inner
    assert inner.count("\\") == 9  # each escaped character starts with one backslash
    assert "医院" in inner


def test_pdfs_are_laid_out_with_a_lean_user_agent_stylesheet_that_keeps_list_markers():
    """WeasyPrint's stylesheet styles six pseudo-elements of every element; OpsDesk's PDFs
    narrow the list marker's rule to list items and drop the notes' and footnotes' (this
    WeasyPrint's sheet is the one the narrowing was written for)."""
    import io

    from pypdf import PdfReader
    from weasyprint import HTML
    from weasyprint import html as weasyprint_html

    from reports.pdf import _report_html_class, lean_ua_stylesheet_text, render_html

    lean = lean_ua_stylesheet_text(weasyprint_html.UA)
    assert lean is not None and _report_html_class() is not HTML
    assert "\nli::marker {" in lean and "\n::marker" not in lean
    assert "::footnote-call" not in lean and "::note-call" not in lean
    assert lean_ua_stylesheet_text("p { margin: 0 }") is None  # another sheet: kept whole
    pdf = render_html('<ul><li>一</li></ul><ol><li>二</li></ol><p style="color: red">三</p>')
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "•" in text and "1." in text and "三" in text


def test_no_stylesheet_of_a_pdf_makes_a_footnote_or_a_note():
    """The lean user-agent stylesheet has no rules for their calls and markers."""
    import re
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    files = [*(root / "static" / "css").glob("*.css"), *(root / "templates").rglob("*.html")]
    assert files
    for path in files:
        assert not re.search(r"float\s*:\s*(footnote|note)", path.read_text()), path
