"""A signed-in request's person, as the sign-in backend reads them from the session."""

from __future__ import annotations

import pytest

from accounts.backends import LockoutModelBackend
from contracts.models import Membership, Role
from contracts.selectors import memberships_of
from tests.factories import demo_user

pytestmark = pytest.mark.django_db


def test_a_signed_in_persons_roles_come_with_them_in_one_query(demo, django_assert_num_queries):
    """Nearly every page asks what the person is where (the navigation, the lists' scope):
    the answer is read with the person, as an API token reads its person's."""
    person = demo_user("yn-it")
    hospital = person.memberships.get().organization
    Membership.objects.create(user=person, organization=hospital, role=Role.REPORTER)

    with django_assert_num_queries(1):
        user = LockoutModelBackend().get_user(str(person.pk))
        held = memberships_of(user)

    assert user == person
    assert sorted(held) == sorted(person.memberships.values_list("organization_id", "role"))


def test_a_person_without_a_membership_holds_no_role(demo, django_assert_num_queries):
    person = demo_user("yn-it")
    person.memberships.all().delete()

    with django_assert_num_queries(1):
        assert memberships_of(LockoutModelBackend().get_user(person.pk)) == ()


def test_a_deactivated_or_unknown_person_is_signed_out(demo):
    person = demo_user("yn-it")
    person.is_active = False
    person.save(update_fields=["is_active"])

    assert LockoutModelBackend().get_user(person.pk) is None
    assert LockoutModelBackend().get_user(10**9) is None
