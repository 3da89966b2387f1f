"""A form sent without its CSRF token is refused with a page in the user's language, in the
portal's layout, with no inline style (the CSP forbids it)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_form_without_its_token_is_refused_with_a_page_that_says_what_to_do(demo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="yn-reporter"))
    response = client.post("/tickets/new/", {"title": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "表单已失效" in body
    assert "style=" not in body and "<style" not in body
