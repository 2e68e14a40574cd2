"""Rate limits in bulk: 100 creates, 4 engine threads, 10 requests per 10 s per route.

``python benchmarks/ratelimit_bulk.py`` (about 90 s; also run by ``python benchmarks/run.py``).

The provider runs as the engine runs it, ``python -m pulumi.dynamic`` driven over gRPC by the
engine's own host (``pulumi_ld_auditsubs/testing/provider_process.py``), and 4 threads call Create
at once, like the engine's default parallelism; the provider process's own gRPC server has 4
workers. The emulator limits
every route (verb + URL template) to ``LIMIT`` requests per sliding ``WINDOW`` seconds.

The floor: request *k* on a route cannot be sent before request *k - LIMIT* plus ``WINDOW``
seconds, so the last of ``CREATES`` POSTs cannot start before ``(ceil(CREATES / LIMIT) - 1) * WINDOW``
seconds, 90 s here, however clever the client. Targets: no failed create, no duplicate, wall time
within 1.05x of that floor, and no more 429 answers than windows (``ceil(CREATES / LIMIT)``, 10).
"""

from __future__ import annotations

import math
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from pulumi_ld_auditsubs.testing import Emulator
from pulumi_ld_auditsubs.testing.provider_process import EngineDrivenProvider
from pulumi_ld_auditsubs.testing.provider_process import datadog_inputs as datadog

TOKEN = "api-benchmarks-0123456789"
"""The access token the benchmarks' emulators accept."""
CREATES = 100
THREADS = 4
LIMIT = 10
WINDOW = 10.0

Report = Callable[[str, float, str, float, "float | None"], None]
"""``(name, value, unit, target, floor)``: with a floor, the target applies to ``value / floor``."""


def _print_figure(name: str, value: float, unit: str, target: float, floor: float | None) -> None:
    measured = value if floor is None else value / floor
    verdict = "ok  " if measured <= target else "MISS"
    shown = "" if floor is None else f" floor {floor:g} ratio {measured:.3f}x"
    print(f"{verdict} {name:<58} {value:9.2f} {unit:<6}{shown} target <= {target:g}", flush=True)


def floor_seconds(creates: int = CREATES, limit: int = LIMIT, window: float = WINDOW) -> float:
    """The earliest the last create can start under the limit (see the module docstring)."""
    return (math.ceil(creates / limit) - 1) * window


def bench_ratelimit_bulk(report: Report = _print_figure) -> None:
    """Run the bulk create and report failures, duplicates, wall time / floor and 429s."""
    with Emulator(tokens=(TOKEN,), rate_limit=LIMIT, rate_limit_window=WINDOW) as emulator:
        engine = EngineDrivenProvider(
            {"launchdarkly:accessToken": TOKEN, "launchdarkly:apiHost": emulator.url},
            secret_keys=("launchdarkly:accessToken",),
        )
        try:
            inputs = [engine.checked(datadog(name=f"bulk {i}"), name=f"bulk{i}") for i in range(CREATES)]

            def create(i: int) -> str | None:
                try:
                    return engine.create(inputs[i], name=f"bulk{i}").id
                except Exception as exc:  # a failed create is what this benchmark counts
                    print(f"  create bulk {i} failed: {str(exc).splitlines()[0][:200]}", file=sys.stderr)
                    return None

            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=THREADS) as pool:
                ids = list(pool.map(create, range(CREATES)))
            wall = time.perf_counter() - start
        finally:
            engine.close()
        statuses = Counter(r.status for r in emulator.requests)
        names = Counter(s["name"] for s in emulator.subscriptions("datadog"))
    floor = floor_seconds()
    windows = math.ceil(CREATES / LIMIT)
    label = f"{CREATES} creates, {THREADS} threads, {LIMIT}/{WINDOW:g}s"
    report(f"rate-limited bulk ({label}): failed creates", float(ids.count(None)), "", 0, None)
    report(
        "rate-limited bulk: duplicate subscriptions", float(sum(n - 1 for n in names.values())), "", 0, None
    )
    report("rate-limited bulk: wall time", wall, "s", 1.05, floor)
    report(f"rate-limited bulk: 429 answers ({windows} windows)", float(statuses[429]), "", windows, None)
    print(f"     wall time {wall:.1f} s; answers by status: {dict(sorted(statuses.items(), key=str))}")


if __name__ == "__main__":
    bench_ratelimit_bulk()
