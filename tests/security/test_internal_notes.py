"""Internal notes (内部备注) never reach a hospital role.

tests/security/conftest.py gives every tenant's ticket an internal note and an internal file
whose text and name carry one marker (厂商内部备注YN仅限厂商 …). Every route of the portal, the
API and the admin is read by each hospital-side caller on their OWN records (the ticket, its
attachments, the lists and exports with every filter) and no answer may contain the marker;
nor may any notification to a hospital person or group channel, any webhook delivery to the
hospital, or any audit entry the hospital's administrator reads. A new route or payload that
shows the note fails here the day it is added, as the isolation matrix does for tenants.

Controls: the vendor's staff read the note on the ticket page and in the API, so the
detector sees what it looks for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from django.test import Client

from accounts.models import User
from notifications.models import Notification
from tests.security.conftest import World, found_in, internal_marker
from tests.security.test_isolation_matrix import (  # noqa: F401 (fixtures)
    CALLERS,
    Asking,
    Caller,
    Route,
    all_routes,
    allowed,
    ask,
    asking,
    list_queries,
    object_kinds,
    urls_for,
    world,
)
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

HOSPITAL_CALLERS = [caller for caller in CALLERS if caller.side == "hospital"]


def own_urls(route: Route, ready: Asking) -> list[tuple[str, str]]:
    """The route's URLs naming the caller's own records (as the matrix names the other
    party's): the ticket with the internal note, its files (the internal one too)."""
    mine = dataclasses.replace(ready, foreign=ready.own)
    urls = [(label.replace("theirs", "mine"), url) for label, url in urls_for(route, mine)]
    if object_kinds(route) and "attachment" in object_kinds(route).values():
        internal_file = ready.own.extra["internal_file"]
        public = ready.own.attachment
        urls += [
            ("mine, the internal file", url.replace(f"/{public.pk}/", f"/{internal_file.pk}/"))
            for _label, url in urls
        ]
    return urls


def _readable_routes(caller: Caller) -> Iterator[Route]:
    for route in sorted(all_routes(), key=lambda r: r.pattern):
        if allowed(route) is not None or "GET" not in route.methods:
            continue
        if route.area == "admin" and caller.username not in ("yn-admin", "yn-it"):
            continue
        if route.area == "page" and caller.is_token:
            continue
        if route.params and object_kinds(route) is None:
            continue  # the matrix's test_every_route_is_attacked_or_explicitly_allowed
        yield route


def _cases():
    for caller in HOSPITAL_CALLERS:
        for route in _readable_routes(caller):
            yield pytest.param(route, caller, id=f"{route.pattern} | {caller.label}")


@pytest.mark.parametrize(("route", "caller"), list(_cases()))
def test_no_route_shows_a_hospital_role_the_vendors_internal_notes(world, asking, route, caller):  # noqa: F811
    ready = dataclasses.replace(
        asking[caller.label], forbidden=[internal_marker(asking[caller.label].own.code)]
    )
    if route.params:
        urls = own_urls(route, ready)
    else:
        urls = [
            (query, route.url({}) + (f"?{query}" if query else ""))
            for query in ["", *list_queries(route, ready.own)]
        ]
    leaks = []
    for label, url in urls:
        answer = ask(ready, "GET", url, {}, api=route.area == "api", watch=ready.own)
        if answer.leaked or answer.status >= 500:
            leaks.append(f"GET {url} ({label}): {answer.status} {answer.leaked} {answer.error}")
    assert not leaks, f"INTERNAL NOTE LEAK on {route.pattern} for {caller.label}:\n  " + (
        "\n  ".join(leaks)
    )


def test_no_notification_to_the_hospital_or_a_group_channel_carries_an_internal_note(world):  # noqa: F811
    for tenant in world.tenants.values():
        marker = internal_marker(tenant.code)
        hospital_side = Notification.objects.filter(ticket=tenant.ticket).exclude(
            recipient__memberships__organization=tenant.vendor
        )
        assert hospital_side.exists()
        assert not [
            row.pk for row in hospital_side if found_in(f"{row.subject}\n{row.body}", [marker])
        ]


def test_an_at_mention_in_an_internal_note_reaches_only_the_vendors_staff(world):  # noqa: F811
    tenant = world.tenants["yn-his"]
    note = tenant.extra["internal_note"]
    mentioned = Notification.objects.filter(dedupe_key__startswith=f"event:{note.pk}:mention")
    told = set(mentioned.values_list("recipient__username", flat=True))
    assert told == {"ny-manager"}  # the hospital's reporter named in it is not told


def test_no_webhook_delivery_carries_an_internal_note(world):  # noqa: F811
    for tenant in world.tenants.values():
        marker = internal_marker(tenant.code)
        bodies = Delivery.objects.filter(subscription__contract=tenant.contract)
        assert bodies.exists()
        assert not [d.pk for d in bodies if found_in(d.body, [marker])]


def test_the_audit_trail_keeps_no_internal_text(world):  # noqa: F811
    from django.apps import apps

    if not apps.is_installed("audit"):
        pytest.skip("audit app not installed")
    from audit.models import AuditEntry

    for tenant in world.tenants.values():
        marker = internal_marker(tenant.code)
        entries = AuditEntry.objects.filter(contract=tenant.contract)
        assert not [e.pk for e in entries if found_in(str(e.data), [marker])]


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("ny-engineer", "/tickets/{number}/"),
        ("ny-dispatcher", "/api/v1/tickets/{pk}/"),
        ("ny-manager", "/api/v1/tickets/{pk}/comments/"),
        ("ny-engineer", "/api/v1/tickets/{pk}/attachments/"),
    ],
)
def test_the_vendors_staff_read_their_internal_notes(world: World, username, url):  # noqa: F811
    """Control: the marker is found where it belongs, so an empty search above means the
    note was hidden, not missing."""
    tenant = world.tenants["yn-his"]
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get(url.format(number=tenant.ticket.number, pk=tenant.ticket.pk))
    assert response.status_code == 200
    assert found_in(response.content.decode(), [internal_marker(tenant.code)])


@pytest.mark.parametrize("url", ["/tickets/{number}/", "/api/v1/tickets/{pk}/"])
def test_a_ticket_shown_asks_once_whom_its_reader_works_for(world: World, url, monkeypatch):  # noqa: F811
    """The timeline and the files follow one answer to "which vendors does the reader work
    for" (one query, not one for each), and the vendor's staff still read both the internal
    note and the internal file."""
    from tickets.models import timeline

    asked = []
    real = timeline.vendor_organizations

    def counted(*args, **kwargs):
        asked.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(timeline, "vendor_organizations", counted)
    tenant = world.tenants["yn-his"]
    client = Client()
    client.force_login(User.objects.get(username="ny-engineer"))
    response = client.get(url.format(number=tenant.ticket.number, pk=tenant.ticket.pk))

    assert response.status_code == 200
    assert len(asked) == 1
    text = response.content.decode()
    assert found_in(text, [internal_marker(tenant.code)])
    assert found_in(text, [tenant.extra["internal_file"].original_name])
