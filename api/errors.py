"""Every API error as `{"code": …, "message": …, "fields": {…}}` in the caller's language.

`code` is for machines and never changes; `message` is for people (Accept-Language picks
Chinese or English); `fields` maps each bad input field to its messages (400 only).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tickets.errors import TicketConflict, TicketError

logger = logging.getLogger(__name__)


class ApiConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class UnprocessableRequest(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    body = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = fields
    return body


def exception_handler(exc, context):
    if isinstance(exc, TicketError):
        code = "conflict" if isinstance(exc, TicketConflict) else exc.code
        return Response(
            error_body(code, str(exc), {exc.field: [str(exc)]} if exc.field else None),
            status=exc.status,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django logs it and answers 500
    response.data = _body_for(exc)
    return response


def _body_for(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {name: _messages(value) for name, value in detail.items()}
            general = fields.pop("non_field_errors", None)
            message = general[0] if general else _("Please correct the fields marked below.")
            return error_body("invalid", message, fields or None)
        messages = _messages(detail)
        return error_body("invalid", messages[0] if messages else _("The request is not valid."))
    if isinstance(exc, exceptions.NotFound) and str(exc.detail) == str(exc.default_detail):
        return error_body("not_found", _("Not found, or not yours to see."))
    code = exc.get_codes()
    code = code if isinstance(code, str) else exc.default_code
    return error_body(code, exc.detail if isinstance(exc.detail, str) else exc.default_detail)


def _messages(value) -> list[str]:
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, item in value.items() for message in _messages(item)]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    return [str(value)]
