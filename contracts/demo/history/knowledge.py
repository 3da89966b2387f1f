"""Knowledge articles drafted from resolved tickets worth keeping (C2's 热线电话服务知识树),
most of them published by the vendor's manager."""

from __future__ import annotations

import datetime as dt

from knowledge.services import DRAFTABLE_STATES

from . import adapters as do
from .timeline import Later, World


def write_articles(w: World) -> None:
    rng, p = w.rng, w.profile
    for ticket in w.solved.values():
        ticket.refresh_from_db()
        if ticket.state not in DRAFTABLE_STATES:
            continue
        try:
            at = w.step(ticket.resolved_at + dt.timedelta(hours=rng.uniform(20, 50)))
            article = do._draft_article(at, ticket, w.pick(p.engineers))
            if rng.random() < 0.85:
                at = w.step(at + dt.timedelta(hours=rng.uniform(4, 30)))
                do._publish_article(at, article, w.person(p.manager))
        except Later:
            continue
