"""What a PDF may load: OpsDesk's own static stylesheets, fonts and images, and data: URLs;
never another file of the server, nor anything over the network."""

from __future__ import annotations

import pytest

from reports.pdf import STATIC_ROOT_FOR_PDF, pdf_url_fetcher, render_pdf

OWN_STYLESHEET = (STATIC_ROOT_FOR_PDF / "css" / "pdf.css").as_uri()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///etc/hostname",
        f"{STATIC_ROOT_FOR_PDF.as_uri()}/../pyproject.toml",
        f"{STATIC_ROOT_FOR_PDF.as_uri()}/css/%2e%2e/%2e%2e/manage.py",
        "file://intranet-share/reports/a.css",
        "http://127.0.0.1:6379/",
        "https://fonts.googleapis.com/css?family=Noto",
        "ftp://example.org/a.png",
    ],
)
def test_the_pdf_fetcher_refuses_anything_but_own_static_files(url):
    with pytest.raises(ValueError):
        pdf_url_fetcher().fetch(url)


def test_the_pdf_fetcher_reads_own_stylesheets_and_data_urls():
    stylesheet = pdf_url_fetcher().fetch(OWN_STYLESHEET)
    assert b"@page" in stylesheet.read()
    pixel = pdf_url_fetcher().fetch("data:text/plain;base64,b2s=")
    assert pixel.read() == b"ok"


def test_a_report_naming_a_server_file_is_not_rendered(tmp_path, settings):
    """Every renderer goes through the same fetcher: a template naming a file outside the
    static folder stops the render, loudly, rather than putting the file in a PDF."""
    from weasyprint.urls import FatalURLFetchingError

    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG not really")
    (tmp_path / "leak.html").write_text(
        f'<html><body><p>报告</p><img src="{secret.as_uri()}"></body></html>', encoding="utf-8"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    with pytest.raises(FatalURLFetchingError) as refused:
        render_pdf("leak.html", {})
    assert "own static files" in str(refused.value.__cause__)
