"""The search box on a benchmark population (`bench.measure --cases search`).

The population's titles are ten phrases (a word in a tenth of the tickets: the common case);
its descriptions and resolution notes are composed from wards, symptoms and numbers, so no
two are alike, but none holds the rare phrase. So, besides a common word and a number typed
in lower case, a rare phrase is planted in 20 descriptions and 20 comments of
the busiest vendor's tickets inside a transaction that is rolled back: the database is the
same after a run as before it. Target: p95 ≤ 50 ms at 1 000 000 tickets.
"""

from __future__ import annotations

from bench.measure import Page, queries_of, timed

RARE = "医保结算接口超时"
COMMON = "打印发票"  # in one title of ten (bench.population.TITLES)
ABSENT = "不存在的故障描述"
PLANTED = 20


class Jump(Page):
    """A number in lower case: answered with a redirect to the ticket."""

    def __call__(self):
        response = self.client.get(self.url)
        if response.status_code != 302:
            raise RuntimeError(f"{self.url} answered {response.status_code}, not a redirect")
        return response


def _case(page, runs: int) -> dict:
    return {**timed(page, runs), "queries": queries_of(page), "url": page.url}


def _plant(user) -> None:
    """The rare phrase in 20 descriptions and 20 comments of tickets the user may see."""
    from django.db.models import F, Value
    from django.db.models.functions import Concat
    from django.utils import timezone

    from tickets.models import Event, Ticket

    visible = Ticket.objects.visible_to(user).order_by("-id").values_list("pk", flat=True)
    ids = list(visible[: PLANTED * 50 : 50]) + list(visible[25 : PLANTED * 50 : 50])
    described, commented = ids[:PLANTED], ids[PLANTED:]
    Ticket.objects.filter(pk__in=described).update(
        description=Concat(F("description"), Value(f"\n{RARE}，窗口排队。"))
    )
    Event.objects.bulk_create(
        Event(
            ticket_id=pk,
            action="tickets.ticket.commented",
            actor=user,
            at=timezone.now(),
            note=f"厂商反馈：{RARE}，已在排查。",
        )
        for pk in commented
    )


def _plan(user) -> list[str]:
    """EXPLAIN of the query that finds the rare phrase's newest matches, as search runs it:
    which indexes it reads."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _hits(user, RARE)
    sql = next(query["sql"] for query in captured.captured_queries if "search_rank" in query["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return [line for (line,) in cursor.fetchall()]


def search_cases(user, runs: int) -> dict:
    from django.db import transaction

    from tickets.models import Ticket

    number = Ticket.objects.visible_to(user).order_by("-id").values_list("number", flat=True)[500]
    cases = {
        "jump": _case(Jump(user, f"/search/?q={number.lower()}"), runs),
        "common": _case(Page(user, f"/search/?q={COMMON}"), runs),
        "absent": _case(Page(user, f"/search/?q={ABSENT}"), runs),
    }
    with transaction.atomic():
        _plant(user)
        cases["rare"] = _case(Page(user, f"/search/?q={RARE}"), runs)
        cases["rare_api"] = _case(Page(user, f"/api/v1/tickets/search/?q={RARE}"), runs)
        # Each planted ticket is found: 20 by their description, 20 by a comment.
        cases["rare"]["found"] = len(_hits(user, RARE))
        cases["rare"]["plan"] = _plan(user)
        transaction.set_rollback(True)
    return cases


def _hits(user, text: str) -> list:
    from tickets import search
    from tickets.models import Ticket

    tickets = Ticket.objects.visible_to(user)
    return search.search(tickets, search.visible_comments(tickets, user), text).hits
