"""A dynamic provider that does nothing but wait like the API: the SDK server's own floor.

``benchmarks/run.py`` drives it through the same ``python -m pulumi.dynamic`` process and the same
harness as the real provider, so the difference between the two is what this library costs and the
rest is the SDK's server (property (de)serialization, a new event loop per call, gRPC).
"""

from __future__ import annotations

import os
import time
from typing import Any

from pulumi.dynamic import CreateResult, ReadResult, ResourceProvider

LATENCY_ENV = "LD_AUDITSUBS_BENCH_LATENCY_MS"


def _wait() -> None:
    time.sleep(float(os.environ.get(LATENCY_ENV, "20")) / 1000)


class NullProvider(ResourceProvider):
    """Answers like the real provider (same output shape), after one API-latency wait per call."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        _wait()
        return CreateResult(os.urandom(12).hex(), {**props, "_status": {"successCount": 0, "errorCount": 0}})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        _wait()
        return ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        _wait()
