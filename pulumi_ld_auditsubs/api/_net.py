"""Network facts shared by the client (plain http only to loopback), the emulator (loopback only)
and the provider (which host holds a subscription)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(hostname: str) -> bool:
    """Whether ``hostname`` (``localhost``, ``127.x.y.z``, ``::1``) names this machine."""
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        return False


def same_host(first: str, second: str) -> bool:
    """Whether two API host URLs address the same place: scheme and host name ignore case, a default
    port equals none, and a trailing slash is no different path prefix."""
    return _canonical(first) == _canonical(second)


def _canonical(url: str) -> tuple[str, str, int | None, str]:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port == {"https": 443, "http": 80}.get(scheme):
        port = None
    return scheme, (parts.hostname or "").lower(), port, parts.path.rstrip("/")
