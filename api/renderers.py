from __future__ import annotations

import json

from rest_framework.renderers import BaseRenderer


class DownloadRenderer(BaseRenderer):
    """Lets a client that asks for application/octet-stream reach a download view; the file
    itself is a FileResponse, so this renders only error bodies (as JSON text)."""

    media_type = "application/octet-stream"
    format = "bin"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class PdfRenderer(DownloadRenderer):
    """Lets a client that asks for application/pdf reach a report's download."""

    media_type = "application/pdf"
    format = "pdf"
