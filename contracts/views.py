from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from contracts.selectors import contract_for, contracts_for, system_tree
from contracts.sla_table import table_rows


@login_required
def contract_list(request):
    return render(
        request, "contracts/contract/list.html", {"contracts": contracts_for(request.user)}
    )


@login_required
def contract_detail(request, code: str):
    contract = contract_for(request.user, code)
    return render(
        request,
        "contracts/contract/detail.html",
        {"contract": contract, "rows": table_rows(contract), "tree": system_tree(contract)},
    )
