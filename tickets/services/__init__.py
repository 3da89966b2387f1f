"""Everything that changes a ticket. Each service guards (role, state), locks the row,
changes state and clocks, appends to the timeline, and queues notifications after commit."""

from tickets.services import consent
from tickets.services._common import ACTION_LABELS
from tickets.services.appointments import (
    confirm_appointment,
    propose_appointment,
    record_appointment_confirmation,
)
from tickets.services.changes import (
    agree_window,
    approve_plan,
    complete_change,
    open_change,
    propose_window,
    reject_plan,
    roll_back,
    submit_plan,
)
from tickets.services.filing import Caller, Filed, file_for_caller, file_ticket, report_ticket
from tickets.services.outages import (
    close_outage,
    correct_outage,
    record_outage,
    withdraw_outage,
)
from tickets.services.records import (
    ATTACHMENT_EXTENSIONS,
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_TOO_LARGE,
    add_comment,
    attach_file,
    change_level,
    check_upload,
    edit_ticket,
    explain_breach,
    extend_clock,
    log_work,
)
from tickets.services.watching import unwatch, watch
from tickets.services.work import (
    acknowledge,
    arrive,
    assign,
    cancel,
    confirm,
    hold,
    reopen,
    resolve,
    resume,
)

__all__ = [
    "ACTION_LABELS",
    "ATTACHMENT_EXTENSIONS",
    "ATTACHMENT_MAX_BYTES",
    "ATTACHMENT_TOO_LARGE",
    "Caller",
    "Filed",
    "acknowledge",
    "add_comment",
    "agree_window",
    "approve_plan",
    "arrive",
    "assign",
    "attach_file",
    "cancel",
    "change_level",
    "check_upload",
    "close_outage",
    "complete_change",
    "confirm",
    "confirm_appointment",
    "consent",
    "correct_outage",
    "edit_ticket",
    "explain_breach",
    "extend_clock",
    "file_for_caller",
    "file_ticket",
    "hold",
    "log_work",
    "open_change",
    "propose_appointment",
    "propose_window",
    "record_appointment_confirmation",
    "record_outage",
    "reject_plan",
    "reopen",
    "report_ticket",
    "resolve",
    "resume",
    "roll_back",
    "submit_plan",
    "unwatch",
    "watch",
    "withdraw_outage",
]
