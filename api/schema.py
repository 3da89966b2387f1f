"""The OpenAPI description: the token scheme, and the error answers every operation can give."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


def inline_enum(values: list[str], description: str) -> dict:
    """An enum kept inline in the schema: wrapped in allOf, a second "kind" or "state" enum
    does not make drf-spectacular rename the tickets' KindEnum (Kind446Enum) and break the
    clients generated from it."""
    return {"allOf": [{"type": "string", "enum": values}], "description": description}


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine code, e.g. invalid_transition.")
    message = serializers.CharField(help_text="For people, in the Accept-Language language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per input field (400 only).",
    )


ERROR_ANSWERS = {
    "400": "Bad input: see `fields`.",
    "401": "No valid token or session.",
    "403": "The caller's role may not do this.",
    "404": "No such object, or not the caller's to see.",
    "409": "The ticket's state does not allow this, or someone changed it first.",
    "429": "Too many requests for this token; retry after the Retry-After seconds.",
}


class OpsDeskAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_ANSWERS.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
                responses[code]["description"] = description
        if self.method in ("POST", "PATCH", "PUT"):
            responses.setdefault("415", self._get_response_for_code(ErrorSerializer, "415"))
            responses["415"]["description"] = "The body is not JSON (or multipart for uploads)."
        if self.method == "POST":
            responses.setdefault("422", self._get_response_for_code(ErrorSerializer, "422"))
            responses["422"]["description"] = "The Idempotency-Key was used for another request."
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token odk_…`: a token issued to a user or integration account.",
        }
