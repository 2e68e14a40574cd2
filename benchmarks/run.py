"""Speed and memory targets, measured: ``python benchmarks/run.py``.

Prints one line per measurement with its target and exits non-zero if a target is missed. These are
numbers to watch between releases, deliberately kept out of the test suite (no timed assertions in
tests). Everything runs locally against the bundled emulator.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "provider"))

from provider_harness import TOKEN, EngineDrivenProvider, datadog

from pulumi_ld_auditsubs.catalog import load_catalog
from pulumi_ld_auditsubs.models import check_inputs, desired_document
from pulumi_ld_auditsubs.patch import subscription_patch
from pulumi_ld_auditsubs.testing import Emulator

RESULTS: list[tuple[str, float, str, float, bool]] = []


def record(name: str, value: float, unit: str, target: float, lower_is_better: bool = True) -> None:
    ok = value <= target if lower_is_better else value >= target
    RESULTS.append((name, value, unit, target, ok))
    comparison = "<=" if lower_is_better else ">="
    print(f"{'ok  ' if ok else 'MISS'} {name:<48} {value:10.2f} {unit:<6} (target {comparison} {target:g})")


def per_call(fn: Callable[[], Any], repeat: int) -> float:
    """Median microseconds per call over five rounds."""
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        rounds.append((time.perf_counter() - start) / repeat * 1e6)
    return statistics.median(rounds)


def bench_pure() -> None:
    catalog = load_catalog()
    props = datadog()
    record("check_inputs (datadog)", per_call(lambda: check_inputs(props, catalog=catalog), 2000), "us", 50)
    integration = catalog["datadog"]
    old = desired_document(props, integration)
    new = desired_document(datadog(name="other", tags=["a"], on=False), integration)
    record(
        "subscription_patch (3 changed fields)",
        per_call(lambda: subscription_patch(old, new), 5000),
        "us",
        30,
    )


def bench_provider(emulator: Emulator, count: int = 50) -> None:
    engine = EngineDrivenProvider(
        {"launchdarkly:accessToken": TOKEN, "launchdarkly:apiHost": emulator.url},
        secret_keys=("launchdarkly:accessToken",),
    )
    try:
        timings: dict[str, list[float]] = {
            "check": [],
            "create": [],
            "diff": [],
            "update": [],
            "read": [],
            "delete": [],
        }

        def timed(step: str, fn: Callable[[], Any]) -> Any:
            start = time.perf_counter()
            result = fn()
            timings[step].append((time.perf_counter() - start) * 1000)
            return result

        for i in range(count):
            props = datadog(name=f"bench {i}")
            inputs = timed("check", lambda props=props: engine.checked(props))
            created = timed("create", lambda inputs=inputs: engine.create(inputs))
            news = engine.checked(datadog(name=f"bench {i} renamed"))
            timed("diff", lambda c=created, n=news: engine.diff(c.id, c.outputs, n))
            outs = timed("update", lambda c=created, n=news: engine.update(c.id, c.outputs, n))
            timed("read", lambda c=created, o=outs, n=news: engine.read(c.id, o, n))
            timed("delete", lambda c=created, o=outs: engine.delete(c.id, o))
        targets = {"check": 5, "create": 10, "diff": 5, "update": 10, "read": 10, "delete": 10}
        for step, values in timings.items():
            record(
                f"provider {step} via gRPC, vs the emulator (median of {count})",
                statistics.median(values),
                "ms",
                targets[step],
            )
    finally:
        engine.close()


def bench_emulator(emulator: Emulator, seconds: float = 2.0) -> None:
    session = requests.Session()
    session.headers["Authorization"] = TOKEN
    url = emulator.url + "/api/v2/integrations/msteams"
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        session.get(url, timeout=10).raise_for_status()
        done += 1
    record("emulator GET list, one keep-alive client", done / seconds, "req/s", 1000, lower_is_better=False)


def bench_emulator_memory(count: int = 5000) -> None:
    tracemalloc.start()
    with Emulator(tokens=(TOKEN,)) as emulator:
        session = requests.Session()
        session.headers["Authorization"] = TOKEN
        body = {
            "name": "m",
            "config": {"apiKey": "k" * 32},
            "statements": datadog()["statements"],
            "tags": ["t"],
        }
        for _ in range(count):
            session.post(
                emulator.url + "/api/v2/integrations/datadog", json=body, timeout=10
            ).raise_for_status()
        emulator.clear_requests()
        current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    record(f"emulator memory with {count} subscriptions", current / 1e6, "MB", 32)


def main() -> int:
    bench_pure()
    with Emulator(tokens=(TOKEN,)) as emulator:
        bench_provider(emulator)
        bench_emulator(emulator)
    bench_emulator_memory()
    missed = [name for name, *_, ok in RESULTS if not ok]
    print(f"{len(RESULTS) - len(missed)} of {len(RESULTS)} targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
