from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from contracts.selectors import contract_for, contracts_for, system_tree
from contracts.sla_table import table_rows
from inspections import policy as inspection_policy
from inspections.selectors import plan_status
from tickets.policy import may_propose_change
from tickets.quota import burn_down


@login_required
def contract_list(request):
    return render(
        request, "contracts/contract/list.html", {"contracts": contracts_for(request.user)}
    )


@login_required
def contract_detail(request, code: str):
    contract = contract_for(request.user, code)
    plan = (
        plan_status(contract, timezone.localdate())
        if inspection_policy.may_read(request.user, contract)
        else None
    )
    return render(
        request,
        "contracts/contract/detail.html",
        {
            "contract": contract,
            "rows": table_rows(contract),
            "tree": system_tree(contract),
            "inspection_plan": plan,
            "quota": burn_down(contract, timezone.localdate())
            if contract.person_day_quota
            else None,
            "may_open_change": may_propose_change(request.user, contract)
            and contract.change_rows().exists(),
        },
    )
