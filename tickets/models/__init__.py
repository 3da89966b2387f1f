from tickets.models.clocks import Extension, Pause, PauseReason, TicketClock, next_deadline
from tickets.models.tickets import (
    DESCRIPTION_LIMIT,
    FINISHED_STATES,
    NOTE_LIMIT,
    OPEN_STATES,
    TITLE_LIMIT,
    WORKING_STATES,
    Satisfaction,
    State,
    Ticket,
    TicketSequence,
)
from tickets.models.timeline import Attachment, Event, Outage, Worklog, WorkMode

__all__ = [
    "DESCRIPTION_LIMIT",
    "FINISHED_STATES",
    "NOTE_LIMIT",
    "OPEN_STATES",
    "TITLE_LIMIT",
    "WORKING_STATES",
    "Attachment",
    "Event",
    "Extension",
    "Outage",
    "Pause",
    "PauseReason",
    "Satisfaction",
    "State",
    "Ticket",
    "TicketClock",
    "TicketSequence",
    "WorkMode",
    "Worklog",
    "next_deadline",
]
