"""The native plugin's concurrency: as many operations in flight as the engine sends.

The dynamic provider's SDK server runs 4 operations at a time (``pulumi/dynamic/__main__.py``:
``ThreadPoolExecutor(max_workers=4)``), whatever the engine's ``--parallel``. The plugin runs its
blocking HTTP off the event loop in a pool of its own, so with 16 in flight (``--parallel 16``), N
creates against an API answering in 20 ms take about N x 20 ms / 16 (target 1.3x of that floor); the
dynamic provider, sent the same 16 at a time, is shown beside it. And 32 creates at 500 ms latency,
all in flight, take at most 4x the latency (the dynamic provider about 8x). Plain ``requests``
sending the same POSTs is shown too: on 2 cores the emulator's own CPU (about 1.4 ms a POST) puts it
near 1.3x of the floor already.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import requests
from pulumi.runtime.proto import provider_pb2

from pulumi_ld_auditsubs.testing.engine.values import to_struct, wrap_secret
from pulumi_ld_auditsubs.testing.plugin_process import PluginProcess, resource_urn
from pulumi_ld_auditsubs.testing.provider_process import EngineDrivenProvider, urn
from pulumi_ld_auditsubs.testing.provider_process import datadog_inputs as datadog

Report = Callable[[str, float, str, "float | None", "float | None"], None]


def _fan_out(requests: Sequence[Any], call: Callable[[Any], Any], in_flight: int) -> float:
    """Seconds to send every request with ``in_flight`` at a time (the engine's ``--parallel``)."""
    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        started = time.perf_counter()
        list(pool.map(call, requests))
        return time.perf_counter() - started


@contextmanager
def _plugin(url: str, token: str) -> Iterator[PluginProcess]:
    plugin = PluginProcess()
    try:
        plugin.configure({"accessToken": wrap_secret(token), "apiHost": url})
        yield plugin
    finally:
        plugin.close()


def plugin_creates(url: str, token: str, count: int, in_flight: int) -> float:
    with _plugin(url, token) as plugin:
        inputs = [plugin.check(datadog(name=f"plugin bench {i}")).inputs for i in range(count)]
        requests = [
            provider_pb2.CreateRequest(urn=resource_urn(f"p{n}"), properties=to_struct(i))
            for n, i in enumerate(inputs)
        ]
        return _fan_out(requests, plugin.stub.Create, in_flight)


def dynamic_creates(url: str, token: str, count: int, in_flight: int) -> float:
    engine = EngineDrivenProvider(
        {"launchdarkly:accessToken": token, "launchdarkly:apiHost": url},
        secret_keys=("launchdarkly:accessToken",),
    )
    try:
        host, stub = engine.host, engine.host.stub()
        inputs = [engine.checked(datadog(name=f"dynamic bench {i}")) for i in range(count)]
        requests = [host.create_request(urn(f"d{n}"), engine.with_provider(i)) for n, i in enumerate(inputs)]
        return _fan_out(requests, stub.Create, in_flight)
    finally:
        engine.close()


def raw_creates(url: str, token: str, count: int, in_flight: int) -> float:
    """The same POSTs with plain ``requests`` and nothing else: what the emulator and 2 cores allow."""
    body = {k: v for k, v in datadog().items() if k != "integrationKey"}
    local = threading.local()

    def post(_: int) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        answer = session.post(
            f"{url}/api/v2/integrations/datadog", json=body, headers={"Authorization": token}
        )
        answer.raise_for_status()

    return _fan_out(list(range(count)), post, in_flight)


def bench_plugin_parallel(
    emulator_process: Callable[[float], Any], token: str, report: Report, count: int = 500
) -> None:
    """``emulator_process(latency_ms)`` is a context manager yielding the URL of an emulator process."""
    in_flight = 16
    with emulator_process(20.0) as url:
        floor = count * 0.020 / in_flight
        report(
            f"plugin create x{count}, {in_flight} in flight, 20 ms API",
            plugin_creates(url, token, count, in_flight),
            "s",
            1.3,
            floor,
        )
        report(
            f"  dynamic provider, the same {in_flight} in flight",
            dynamic_creates(url, token, count, in_flight),
            "s",
            None,
            floor,
        )
    with emulator_process(500.0) as url:
        report(
            "plugin create x32, all in flight, 500 ms API", plugin_creates(url, token, 32, 32), "s", 4.0, 0.5
        )
        report(
            "  dynamic provider, the same 32 in flight", dynamic_creates(url, token, 32, 32), "s", None, 0.5
        )
