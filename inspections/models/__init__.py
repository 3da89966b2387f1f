from inspections.models.checklists import ChecklistItem, ChecklistSection, ChecklistTemplate
from inspections.models.inspections import (
    DONE_STATES,
    OPEN_STATES,
    Inspection,
    InspectionEvent,
    InspectionMode,
    InspectionReport,
    InspectionResult,
    InspectionState,
    not_yet_due_q,
    overdue_q,
)
from inspections.models.plans import (
    CADENCE_MONTHS,
    DEFAULT_MAJOR_HOLIDAYS,
    MAJOR_HOLIDAYS_TO_BRING_FORWARD,
    Cadence,
    InspectionRule,
    Purpose,
)

__all__ = [
    "CADENCE_MONTHS",
    "DEFAULT_MAJOR_HOLIDAYS",
    "DONE_STATES",
    "MAJOR_HOLIDAYS_TO_BRING_FORWARD",
    "OPEN_STATES",
    "Cadence",
    "ChecklistItem",
    "ChecklistSection",
    "ChecklistTemplate",
    "Inspection",
    "InspectionEvent",
    "InspectionMode",
    "InspectionReport",
    "InspectionResult",
    "InspectionRule",
    "InspectionState",
    "Purpose",
    "not_yet_due_q",
    "overdue_q",
]
