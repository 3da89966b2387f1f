import pytest

from tests.http_receiver import dns, intranet_receiver, receiver

__all__ = ["dns", "intranet_receiver", "receiver"]


@pytest.fixture(autouse=True)
def _written_dns(dns):
    """No test here asks the real DNS: names resolve to a public address unless a test says
    otherwise (`dns.answers[name] = [...]`)."""
    return dns
