from tickets.models.clocks import Extension, Pause, PauseReason, TicketClock, next_deadline
from tickets.models.tickets import (
    DESK_CHANNELS,
    FINISHED_STATES,
    OPEN_STATES,
    WORKING_STATES,
    Channel,
    ResolutionCause,
    Satisfaction,
    State,
    Ticket,
    TicketSequence,
)
from tickets.models.timeline import Attachment, Event, Outage, Worklog, WorkMode

__all__ = [
    "DESK_CHANNELS",
    "FINISHED_STATES",
    "OPEN_STATES",
    "WORKING_STATES",
    "Attachment",
    "Channel",
    "Event",
    "Extension",
    "Outage",
    "Pause",
    "PauseReason",
    "ResolutionCause",
    "Satisfaction",
    "State",
    "Ticket",
    "TicketClock",
    "TicketSequence",
    "WorkMode",
    "Worklog",
    "next_deadline",
]
