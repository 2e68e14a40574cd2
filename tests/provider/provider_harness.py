"""Test conveniences on top of the one provider host.

The provider process is driven by :class:`pulumi_ld_auditsubs.testing.provider_process.EngineDrivenProvider`,
a thin layer over the local engine's own ``DynamicProviderHost``: ``python -m pulumi.dynamic``, the
port line, Configure with the whole stack config (secret values wrapped), then Check/Diff/Create/
Read/Update/Delete with the engine's request shapes and ``__provider`` included. What stays here is
for these tests only: the token the emulator accepts, and short names for the helpers they use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_ld_auditsubs.testing import Emulator
from pulumi_ld_auditsubs.testing.engine.values import PROVIDER_KEY, UNKNOWN
from pulumi_ld_auditsubs.testing.provider_process import Created, EngineDrivenProvider, provider_blob
from pulumi_ld_auditsubs.testing.provider_process import datadog_inputs as datadog

__all__ = [
    "TOKEN",
    "UNKNOWN",
    "Created",
    "EngineDrivenProvider",
    "calls",
    "datadog",
    "provider_blob",
    "strip_provider",
]

TOKEN = "api-provider-tests-0123456789"


def strip_provider(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}


def calls(emulator: Emulator) -> list[tuple[str, str]]:
    """The (method, path) of every request the emulator received since the log was cleared."""
    return [(r.method, r.path) for r in emulator.requests]
