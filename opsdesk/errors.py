"""Site-wide error answers: JSON under /api/, the usual pages elsewhere.

Requests that match no URL never reach a DRF view, so a hospital system calling a wrong
address would otherwise get an HTML page it cannot parse.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse(
            {"code": "not_found", "message": _("Not found, or not yours to see.")}, status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            {
                "code": "server_error",
                "message": _("Something went wrong on our side; it has been logged. Try again."),
            },
            status=500,
        )
    return defaults.server_error(request)


def bad_request(request, message: str, fields: list[str] = ()):
    """400 for input no view should see: the API's error body (naming the bad `fields`), or
    a page saying why."""
    if _is_api(request):
        body = {"code": "invalid", "message": str(message)}
        if fields:
            body["fields"] = {name: [str(message)] for name in fields}
        return JsonResponse(body, status=400)
    return render(request, "400.html", {"message": message}, status=400)
