"""Schemathesis generates requests from the published OpenAPI schema and checks that no
answer is a server error or breaks the schema (status codes, content types, bodies)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import file_level1, token_client

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _published_schema() -> dict:
    """The document /api/v1/schema/ serves, built without a request."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(_published_schema())
schema.app = get_wsgi_application()


@pytest.fixture
def tickets_to_find(demo, frozen):
    # Generated ids hit these now and then, not only 404s.
    file_level1(token_client("yn-reporter"))
    file_level1(token_client("yn-reporter"), level=3)
    # Django's WSGI handler closes the database connection after each request, which inside
    # a test transaction ends the test's connection; Django's test client (used above, and it
    # reconnects the handler after each request) avoids the same.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def authorizations(tickets_to_find) -> dict[str, str]:
    """Each caller's token, issued once for the test rather than once per generated case
    (a quarter of the test's time went on issuing them); its rate limit out of reach of the
    test's own hundred-odd requests."""
    return {
        username: token_client(username, rate_limit_per_minute=1_000_000)._credentials[
            "HTTP_AUTHORIZATION"
        ]
        for username in ("yn-it", "ny-engineer")
    }


@pytest.mark.slow
# A written DNS: webhooks registered by generated requests are checked without the network.
@pytest.mark.usefixtures("tickets_to_find", "dns")
@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_the_schema_allows_gets_a_server_error_or_an_undocumented_answer(
    case, authorizations
):
    for authorization in authorizations.values():
        case.call_and_validate(headers={"Authorization": authorization}, checks=CHECKS)
