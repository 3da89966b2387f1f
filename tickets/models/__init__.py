from tickets.models.agreements import (
    RECORDED_AGREEMENT_CHANNELS,
    AgreementChannel,
    Appointment,
    ChangeWindow,
    Side,
)
from tickets.models.clocks import Extension, Pause, PauseReason, TicketClock, next_deadline
from tickets.models.consent import (
    RECORDED_CHANNELS,
    ConsentChannel,
    ConsentKind,
    ConsentRequest,
    ConsentState,
)
from tickets.models.quota import QuotaWarning
from tickets.models.saved_views import ListPage, SavedView
from tickets.models.tickets import (
    DESCRIPTION_LIMIT,
    DESK_CHANNELS,
    FINISHED_STATES,
    NOTE_LIMIT,
    OPEN_STATES,
    TITLE_LIMIT,
    WORKING_STATES,
    Channel,
    ResolutionCause,
    Satisfaction,
    State,
    Ticket,
    TicketSequence,
)
from tickets.models.timeline import Attachment, Event, Outage, Worklog, WorkMode
from tickets.models.watching import Watch

__all__ = [
    "DESCRIPTION_LIMIT",
    "DESK_CHANNELS",
    "FINISHED_STATES",
    "NOTE_LIMIT",
    "OPEN_STATES",
    "RECORDED_AGREEMENT_CHANNELS",
    "RECORDED_CHANNELS",
    "TITLE_LIMIT",
    "WORKING_STATES",
    "AgreementChannel",
    "Appointment",
    "Attachment",
    "ChangeWindow",
    "Channel",
    "ConsentChannel",
    "ConsentKind",
    "ConsentRequest",
    "ConsentState",
    "Event",
    "Extension",
    "ListPage",
    "Outage",
    "Pause",
    "PauseReason",
    "QuotaWarning",
    "ResolutionCause",
    "Satisfaction",
    "SavedView",
    "Side",
    "State",
    "Ticket",
    "TicketClock",
    "TicketSequence",
    "Watch",
    "WorkMode",
    "Worklog",
    "next_deadline",
]
