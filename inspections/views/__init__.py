from inspections.views.actions import (
    assign,
    cancel,
    complete,
    open_ticket,
    record,
    reopen,
    sign_off,
    start,
)
from inspections.views.pages import inspection_detail, inspection_list, report_download

__all__ = [
    "assign",
    "cancel",
    "complete",
    "inspection_detail",
    "inspection_list",
    "open_ticket",
    "record",
    "reopen",
    "report_download",
    "sign_off",
    "start",
]
