"""The demo is loaded once per test process and every test starts from it as loaded
(tests/session_demo.py); a test that does not ask for it finds no demo at all."""

from __future__ import annotations

import pytest

from accounts.models import User
from contracts.demo.contracts import CONTRACTS
from contracts.models import Contract, Organization


@pytest.mark.parametrize("turn", ["first", "second"])
def test_each_test_starts_from_the_demo_as_loaded_whatever_the_one_before_changed(demo, turn):
    # Whichever turn runs second finds what the first one changed rolled back, in the
    # database and in the instances `demo` hands out.
    saved, in_memory = demo["yn-his"], demo["zj-einvoice"]
    assert "改过" not in saved.name and "改过" not in in_memory.name
    assert Contract.objects.get(code="yn-his").name == saved.name
    assert User.objects.get(username="yn-it").is_active
    saved.name = "改过的合同"
    saved.save()
    in_memory.name = "只在内存里改过的合同"
    User.objects.filter(username="yn-it").update(is_active=False)


def test_demo_gives_the_five_contracts_by_code(demo):
    assert list(demo) == [spec["code"] for spec in CONTRACTS]
    assert all(isinstance(contract, Contract) for contract in demo.values())


@pytest.mark.django_db
def test_a_test_without_the_demo_finds_none_of_it():
    assert not Contract.objects.exists()
    assert not Organization.objects.exists()
