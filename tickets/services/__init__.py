"""Everything that changes a ticket. Each service guards (role, state), locks the row,
changes state and clocks, appends to the timeline, and queues notifications after commit."""

from tickets.services._common import ACTION_LABELS
from tickets.services.changes import (
    approve_plan,
    complete_change,
    reject_plan,
    roll_back,
    submit_plan,
)
from tickets.services.filing import Caller, Filed, file_for_caller, file_ticket, report_ticket
from tickets.services.records import (
    ATTACHMENT_EXTENSIONS,
    ATTACHMENT_MAX_BYTES,
    add_comment,
    attach_file,
    change_level,
    check_upload,
    edit_ticket,
    explain_breach,
    extend_clock,
    log_work,
    record_outage,
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
    "Caller",
    "Filed",
    "acknowledge",
    "add_comment",
    "approve_plan",
    "arrive",
    "assign",
    "attach_file",
    "cancel",
    "change_level",
    "check_upload",
    "complete_change",
    "confirm",
    "edit_ticket",
    "explain_breach",
    "extend_clock",
    "file_for_caller",
    "file_ticket",
    "hold",
    "log_work",
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
]
