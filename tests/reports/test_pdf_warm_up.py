"""A Celery worker process loads the PDF renderer when it starts, not in its first report;
and a text printed into a stylesheet (the bound book's footer) cannot end the stylesheet."""

from __future__ import annotations

import logging

from celery.signals import worker_process_init

from reports import rendering
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
