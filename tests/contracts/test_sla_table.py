"""Finding a contract's SLA row the way callers name it: by code or by fault level."""


def test_an_sla_row_is_found_by_its_code_or_by_its_fault_level(demo):
    contract = demo["yn-his"]
    assert contract.sla_row(level=1).name == "一级故障"
    assert contract.sla_row(code=contract.sla_row(level=2).code).level == 2
    assert contract.sla_row(level=9) is None
    assert contract.sla_row() is None
    change = demo["fd-internet"].sla_row(code="upgrade", kind="change")
    assert change is not None and change.level is None
    assert demo["fd-internet"].sla_row(code="upgrade", kind="fault") is None
