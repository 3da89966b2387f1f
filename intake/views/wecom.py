"""The WeCom app's callback URL: thin, the rules live in intake.wecom."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from intake import wecom
from notifications.models import WeComApp

logger = logging.getLogger(__name__)


@csrf_exempt  # WeCom signs its callbacks (msg_signature); it has no cookie to send
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest, app_id: int) -> HttpResponse:
    app = WeComApp.objects.active().filter(pk=app_id).first()
    if app is None:
        return HttpResponse("unknown app", status=404, content_type="text/plain")
    try:
        query = wecom.SignedQuery.from_params(request.GET)
        if request.method == "GET":
            echo = wecom.verify_url(app, query, request.GET.get("echostr", ""))
            return HttpResponse(echo, content_type="text/plain; charset=utf-8")
        reply = wecom.receive(app, query, request.body)
    except wecom.CallbackRefused as refused:
        logger.warning("WeCom app %s: callback refused: %s", app.pk, refused.reason)
        return HttpResponse("refused", status=refused.status, content_type="text/plain")
    # An empty answer tells WeCom the message arrived and there is nothing to reply.
    return HttpResponse(reply, content_type="application/xml; charset=utf-8")
