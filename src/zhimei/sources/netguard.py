"""The SSRF guard: which URLs and addresses a fetch may reach.

Defends a newsroom server against being used to reach what only it can reach: its own loopback
services, the private network behind it, the cloud metadata endpoint (169.254.169.254).

Rules (tests pin each one):

* Only ``http`` and ``https`` URLs. ``localhost`` and ``*.localhost`` are refused without a lookup.
* An address is refused when it is loopback, private (10/8, 172.16/12, 192.168/16), link-local
  (169.254/16), carrier-grade NAT (100.64/10), "this network" (0/8: 0.0.0.0 reaches the local
  machine), multicast, documentation, benchmarking or reserved (240/4, broadcast); for IPv6:
  unspecified, ``::1``, unique-local fc00::/7, link-local fe80::/10, site-local fec0::/10,
  multicast ff00::/8, documentation, discard, ORCHID and the reserved ::/8 (which holds the old
  IPv4-compatible form ``::127.0.0.1``). Anything else Python does not call global is refused too.
* IPv6 that embeds an IPv4 address is judged by that IPv4 address: IPv4-mapped ``::ffff:a.b.c.d``,
  NAT64 ``64:ff9b::/96`` and 6to4 ``2002::/16`` (so ``2002:7f00:1::`` is loopback, while a NAT64
  network still reaches public sites). Local-use NAT64 (64:ff9b:1::/48) and Teredo (2001::/32,
  a retired tunnel whose client address is obfuscated) are refused outright.
* Host names that end in a number are IPv4 addresses, read as browsers and ``inet_aton`` read
  them: ``2130706433``, ``0x7f.1``, ``0177.0.0.1`` and ``127.1`` are all 127.0.0.1. A numeric host
  that is no valid address is refused.
* Every address a name resolves to must pass, and the connection goes to one of exactly those
  addresses (:mod:`zhimei.sources.fetch` pins it), so a DNS answer that changes between the check
  and the connection (DNS rebinding) cannot reach a private address.
* The ``fetch_allow`` setting lists host names (``intranet.example``, ``*.corp.example``) and
  addresses or CIDR ranges (``10.1.0.0/16``) that may be reached anyway, for intranet sources.
  A listed name skips the address checks; a listed range admits the addresses in it.

Ports are not restricted: feeds on 8080 are common.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from zhimei.errors import ConfigError
from zhimei.sources.errors import BlockedURLError, ConnectFailedError, FetchTimeoutError

__all__ = [
    "AllowList",
    "IPAddress",
    "Resolver",
    "blocked_reason",
    "canonical_host",
    "check_host",
    "check_url",
    "ip_literal",
    "resolve_checked",
    "system_resolver",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) → addresses as strings, in the order to try them.
Resolver = Callable[[str, int], Sequence[str]]

_HINT = (
    "zhimei does not fetch from local or private networks; for an intranet source, "
    "add its host or address range to the fetch_allow setting"
)


def _nets(*pairs: tuple[str, str]) -> tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...]:
    return tuple((ipaddress.ip_network(net), why) for net, why in pairs)


_V4_BLOCKED = _nets(
    ("0.0.0.0/8", "in 'this network' (0.0.0.0/8 reaches the local machine)"),
    ("10.0.0.0/8", "a private address"),
    ("100.64.0.0/10", "a carrier-grade NAT address"),
    ("127.0.0.0/8", "a loopback address"),
    ("169.254.0.0/16", "a link-local address (cloud metadata lives there)"),
    ("172.16.0.0/12", "a private address"),
    ("192.0.0.0/24", "an IETF protocol address"),
    ("192.0.2.0/24", "a documentation address"),
    ("192.88.99.0/24", "a 6to4 relay address"),
    ("192.168.0.0/16", "a private address"),
    ("198.18.0.0/15", "a benchmarking address"),
    ("198.51.100.0/24", "a documentation address"),
    ("203.0.113.0/24", "a documentation address"),
    ("224.0.0.0/4", "a multicast address"),
    ("240.0.0.0/4", "a reserved address"),
)
_V6_BLOCKED = _nets(
    ("::/128", "the unspecified address"),
    ("::1/128", "a loopback address"),
    ("::/8", "a reserved address (incl. IPv4-compatible ::a.b.c.d)"),
    ("64:ff9b:1::/48", "a local-use NAT64 address"),
    ("100::/64", "a discard-only address"),
    ("2001::/32", "a Teredo address"),
    ("2001:10::/28", "an ORCHID address"),
    ("2001:20::/28", "an ORCHID address"),
    ("2001:db8::/32", "a documentation address"),
    ("fc00::/7", "a unique-local (private) address"),
    ("fe80::/10", "a link-local address"),
    ("fec0::/10", "a site-local address"),
    ("ff00::/8", "a multicast address"),
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` may not be fetched from (``"a loopback address"`` …), or None if it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            why = blocked_reason(inner)
            return None if why is None else f"{why} ({inner} inside IPv6)"
        table: Iterable[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]] = _V6_BLOCKED
    else:
        table = _V4_BLOCKED
    for net, why in table:
        if ip in net:
            return why
    return None if ip.is_global else "not a public address"


_NUMBER = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")


def _ipv4_part(part: str, host: str) -> int:
    try:
        if part[:2] in ("0x", "0X"):
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part, 8)
        return int(part, 10)
    except ValueError:
        raise BlockedURLError(f"{host!r} is not a valid IPv4 address", "check the URL") from None


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address of a host name that ends in a number (WHATWG URL rules), else None."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not parts or not _NUMBER.match(parts[-1]):
        return None  # a domain name
    if len(parts) > 4 or any(p == "" for p in parts):
        raise BlockedURLError(f"{host!r} is not a valid IPv4 address", "check the URL")
    numbers = [_ipv4_part(p, host) for p in parts]
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise BlockedURLError(f"{host!r} is not a valid IPv4 address", "check the URL")
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def canonical_host(host: str) -> str:
    """``host`` as IDNA reads it before any lookup: NFKC (full-width digits and letters become
    ASCII), ideographic full stops become dots, lower case, no trailing dot."""
    return unicodedata.normalize("NFKC", host).translate(_DOTS).lower().rstrip(".")


def ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` spells (any IPv4 form, IPv6 with or without brackets, full-width
    digits), or None for a name.

    IPv4-mapped IPv6 comes back as its IPv4 address. Raises :class:`BlockedURLError` for a numeric
    host that is not a valid address.
    """
    bare = canonical_host(host).strip("[]")
    if ":" in bare:
        try:
            ip6 = ipaddress.IPv6Address(bare)
        except ValueError:
            raise BlockedURLError(f"{host!r} is not a valid IPv6 address", "check the URL") from None
        return ip6.ipv4_mapped or ip6
    return _legacy_ipv4(bare)


@dataclass(frozen=True)
class AllowList:
    """Hosts and address ranges that may be fetched despite the guard (the ``fetch_allow`` setting)."""

    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """Read entries: ``host.example``, ``*.corp.example``, ``10.0.0.5``, ``10.1.0.0/16``, ``fd00::/8``."""
        names: set[str] = set()
        suffixes: list[str] = []
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            label = entry.removeprefix("*.")
            if not re.fullmatch(
                r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*", label
            ):
                raise ConfigError(
                    f"fetch_allow entry {raw!r} is neither a host name nor an address range",
                    "use e.g. intranet.example, *.corp.example, 10.1.2.3 or 10.1.0.0/16",
                )
            if entry.startswith("*."):
                suffixes.append("." + label)
            else:
                names.add(label)
        return cls(frozenset(names), tuple(suffixes), tuple(networks))

    def allows_name(self, host: str) -> bool:
        name = canonical_host(host)
        return name in self.names or any(name.endswith(s) for s in self.suffixes)

    def allows_address(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.networks)


def _refuse(url: str, host: str, ip: IPAddress | None, why: str) -> BlockedURLError:
    if ip is None or ip_literal(host) is not None:
        what = f"{host} is {why}"
    else:
        what = f"{host} resolves to {ip}, {why}"
    return BlockedURLError(f"refused to fetch {url}: {what}", _HINT, url=url)


def _check_address(ip: IPAddress, url: str, host: str, allow: AllowList) -> None:
    if allow.allows_address(ip):
        return
    why = blocked_reason(ip)
    if why is not None:
        raise _refuse(url, host, ip, why)


def check_url(url: str, allow: AllowList | None = None) -> str:
    """Check ``url`` before any network use: scheme, host, and a literal address if it is one.

    Returns the URL unchanged. Raises :class:`BlockedURLError`. Names are checked again, with
    their resolved addresses, when a connection is made.
    """
    allow = allow or AllowList()
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise BlockedURLError(f"{url!r} is not a valid URL", "check the URL", url=url) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BlockedURLError(
            f"refused to fetch {url!r}: only http and https URLs are fetched", "give an http(s) URL", url=url
        )
    if not host:
        raise BlockedURLError(f"{url!r} has no host", "check the URL", url=url)
    check_host(host, url, allow)
    return url


def check_host(host: str, url: str, allow: AllowList) -> IPAddress | None:
    """Check a URL's host without resolving it; returns its address if it is a literal one."""
    ip = ip_literal(host)
    if ip is not None:
        _check_address(ip, url, host, allow)
        return ip
    name = canonical_host(host)
    if not allow.allows_name(name) and (name == "localhost" or name.endswith(".localhost")):
        raise _refuse(url, host, None, "the local machine")
    return None


def _address(text: str) -> IPAddress:
    ip = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for ``host``, in its order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _resolve(resolver: Resolver, host: str, port: int, timeout: float, url: str) -> Sequence[str]:
    """Run ``resolver`` in a daemon thread: a lookup that hangs must not hang the fetch."""
    box: list[Sequence[str] | BaseException] = []

    def run() -> None:
        try:
            box.append(resolver(host, port))
        except BaseException as exc:
            box.append(exc)

    worker = threading.Thread(target=run, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(timeout)
    if not box:
        raise FetchTimeoutError(
            f"looking up {host} took longer than {timeout:g} s", "check the name server", url=url
        )
    result = box[0]
    if isinstance(result, BaseException):
        raise ConnectFailedError(
            f"cannot resolve {host}: {result}", "check the host name and the name server", url=url
        )
    return result


def resolve_checked(
    host: str, port: int, *, allow: AllowList, resolver: Resolver, timeout: float, url: str = ""
) -> list[str]:
    """Resolve ``host`` once and check every address; the addresses to connect to, in order.

    A literal address is checked and returned without a lookup. A name on the allow list is not
    checked. Raises :class:`BlockedURLError` if any address is refused (one bad answer spoils the
    set: a resolver that mixes public and private answers is not trusted),
    :class:`ConnectFailedError` if the name does not resolve, :class:`FetchTimeoutError` if the
    lookup takes longer than ``timeout``.
    """
    url = url or host
    literal = check_host(host, url, allow)
    if literal is not None:
        return [str(literal)]
    answers = _resolve(resolver, host, port, timeout, url)
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            addresses.append(_address(answer))
        except ValueError:
            raise ConnectFailedError(f"{host} resolved to {answer!r}, not an address", url=url) from None
    if not addresses:
        raise ConnectFailedError(f"{host} has no address", "check the host name", url=url)
    if not allow.allows_name(host):
        for ip in addresses:
            _check_address(ip, url, host, allow)
    return [str(ip) for ip in dict.fromkeys(addresses)]
