"""Rendering a PDF from a template with WeasyPrint: the one way OpsDesk makes PDFs.

Everything the PDF needs (stylesheets, the CJK font through fontconfig) is on this machine:
hospital intranets have no internet, so the URL fetcher refuses anything that is not a
local file, and a template that names a remote resource fails loudly in tests instead of
hanging in production. Of local files it reads only OpsDesk's own static stylesheets, fonts
and images (and `data:` URLs): a report quotes texts people typed, and a `file:` URL that
slipped into one must not put the server's files into a PDF.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

STATIC_ROOT_FOR_PDF = Path(settings.BASE_DIR) / "static"


# What a PDF may load from the static folder.
STATIC_SUFFIXES = frozenset(
    {".css", ".woff", ".woff2", ".ttf", ".otf", ".png", ".jpg", ".jpeg", ".gif", ".svg"}
)


def is_own_static_file(url: str) -> bool:
    """A file: URL naming a stylesheet, font or image inside OpsDesk's static folder (after
    resolving `..` and symbolic links)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return False
    path = Path(url2pathname(parts.path)).resolve()
    return (
        path.suffix.lower() in STATIC_SUFFIXES
        and path.is_relative_to(STATIC_ROOT_FOR_PDF.resolve())
        and path.is_file()
    )


def pdf_url_fetcher():
    """The one URL fetcher of every PDF OpsDesk renders: data: URLs and own static files."""
    from weasyprint.urls import URLFetcher

    class OwnStaticFilesFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not (url.lower().startswith("data:") or is_own_static_file(url)):
                raise ValueError(f"PDFs load only OpsDesk's own static files, not {url[:200]}")
            return super().fetch(url, headers)

    # fail_on_errors: a missing stylesheet stops the render instead of a plain-looking PDF.
    return OwnStaticFilesFetcher(allowed_protocols={"file", "data"}, fail_on_errors=True)


def css_string(text: str) -> str:
    """`text` as a quoted CSS string, safe inside a <style> element: quotes, backslashes,
    markup characters and line breaks escaped as code points."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in "\"\\<>&'" or ord(char) < 32 else char for char in text
    )
    return f'"{escaped}"'


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int

    @property
    def sha256(self) -> str:
        return sha256(self.content).hexdigest()


def render_pdf(
    template_name: str, context: dict, *, language: str | None = None, extra_css: str = ""
) -> RenderedPdf:
    """The template rendered as a PDF, in `language` (the portal's first one by default);
    `extra_css` comes after the template's own styles."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return render_html(render_to_string(template_name, context), extra_css=extra_css)


def render_html(html: str, *, extra_css: str = "") -> RenderedPdf:
    from weasyprint import CSS

    with cyclic_collection_paused():
        document = _report_html_class()(
            string=html, base_url=str(STATIC_ROOT_FOR_PDF) + "/", url_fetcher=pdf_url_fetcher()
        ).render(stylesheets=[CSS(string=extra_css)] if extra_css else None)
        return RenderedPdf(content=document.write_pdf(), pages=len(document.pages))


@contextmanager
def cyclic_collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while WeasyPrint lays out and draws a document:
    the hundreds of thousands of boxes, styles and text runs it makes live until the document
    is drawn, and each collection walks all of them again (a tenth of a bound book part's
    CPU time). They are freed as the document is, by reference counting; what is left in
    cycles (about 5 MB after a part of the bound book) waits for the next collection."""
    if not gc.isenabled():  # a caller has it off already: theirs to turn back on
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# Rules of WeasyPrint's user-agent stylesheet that style a pseudo-element of *every* element:
# WeasyPrint computes each one's style for each element of the document (six styles an
# element besides its own: a sixth of a bound book part's CPU time), though a marker is drawn
# only for a list item and the note and footnote pseudo-elements only for a `float: footnote`
# or note element, which OpsDesk's stylesheets never make (tests.reports.test_pdf_warm_up).
UA_RULES_NARROWED = {
    "::marker {": "li::marker {",  # li is the only list item in HTML's stylesheet and ours
    "::footnote-call {": None,
    "::footnote-marker {": None,
    "::note-call {": None,
    "::note-marker {": None,
    "::note-callback {": None,
}


def lean_ua_stylesheet_text(ua: str) -> str | None:
    """WeasyPrint's user-agent stylesheet `ua` with UA_RULES_NARROWED narrowed or dropped;
    None if one of them is not there as expected (another WeasyPrint: keep its own)."""
    lines = ua.splitlines(keepends=True)
    for start, replacement in UA_RULES_NARROWED.items():
        found = [index for index, line in enumerate(lines) if line.startswith(start)]
        if len(found) != 1 or not lines[found[0]].rstrip().endswith("}"):
            return None  # not the one-line rule this was written for
        index = found[0]
        lines[index] = "" if replacement is None else replacement + lines[index][len(start) :]
    return "".join(lines)


@functools.cache
def _report_html_class():
    """WeasyPrint's HTML, with its user-agent stylesheet lean (lean_ua_stylesheet_text) when
    this WeasyPrint's is the one it was written for: the same pages, less work an element."""
    from weasyprint import CSS, HTML
    from weasyprint import html as weasyprint_html
    from weasyprint.css.counters import CounterStyle

    text = lean_ua_stylesheet_text(getattr(weasyprint_html, "UA", ""))
    if text is None or not hasattr(HTML, "_ua_stylesheets"):
        return HTML
    # Its counter styles are the same as the full sheet's, which WeasyPrint registered already
    # in the counter styles every document starts from: a scratch registry here.
    lean = CSS(string=text, counter_style=CounterStyle())
    full = weasyprint_html.UA_STYLESHEET

    class ReportHTML(HTML):
        def _ua_stylesheets(self, *args, **kwargs):
            return [
                lean if sheet is full else sheet
                for sheet in super()._ua_stylesheets(*args, **kwargs)
            ]

    return ReportHTML


WARM_UP_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="css/pdf.css"><link rel="stylesheet" href="css/service_report.css">
</head><body><h1>服务报告</h1><table class="grid"><tr><th>工单</th><td>1</td></tr></table>
<p><b>维保</b> report</p></body></html>"""


def warm_up() -> None:
    """Import WeasyPrint and make one small PDF with the reports' fonts and stylesheets, so
    that a worker's first report does not pay for them (about 0.6 CPU seconds: the imports,
    fontconfig's setup, the CJK font's first load). Called as a worker process starts."""
    render_html(WARM_UP_HTML)


def _used_glyphs(cid_font) -> set[int]:
    """The glyphs a CID font of WeasyPrint's draws: those its widths (/W) list, as
    `first [w w …]` runs (WeasyPrint keeps the font's own glyph ids: CIDToGIDMap Identity)."""
    used: set[int] = set()
    widths = list(cid_font.get("/W", ()))
    for first, run in zip(widths[::2], widths[1::2], strict=False):
        used.update(range(int(first), int(first) + len(run.get_object())))
    return used


def embed_fonts_once(writer) -> int:
    """One embedded subset per font in a PDF joined from several WeasyPrint documents, each
    of which embedded its own subset of the same font (the joined annual report held its CJK
    fonts twenty times over: two thirds of the file). The subsets are replaced with one
    subset of the glyphs all of them use, made from the font as WeasyPrint made each; a font
    this process cannot find as WeasyPrint's, or with glyphs missing, keeps its subsets.
    Returns how many subsets were dropped."""
    import copy

    from pypdf.generic import NameObject, NullObject, NumberObject, StreamObject
    from weasyprint import HTML

    probe = HTML(
        string=WARM_UP_HTML, base_url=str(STATIC_ROOT_FOR_PDF) + "/", url_fetcher=pdf_url_fetcher()
    ).render()
    probe.write_pdf()  # WeasyPrint loads the fonts a document draws with as it draws it
    fonts = {font.hash: font for font in probe.fonts.values()}
    groups: dict[str, list] = {}  # font hash → [(descriptor, file key, glyphs)]
    for obj in writer._objects:  # every object of the joined PDF
        if not hasattr(obj, "get") or obj.get("/Type") != "/Font":
            continue
        if obj.get("/Subtype") != "/Type0" or obj.get("/Encoding") != "/Identity-H":
            continue  # WeasyPrint's own encoding: glyphs were missing from the font
        cid_font = obj["/DescendantFonts"][0].get_object()
        descriptor = cid_font["/FontDescriptor"].get_object()
        key = "/FontFile3" if "/FontFile3" in descriptor else "/FontFile2"
        font_hash = str(descriptor.get("/FontName", "")).lstrip("/").split("+")[0]
        if font_hash in fonts and key in descriptor:
            groups.setdefault(font_hash, []).append((descriptor, key, _used_glyphs(cid_font)))
    dropped = 0
    for font_hash, uses in groups.items():
        files = {descriptor.raw_get(key).idnum for descriptor, key, _ in uses}
        if len(files) < 2:
            continue
        font = copy.copy(fonts[font_hash])
        font.clean({glyph: "" for _, _, glyphs in uses for glyph in glyphs}, hinting=False)
        key = uses[0][1]
        if key != ("/FontFile3" if font.type == "otf" else "/FontFile2"):
            continue
        stream = StreamObject()
        stream.set_data(font.file_content)
        if font.type == "otf":
            stream[NameObject("/Subtype")] = NameObject("/OpenType")
        else:
            stream[NameObject("/Length1")] = NumberObject(len(font.file_content))
        stream = stream.flate_encode()
        reference = writer._add_object(stream)
        for descriptor, key, _ in uses:
            descriptor[NameObject(key)] = reference
        for idnum in files:  # the subsets no page uses any more
            writer._objects[idnum - 1] = NullObject()
        dropped += len(files) - 1
    return dropped
