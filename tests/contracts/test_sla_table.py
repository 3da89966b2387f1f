"""Finding a contract's SLA row the way callers name it: by code or by fault level."""

from contracts.models import ServiceClass


def test_an_sla_row_is_found_by_its_code_or_by_its_fault_level(demo):
    contract = demo["yn-his"]
    assert contract.sla_row(level=1).name == "一级故障"
    assert contract.sla_row(code=contract.sla_row(level=2).code).level == 2
    assert contract.sla_row(level=9) is None
    assert contract.sla_row() is None
    change = demo["fd-internet"].sla_row(code="upgrade", kind="change")
    assert change is not None and change.level is None
    assert demo["fd-internet"].sla_row(code="upgrade", kind="fault") is None


def test_an_sla_row_read_with_its_clocks_holds_the_targets_it_has(demo, django_assert_num_queries):
    ServiceClass.objects.create(
        contract=demo["yn-his"], kind="consultation", code="no-clocks", name="不计时咨询"
    )
    for contract in demo.values():
        for row in contract.service_classes.all():
            with django_assert_num_queries(1 if row.clocks.exists() else 2):
                found = ServiceClass.objects.filter(pk=row.pk).first_with_clocks("contract")
                targets = [
                    (t.clock, t.amount, t.unit, t.calendar.pk, t.due_by_opening_of)
                    for t in found.clocks.all()
                ]
                assert found.contract == contract
            assert found == row
            assert targets == [
                (t.clock, t.amount, t.unit, t.calendar_id, t.due_by_opening_of)
                for t in row.clocks.select_related("due_by_opening_of")
            ]


def test_no_sla_row_read_with_its_clocks_is_none(demo):
    assert ServiceClass.objects.sla_row(level=9).first_with_clocks() is None
