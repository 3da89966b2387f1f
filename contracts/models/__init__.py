from contracts.models.contracts import ContactSide, Contract, ContractContact, ContractSystem
from contracts.models.escalation import (
    DEFAULT_CHAIN,
    EscalationStep,
    EscalationTrigger,
    escalation_roles,
)
from contracts.models.organizations import (
    HOSPITAL_ROLES,
    VENDOR_ROLES,
    Membership,
    Organization,
    OrganizationKind,
    Role,
)
from contracts.models.systems import CoveredSystem, SystemTier
from contracts.models.terms import (
    Clock,
    ClockStart,
    ClockTarget,
    ServiceClass,
    TargetUnit,
    TicketKind,
)

__all__ = [
    "DEFAULT_CHAIN",
    "HOSPITAL_ROLES",
    "VENDOR_ROLES",
    "Clock",
    "ClockStart",
    "ClockTarget",
    "ContactSide",
    "Contract",
    "ContractContact",
    "ContractSystem",
    "CoveredSystem",
    "EscalationStep",
    "EscalationTrigger",
    "Membership",
    "Organization",
    "OrganizationKind",
    "Role",
    "ServiceClass",
    "SystemTier",
    "TargetUnit",
    "TicketKind",
    "escalation_roles",
]
