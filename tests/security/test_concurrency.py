"""Two people acting on the same record at the same moment: exactly one wins, the other is told
someone changed it first, and the history says only what happened.

Run against PostgreSQL, two threads on two real connections (SQLite has no row locks to
contend for: the suite skips there). A barrier starts both at once, and the first to take the
row lock holds it a moment while the other asks for it, so the two truly overlap inside their
transactions; each test checks that the second one did wait for the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine
from django.db import connection, connections
from django.utils import translation
from rest_framework.test import APIClient

from api.tokens import issue_token
from contracts.models import Contract
from inspections import services as inspections
from inspections.errors import InspectionConflict
from inspections.models import Inspection, InspectionEvent, InspectionResult
from tests.factories import demo_user
from tests.security.conftest import NOW
from tickets import services
from tickets.errors import TicketConflict
from tickets.models import Event, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: two connections contending for a row lock (SQLite has none)",
    ),
]

# How long the first one keeps the row locked while the other asks for it.
HOLD_SECONDS = 0.5


@pytest.fixture(autouse=True)
def _in_service_hours():
    with time_machine.travel(NOW, tick=True):
        yield


@dataclass
class Outcome:
    name: str
    value: object = None
    error: BaseException | None = None
    asked_for_lock: float = 0.0
    got_lock: float = 0.0

    @property
    def won(self) -> bool:
        return self.error is None


class Overlap:
    """Wraps a service module's `_locked`: the thread named `first` takes the row lock and
    holds it HOLD_SECONDS; the other asks for the lock only once it is held."""

    def __init__(self, monkeypatch, module, first: str) -> None:
        self.first = first
        self.held = threading.Event()
        self.outcomes: dict[str, Outcome] = {}
        original = module._locked

        def locked(*args, **kwargs):
            name = threading.current_thread().name
            if name != first:
                assert self.held.wait(10), "the first one never took the lock"
            self.outcomes[name].asked_for_lock = time.monotonic()
            try:
                row = original(*args, **kwargs)
            finally:  # (an inspection's _locked refuses a changed row itself, once locked)
                self.outcomes[name].got_lock = time.monotonic()
            if name == first:
                self.held.set()
                time.sleep(HOLD_SECONDS)
            return row

        monkeypatch.setattr(module, "_locked", locked)

    def race(self, **actions: Callable[[], object]) -> dict[str, Outcome]:
        """Run each action in its own thread (named after its key), all released at once."""
        barrier = threading.Barrier(len(actions))
        self.outcomes = {name: Outcome(name) for name in actions}

        def run(name: str, action: Callable[[], object]) -> None:
            try:
                barrier.wait(10)
                self.outcomes[name].value = action()
            except BaseException as exc:
                self.outcomes[name].error = exc
            finally:
                connections.close_all()  # this thread's own connection

        threads = [
            threading.Thread(target=run, args=(name, action), name=name)
            for name, action in actions.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not any(thread.is_alive() for thread in threads), "a thread hung"
        first = self.outcomes[self.first]
        second = next(o for name, o in self.outcomes.items() if name != self.first)
        # The proof of overlap: the second asked for the row while the first, inside its
        # transaction, held it, and got it only once the first let go.
        assert first.got_lock < second.asked_for_lock < first.got_lock + HOLD_SECONDS, self.outcomes
        assert second.got_lock >= first.got_lock + HOLD_SECONDS, self.outcomes
        return self.outcomes


class BothWon(AssertionError):
    """Both of two conflicting changes went through."""


def one_winner(outcomes: dict[str, Outcome]) -> tuple[Outcome, Outcome]:
    winners = [o for o in outcomes.values() if o.won]
    losers = [o for o in outcomes.values() if not o.won]
    if len(winners) == 2:
        raise BothWon(outcomes)
    assert len(winners) == 1 and len(losers) == 1, outcomes
    return winners[0], losers[0]


def file_ticket(contract: Contract) -> Ticket:
    return services.report_ticket(
        contract=contract,
        system=contract.systems.first(),
        service_class=contract.service_classes.filter(kind="fault").order_by("level").last(),
        title="门诊收费系统无法登录",
        description="门诊收费窗口全部无法登录 HIS。",
        reporter=demo_user("yn-reporter"),
        contact_phone="13726380001",
    )


def timeline(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("at", "id").values_list("action", flat=True))


def assert_timeline_matches(ticket: Ticket) -> None:
    """The last state change the timeline records is the state the ticket is in."""
    ticket.refresh_from_db()
    last = ticket.events.exclude(to_state="").order_by("at", "id").last()
    assert last.to_state == ticket.state, (timeline(ticket), ticket.state)


# --- tickets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("first", ["ny-engineer", "ny-engineer2"])
def test_two_engineers_acknowledging_at_once_one_wins_the_other_hears_of_the_conflict(
    demo, monkeypatch, first
):
    ticket = file_ticket(demo["yn-his"])
    stale_a, stale_b = Ticket.objects.get(pk=ticket.pk), Ticket.objects.get(pk=ticket.pk)
    overlap = Overlap(monkeypatch, services_common(), first)
    outcomes = overlap.race(
        **{
            "ny-engineer": lambda: services.acknowledge(
                ticket=stale_a, by=demo_user("ny-engineer"), note="我来处理"
            ),
            "ny-engineer2": lambda: services.acknowledge(
                ticket=stale_b, by=demo_user("ny-engineer2"), note="我来处理"
            ),
        }
    )
    winner, loser = one_winner(outcomes)
    assert winner.name == first
    assert isinstance(loser.error, TicketConflict), loser.error
    assert loser.error.code == "conflict"
    with translation.override("en"):
        assert "Reload it and try again" in str(loser.error)
    ticket.refresh_from_db()
    assert ticket.state == "acknowledged"
    acknowledged = Event.objects.filter(ticket=ticket, action="tickets.ticket.acknowledge")
    assert acknowledged.count() == 1
    assert acknowledged.get().actor == demo_user(winner.name)
    assert ticket.clocks.filter(name="respond", met_at__isnull=False).count() == 1
    assert_timeline_matches(ticket)


@pytest.mark.parametrize("first", ["resolve", "reassign"])
@pytest.mark.parametrize("working", ["on_site", "dispatched"])
def test_an_engineer_resolving_while_the_dispatcher_reassigns_exactly_one_wins(
    demo, monkeypatch, first, working
):
    """Whichever takes the row first wins; the other was decided on a ticket that no longer
    is, and is refused, whether the ticket was on site or still only dispatched."""
    engineer, dispatcher = demo_user("ny-engineer"), demo_user("ny-dispatcher")
    ticket = file_ticket(demo["yn-his"])
    services.acknowledge(note="已联系院方，承诺处理方案。", ticket=ticket, by=dispatcher)
    services.assign(ticket=ticket, by=dispatcher, engineer=engineer)
    if working == "on_site":
        services.arrive(ticket=ticket, by=engineer)
    before = timeline(ticket)
    stale_a, stale_b = Ticket.objects.get(pk=ticket.pk), Ticket.objects.get(pk=ticket.pk)
    overlap = Overlap(monkeypatch, services_common(), first)
    outcomes = overlap.race(
        resolve=lambda: services.resolve(ticket=stale_a, by=engineer, note="重启收费服务后恢复"),
        reassign=lambda: services.assign(
            ticket=stale_b, by=dispatcher, engineer=demo_user("ny-engineer2"), note="转派赵工"
        ),
    )
    winner, loser = one_winner(outcomes)
    assert winner.name == first
    assert isinstance(loser.error, TicketConflict), loser.error
    ticket.refresh_from_db()
    added = timeline(ticket)[len(before) :]
    if first == "resolve":
        assert (ticket.state, ticket.assignee) == ("resolved", engineer)
        assert added == ["tickets.ticket.resolve"]
    else:
        assert (ticket.state, ticket.assignee) == ("dispatched", demo_user("ny-engineer2"))
        assert added == ["tickets.ticket.assign"]
    assert_timeline_matches(ticket)


def services_common():
    from tickets.services import _common

    return _common


# --- inspections ---------------------------------------------------------------------------------


@pytest.mark.parametrize("first", ["ny-engineer", "ny-engineer2"])
def test_two_engineers_starting_the_same_inspection_one_wins_and_the_checklist_is_copied_once(
    demo, monkeypatch, first
):
    planned = (
        Inspection.objects.filter(contract=demo["zj-einvoice"], state="planned")
        .order_by("due_on")
        .first()
    )
    items = planned.template.items_in_order()
    stale_a, stale_b = Inspection.objects.get(pk=planned.pk), Inspection.objects.get(pk=planned.pk)
    overlap = Overlap(monkeypatch, inspections, first)
    outcomes = overlap.race(
        **{
            "ny-engineer": lambda: inspections.start(
                inspection=stale_a, by=demo_user("ny-engineer"), mode="on_site"
            ),
            "ny-engineer2": lambda: inspections.start(
                inspection=stale_b, by=demo_user("ny-engineer2"), mode="remote"
            ),
        }
    )
    winner, loser = one_winner(outcomes)
    assert winner.name == first
    assert isinstance(loser.error, InspectionConflict), loser.error
    planned.refresh_from_db()
    assert planned.state == "in_progress"
    assert planned.engineer == demo_user(first)
    assert planned.mode == ("on_site" if first == "ny-engineer" else "remote")
    assert InspectionResult.objects.filter(inspection=planned).count() == len(list(items))
    started = InspectionEvent.objects.filter(
        inspection=planned, action="inspections.inspection.started"
    )
    assert [event.actor for event in started] == [demo_user(first)]


# --- the API -------------------------------------------------------------------------------------


def token(username: str) -> APIClient:
    person = demo_user(username)
    _token, raw = issue_token(
        user=person, organization=person.memberships.first().organization, name="race"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}", HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.mark.parametrize("first", ["monitoring", "dispatch-desk"])
def test_two_systems_acknowledging_through_the_api_at_once_get_200_and_409(
    demo, monkeypatch, first
):
    ticket = file_ticket(demo["yn-his"])
    clients = {"monitoring": token("ny-engineer"), "dispatch-desk": token("ny-dispatcher")}
    url = f"/api/v1/tickets/{ticket.pk}/acknowledge/"
    overlap = Overlap(monkeypatch, services_common(), first)
    outcomes = overlap.race(
        **{
            name: (lambda client=client: client.post(url, {"note": "已受理"}, format="json"))
            for name, client in clients.items()
        }
    )
    answers = {name: outcome.value for name, outcome in outcomes.items()}
    assert all(outcome.error is None for outcome in outcomes.values()), outcomes
    second = next(name for name in answers if name != first)
    assert answers[first].status_code == 200, answers[first].content
    assert answers[second].status_code == 409, answers[second].content
    body = answers[second].json()
    assert body["code"] == "conflict"
    assert "Someone else changed this ticket" in body["message"]
    ticket.refresh_from_db()
    assert ticket.state == "acknowledged"
    assert Event.objects.filter(ticket=ticket, action="tickets.ticket.acknowledge").count() == 1
    assert_timeline_matches(ticket)
