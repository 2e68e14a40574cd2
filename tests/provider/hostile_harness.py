"""What the hostile-upstream tests share: the provider behind a hostile server, and what they measure."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import grpc
import pytest
from provider_harness import TOKEN, EngineDrivenProvider

from pulumi_ld_auditsubs.testing.hostile import HostileServer

PEAK_RSS_LIMIT_MIB = 512
"""The issue's bound for the provider process, whatever the upstream sends."""
COLLECTION = "/api/v2/integrations/datadog"


def provider_behind(hostile: HostileServer, **settings: str) -> EngineDrivenProvider:
    """A provider process whose API host is the hostile server, with these ``ld-auditsubs:`` settings."""
    return EngineDrivenProvider(
        {
            "launchdarkly:accessToken": TOKEN,
            "launchdarkly:apiHost": hostile.url,
            **{f"ld-auditsubs:{key}": value for key, value in settings.items()},
        },
        secret_keys=("launchdarkly:accessToken",),
    )


@dataclass
class Timed:
    seconds: float = 0.0


@contextmanager
def timed() -> Iterator[Timed]:
    """Wall time of the block (measured for generous upper bounds, never tight ones)."""
    result = Timed()
    started = time.monotonic()
    try:
        yield result
    finally:
        result.seconds = time.monotonic() - started


def failure_text(caught: pytest.ExceptionInfo[grpc.RpcError]) -> str:
    """What the engine shows the user for the failed step."""
    return caught.value.details() or ""
