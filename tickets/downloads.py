"""Serving an attachment: always as a download, never rendered by the browser.

HTML or SVG a hospital user uploaded must never run in another user's session, so the
type is forced to application/octet-stream and sniffing is off.
"""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from tickets.errors import TicketError
from tickets.models import Attachment


def attachment_response(attachment: Attachment) -> FileResponse:
    """The file as a download; TicketError "file_missing" when storage lost it."""
    try:
        content = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise TicketError(
            "file_missing",
            _("The file is missing from storage; ask the uploader to attach it again."),
        ) from exc
    response = FileResponse(
        content,
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
