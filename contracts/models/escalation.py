"""Who is told when a clock nears or passes its deadline (the escalation chain)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from contracts.models.contracts import Contract
from contracts.models.organizations import Role


class EscalationTrigger(models.TextChoices):
    WARNING = "warning", _("Warning (nearing the deadline)")
    BREACH = "breach", _("Breach (deadline passed)")


# Used for a contract that sets no chain of its own: engineer → dispatcher → vendor manager →
# hospital IT, the order in which a missed clock climbs in practice.
DEFAULT_CHAIN: tuple[tuple[str, str], ...] = (
    (Role.ENGINEER, EscalationTrigger.WARNING),
    (Role.DISPATCHER, EscalationTrigger.WARNING),
    (Role.DISPATCHER, EscalationTrigger.BREACH),
    (Role.VENDOR_MANAGER, EscalationTrigger.BREACH),
    (Role.HOSPITAL_IT, EscalationTrigger.BREACH),
)


class EscalationStep(models.Model):
    contract = models.ForeignKey(
        Contract,
        on_delete=models.CASCADE,
        related_name="escalation_steps",
        verbose_name=_("contract"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    trigger = models.CharField(_("when"), max_length=10, choices=EscalationTrigger.choices)

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation chain")
        ordering = ["contract", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "role", "trigger"],
                name="contracts_escalation_step_once",
                violation_error_message=_("This role is already told at this point."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.get_trigger_display()}"


def escalation_roles(contract: Contract, trigger: str) -> list[str]:
    """The roles to tell for this trigger, the contract's own chain or the default one."""
    steps = [(step.role, step.trigger) for step in contract.escalation_steps.all()]
    chain = steps or list(DEFAULT_CHAIN)
    return [role for role, when in chain if when == trigger]
