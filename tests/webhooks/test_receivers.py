"""Which receiver addresses OpsDesk posts to: public ones, and intranet networks a platform
administrator allowed; never this server, private networks or a cloud's metadata service, in
any spelling."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from audit.models import AuditEntry
from tests.factories import HospitalFactory, MembershipFactory, UserFactory
from tests.webhooks.factories import SubscriptionFactory
from webhooks import receivers
from webhooks.models import IntranetNetwork

pytestmark = pytest.mark.django_db

INTERNAL_ADDRESSES = [
    "http://127.0.0.1:18999/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",  # carrier-grade NAT
    "http://localhost:6379/",
    "http://LOCALHOST./",
    "http://redis.localhost/",
    "http://[::1]/hook",
    "http://[::]/hook",
    "http://0.0.0.0/hook",
    "http://0/hook",
    "http://2130706433/hook",
    "http://0x7f.1/hook",
    "http://0177.0.0.1/hook",
    "http://127.1/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:a9fe:a9fe]/hook",
    "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
    "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "http://255.255.255.255/hook",
    "http://metadata.google.internal/computeMetadata/v1/",
]


def url_errors(url: str) -> list[str]:
    subscription = SubscriptionFactory.build(organization=HospitalFactory(), url=url)
    try:
        subscription.full_clean()
    except ValidationError as exc:
        return exc.message_dict.get("url", [])
    return []


@pytest.mark.parametrize("url", INTERNAL_ADDRESSES)
def test_an_internal_address_in_any_spelling_is_refused(url):
    assert url_errors(url), url
    with pytest.raises(receivers.ReceiverRefused):
        receivers.check(url)


def test_a_public_address_is_accepted_and_is_the_one_connected_to(dns):
    dns.answers["his.example.org"] = ["93.184.215.14"]
    assert url_errors("https://his.example.org/hooks?token=abc") == []
    checked = receivers.check("https://his.example.org/hooks?token=abc")
    assert (checked.host, checked.port, checked.target) == (
        "his.example.org",
        443,
        "/hooks?token=abc",
    )
    assert str(checked.address) == "93.184.215.14"


def test_a_name_that_resolves_to_a_private_address_is_refused(dns):
    dns.answers["his-gw"] = ["10.20.1.15"]
    assert url_errors("http://his-gw/hooks")


def test_a_name_with_one_private_address_among_public_ones_is_refused(dns):
    dns.answers["mixed.example.org"] = ["93.184.215.14", "127.0.0.1"]
    assert url_errors("http://mixed.example.org/hooks")


def test_a_name_nobody_knows_is_refused_with_its_own_message(dns):
    [message] = url_errors("http://his-gw.invalid/hooks")
    assert message == str(receivers.UNRESOLVED_MESSAGE)


def test_an_intranet_network_allowed_by_the_platform_administrator_is_accepted(dns):
    dns.answers["his-gw"] = ["10.20.1.15"]
    IntranetNetwork.objects.create(network="10.20.1.7/16", reason="郁南县人民医院")
    assert IntranetNetwork.objects.get().network == "10.20.0.0/16"
    assert url_errors("http://his-gw/hooks") == []
    assert url_errors("http://10.20.200.1:8080/hooks") == []
    assert url_errors("http://[::ffff:10.20.0.9]/hooks") == []
    # Only that network: the rest of the private space stays closed.
    assert url_errors("http://10.21.0.1/hooks")
    assert url_errors("http://169.254.169.254/")


def test_nobody_listens_on_unspecified_or_multicast_addresses_even_when_allowed():
    IntranetNetwork.objects.create(network="0.0.0.0/0", reason="too wide")
    assert url_errors("http://10.9.9.9/hook") == []
    assert url_errors("http://0.0.0.0/hook")
    assert url_errors("http://224.0.0.1/hook")


def test_a_network_must_be_written_in_cidr_form():
    with pytest.raises(ValidationError):
        IntranetNetwork(network="10.20.x.0/16", reason="typo").full_clean()


def test_only_a_platform_administrator_keeps_the_allowed_networks_and_it_is_audited():
    url = "/admin/webhooks/intranetnetwork/"
    manager = MembershipFactory(role="administrator").user
    manager.is_staff = True
    manager.save()
    client = Client()
    client.force_login(manager)
    assert client.get(url).status_code == 403
    assert client.post(f"{url}add/", {"network": "10.0.0.0/8", "reason": "x"}).status_code == 403
    assert not IntranetNetwork.objects.exists()

    root = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.post(
        f"{url}add/", {"network": "10.20.0.0/16", "reason": "郁南县人民医院 HIS 网段"}
    )
    assert response.status_code == 302
    network = IntranetNetwork.objects.get()
    assert network.created_by == root
    assert AuditEntry.objects.filter(
        action="admin.add", object_type="webhooks.intranetnetwork", object_id=str(network.pk)
    ).exists()
