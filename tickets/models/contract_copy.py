"""Rows of a ticket that carry the ticket's contract as well.

A contract's period figures (the dashboard, the service reports) read the clocks due or met
and the work logged in a quarter. Found through the ticket, that is every clock or worklog
of every ticket the contract ever had; with the contract on the row itself, an index on
(contract, moment) reads only the quarter's. A ticket never changes contract, so the copy
cannot go stale; it is taken from the ticket when the row is first saved or bulk-created.
"""

from __future__ import annotations

from django.db import models


class ContractCopyQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for row in objs:
            row.take_contract()
        return super().bulk_create(objs, *args, **kwargs)


class ContractCopy(models.Model):
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        db_index=False,  # each model's (contract, moment) index leads with it
    )

    objects = ContractCopyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.take_contract()
        super().save(*args, **kwargs)

    def take_contract(self) -> None:
        if self.contract_id is None:
            self.contract_id = self.ticket.contract_id
