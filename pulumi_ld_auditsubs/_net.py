"""Network facts shared by the client (plain http only to loopback) and the emulator (loopback only)."""

from __future__ import annotations

import ipaddress


def is_loopback_host(hostname: str) -> bool:
    """Whether ``hostname`` (``localhost``, ``127.x.y.z``, ``::1``) names this machine."""
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        return False
