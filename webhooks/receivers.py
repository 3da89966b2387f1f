"""Which addresses a webhook may be posted to, and posting to exactly the address checked.

A receiver's address is chosen by the people of an organisation, and OpsDesk posts to it from
inside the hospital's or the host's network: left unchecked, it reaches the database, Redis,
a cloud's metadata service or an admin page on the same machine (server-side request forgery).
So a host is resolved, every address it resolves to must be public (or inside an intranet
network a platform administrator allowed, `IntranetNetwork`), and the connection goes to the
very address that was checked: no second lookup a rebinding DNS server could answer
differently. The check runs when a receiver is registered or changed and again at every
delivery, since a name's answer may change in between.

Every spelling of an address ends up as one `ipaddress` value before the check: IPv4 in
decimal, hex, octal or short form (`2130706433`, `0x7f.1`, `127.1`), IPv6 with or without
brackets, and IPv4 inside IPv6 (`::ffff:127.0.0.1`, NAT64, 6to4).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Names that always mean this machine or a cloud's metadata service, whatever DNS says.
REFUSED_NAMES = frozenset({"localhost", "metadata", "metadata.google.internal"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class ReceiverRefused(Exception):
    """The address may not be posted to. `message` is for the person who registered it."""

    def __init__(self, message, *, code: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CheckedReceiver:
    """A receiver's address with the one IP address a delivery connects to."""

    scheme: str
    host: str
    port: int
    target: str  # path and query, as sent in the request line
    address: IPAddress


def resolve(host: str) -> list[str]:
    """The addresses DNS (or /etc/hosts) gives for `host`. Tests replace this function."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def literal_address(host: str) -> IPAddress | None:
    """`host` as an IP address if it is one in any spelling the C library accepts."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        # inet_aton reads the legacy forms getaddrinfo would connect to: 2130706433, 0x7f.1.
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), which is where it goes."""
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Reachable on the internet: not loopback, link-local, private, shared, multicast,
    reserved, unspecified or documentation space."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return is_public(inner)
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_unspecified
        or (address.version == 6 and address.is_site_local)
    )


def is_allowed(address: IPAddress, intranet: list[ipaddress.IPv4Network | ipaddress.IPv6Network]):
    """Public, or inside a network a platform administrator allowed. Nobody listens on an
    unspecified or multicast address, so those stay refused even inside an allowed network."""
    inner = embedded_ipv4(address) or address
    if inner.is_unspecified or inner.is_multicast:
        return False
    if is_public(address):
        return True
    return any(inner.version == network.version and inner in network for network in intranet)


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    from webhooks.models import IntranetNetwork

    return [
        ipaddress.ip_network(value, strict=False)
        for value in IntranetNetwork.objects.values_list("network", flat=True)
    ]


REFUSED_MESSAGE = _(
    "OpsDesk does not post to this address: it is on this server, a private or another "
    "internal network. A platform administrator can allow a hospital intranet network."
)
UNRESOLVED_MESSAGE = _("The receiver's host name could not be found (DNS).")


def check(url: str) -> CheckedReceiver:
    """Resolve the receiver's host and pick the address to connect to, or raise
    ReceiverRefused. Every address the name has must be allowed: a name that answers with
    a public and a private address is treated as the private one."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise ReceiverRefused(UNRESOLVED_MESSAGE, code="unresolved")
    if host in REFUSED_NAMES or host.endswith(".localhost"):
        raise ReceiverRefused(REFUSED_MESSAGE, code="refused_address")
    literal = literal_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            found = resolve(host)
        except (OSError, UnicodeError):
            found = []
        addresses = [literal_address(value.split("%", 1)[0]) for value in found]
        if not addresses or None in addresses:
            raise ReceiverRefused(UNRESOLVED_MESSAGE, code="unresolved")
    intranet = allowed_networks()
    if not all(is_allowed(address, intranet) for address in addresses):
        raise ReceiverRefused(REFUSED_MESSAGE, code="refused_address")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return CheckedReceiver(
        scheme=parts.scheme,
        host=host,
        port=parts.port or (443 if parts.scheme == "https" else 80),
        target=target,
        address=addresses[0],
    )


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the checked address, with the receiver's name in the Host header."""

    def __init__(self, receiver: CheckedReceiver, timeout: float) -> None:
        super().__init__(receiver.host, receiver.port, timeout=timeout)
        self.checked_address = str(receiver.address)

    def connect(self) -> None:
        self.sock = socket.create_connection((self.checked_address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address; the certificate is verified for the receiver's name."""

    def __init__(self, receiver: CheckedReceiver, timeout: float) -> None:
        super().__init__(receiver.host, receiver.port, timeout=timeout)
        self.checked_address = str(receiver.address)

    def connect(self) -> None:
        sock = socket.create_connection((self.checked_address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def connection(receiver: CheckedReceiver, timeout: float) -> http.client.HTTPConnection:
    """A connection that can only reach `receiver.address`. No proxy, no redirects."""
    if receiver.scheme == "https":
        return _PinnedHTTPSConnection(receiver, timeout)
    return _PinnedHTTPConnection(receiver, timeout)
