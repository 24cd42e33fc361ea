"""Which client a per-address limit counts: one IPv4 address, or one IPv6 /64.

An IPv6 host is routinely given a whole /64 and may pick any of its 2**64 addresses,
so counting addresses one by one would let a single machine spread its guesses across
as many keys as it likes. Every per-address limit keys its hits with `client_key`.
"""

import ipaddress

IPV6_PREFIX = 64


def client_key(ip: str) -> str:
    """The limit key of a client address: itself for IPv4, its /64 network for IPv6.

    An IPv4-mapped IPv6 address (::ffff:a.b.c.d) counts as its IPv4 address; a value
    that is not an address at all (a Unix socket peer) is kept as it is.
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)
