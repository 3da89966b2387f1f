"""Rendering a PDF from a template with WeasyPrint: the one way OpsDesk makes PDFs.

Everything the PDF needs (stylesheets, the CJK font through fontconfig) is on this machine:
hospital intranets have no internet, so the URL fetcher refuses anything that is not a
local file, and a template that names a remote resource fails loudly in tests instead of
hanging in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

STATIC_ROOT_FOR_PDF = Path(settings.BASE_DIR) / "static"


def _local_files_only():
    from weasyprint.urls import URLFetcher

    # fail_on_errors: a missing stylesheet stops the render instead of a plain-looking PDF.
    return URLFetcher(allowed_protocols={"file", "data"}, fail_on_errors=True)


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int

    @property
    def sha256(self) -> str:
        return sha256(self.content).hexdigest()


def render_pdf(template_name: str, context: dict, *, language: str | None = None) -> RenderedPdf:
    """The template rendered as a PDF, in `language` (the portal's first one by default)."""
    from weasyprint import HTML

    with translation.override(language or settings.LANGUAGE_CODE):
        html = render_to_string(template_name, context)
        document = HTML(
            string=html, base_url=str(STATIC_ROOT_FOR_PDF) + "/", url_fetcher=_local_files_only()
        ).render()
        return RenderedPdf(content=document.write_pdf(), pages=len(document.pages))
