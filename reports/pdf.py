"""Rendering a PDF from a template with WeasyPrint: the one way OpsDesk makes PDFs.

Everything the PDF needs (stylesheets, the CJK font through fontconfig) is on this machine:
hospital intranets have no internet, so the URL fetcher refuses anything that is not a
local file, and a template that names a remote resource fails loudly in tests instead of
hanging in production. Of local files it reads only OpsDesk's own static stylesheets, fonts
and images (and `data:` URLs): a report quotes texts people typed, and a `file:` URL that
slipped into one must not put the server's files into a PDF.
"""

from __future__ import annotations

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
    from weasyprint import CSS, HTML

    document = HTML(
        string=html, base_url=str(STATIC_ROOT_FOR_PDF) + "/", url_fetcher=pdf_url_fetcher()
    ).render(stylesheets=[CSS(string=extra_css)] if extra_css else None)
    return RenderedPdf(content=document.write_pdf(), pages=len(document.pages))


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
