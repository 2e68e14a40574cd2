"""Speed and memory targets, measured: ``python benchmarks/run.py`` (``--help`` for sizes).

Prints a table of figures, each with its floor (the time the work cannot go below) and the ratio to
it, and exits non-zero when a ratio exceeds its target by more than the noise margin measured in the
same run (two timings of the same idempotent work). These are numbers to watch between releases,
deliberately kept out of the test suite (no timed assertions in tests). Everything runs locally
against the bundled emulator.

* provider: one ``python -m pulumi.dynamic`` process driven from 4 threads (as the engine does),
  the emulator (in a process of its own) answering in 20 ms: N creates, reads and deletes, each
  within 1.1x of N x 20 ms / 4; the same through the same server with ``NullProvider`` (the SDK
  server's own floor) and ``PlainRequestsProvider`` (one unchecked request per call; this
  provider within 1.1x of it), see ``null_provider.py``; and one provider call over raw
  ``requests`` with no latency;
* plugin: the native plugin's creates with 16 in flight (within 1.3x of N x 20 ms / 16) and 32 at
  500 ms latency (within 4x the latency), the dynamic provider beside each (``plugin_parallel.py``);
* engine: the local engine on a program of N independent subscriptions: ``up``, ``refresh`` and
  ``destroy`` each within 1.3x of (the same stack's no-change ``preview`` + N x 20 ms / 4), and the
  no-change preview's time per resource;
* the pure functions, the emulator's throughput and memory.
* ratelimit: 100 creates from 4 threads at 10 requests per 10 s per route, within 1.05x of the
  90 s floor, with no failure, no duplicate and no more 429s than windows (``ratelimit_bulk.py``).

A full run (engine at 100 and 500) takes a few minutes; ``--sizes 100`` is the quick one.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests
from null_provider import LATENCY_ENV, TOKEN_ENV, URL_ENV, NullProvider, PlainRequestsProvider
from plugin_parallel import bench_plugin_parallel
from pulumi.dynamic import ResourceProvider
from ratelimit_bulk import TOKEN, bench_ratelimit_bulk

from pulumi_ld_auditsubs.rules import models
from pulumi_ld_auditsubs.rules.catalog import load_catalog
from pulumi_ld_auditsubs.rules.coverage import matches
from pulumi_ld_auditsubs.rules.models import check_inputs, desired_document
from pulumi_ld_auditsubs.rules.patch import subscription_patch
from pulumi_ld_auditsubs.testing import Emulator, LocalEngine
from pulumi_ld_auditsubs.testing.engine.values import from_struct
from pulumi_ld_auditsubs.testing.provider_process import Created, EngineDrivenProvider, urn
from pulumi_ld_auditsubs.testing.provider_process import datadog_inputs as datadog

HERE = Path(__file__).resolve().parent
BULK_PROGRAM = HERE / "programs" / "bulk"
PROVIDER_THREADS = 4
"""The dynamic provider server's worker threads (``pulumi/dynamic/__main__.py``)."""
MIN_NOISE = 0.05


@dataclass
class Figure:
    """One measured figure; ``floor`` and ``target`` make it a ratio figure."""

    name: str
    value: float
    unit: str
    target: float | None
    """None: informational, reported but never failing the run."""
    floor: float | None = None
    lower_is_better: bool = True
    noise: float = 0.0

    @property
    def ratio(self) -> float | None:
        return None if self.floor is None else self.value / self.floor

    @property
    def ok(self) -> bool:
        if self.target is None:
            return True
        measured = self.ratio if self.ratio is not None else self.value
        if self.lower_is_better:
            return measured <= self.target * (1 + self.noise)
        return measured >= self.target * (1 - self.noise)


RESULTS: list[Figure] = []


def record(figure: Figure) -> None:
    """Keep a figure and print its row as soon as it is measured."""
    RESULTS.append(figure)
    floor = "-" if figure.floor is None else f"{figure.floor:9.2f}"
    ratio = "-" if figure.ratio is None else f"{figure.ratio:5.2f}x"
    comparison = "<=" if figure.lower_is_better else ">="
    if figure.target is None:
        target = "(informational)"
    else:
        target = f"{comparison} {figure.target:g}" + ("x" if figure.floor is not None else f" {figure.unit}")
    margin = f" (+{figure.noise:.0%} noise)" if figure.noise else ""
    print(
        f"{'ok  ' if figure.ok else 'MISS'} {figure.name:<58} {figure.value:9.2f} {figure.unit:<6}"
        f" floor {floor:>9} ratio {ratio:>6} target {target}{margin}",
        flush=True,
    )


def noise_of(first: float, second: float) -> float:
    """Relative spread of two timings of the same work (at least ``MIN_NOISE``)."""
    return max(MIN_NOISE, abs(first - second) / max(min(first, second), 1e-9))


def per_call(fn: Callable[[], Any], repeat: int) -> float:
    """Microseconds per call: the fastest of seven rounds, the garbage collector paused.

    As ``timeit`` does: slower rounds measure other work on the machine, not the code, and a
    collection of this process's large heap (the SDK, gRPC and the harness are loaded) lands on
    whichever call happens to allocate. With the median of five rounds and the collector running,
    the same call read 28 and 50 us in consecutive runs.
    """
    rounds = []
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(7):
            start = time.perf_counter()
            for _ in range(repeat):
                fn()
            rounds.append((time.perf_counter() - start) / repeat * 1e6)
    finally:
        if collecting:
            gc.enable()
    return min(rounds)


def wall(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# -- pure functions ---------------------------------------------------------------------------------


REALISTIC_STATEMENTS: list[dict[str, Any]] = [
    {"effect": "allow", "actions": ["*"], "resources": ["proj/*:env/production:flag/*"]},
    {
        "effect": "allow",
        "actions": [
            "updateOn",
            "updateRules",
            "updateFallthrough",
            "updateTargets",
            "createFlag",
            "deleteFlag",
        ],
        "resources": ["proj/web:env/*:flag/*;release", "proj/mobile:env/*;{critical:true}:flag/*"],
    },
    {
        "effect": "allow",
        "actions": ["update*", "createSegment"],
        "resources": ["proj/*:env/production:segment/*"],
    },
    {"effect": "allow", "actions": ["*"], "resources": ["acct", "member/*", "role/*", "member/*:token/*"]},
    {"effect": "deny", "notActions": ["updateOn"], "resources": ["proj/sandbox:env/*:flag/*"]},
]
"""What a careful subscription holds: flag, segment and account-level events, one deny."""


def bench_pure() -> None:
    catalog = load_catalog()
    props = datadog()
    record(
        Figure(
            "check_inputs (datadog)", per_call(lambda: check_inputs(props, catalog=catalog), 2000), "us", 50
        )
    )
    realistic = datadog(statements=REALISTIC_STATEMENTS)
    with _policy_checks_off():  # the same inputs without the policy-language checks: their cost
        unchecked = per_call(lambda: check_inputs(realistic, catalog=catalog), 2000)
    value = per_call(lambda: check_inputs(realistic, catalog=catalog), 2000)
    record(Figure("check_inputs (datadog, 5 realistic statements)", value, "us", 1.2, floor=unchecked))
    hundred = REALISTIC_STATEMENTS * 20
    resource = "proj/web;mobile:env/production:flag/checkout;beta"
    value = per_call(lambda: matches(hundred, resource, "updateOn"), 1000)
    record(Figure("coverage.matches over 100 statements", value, "us", 1000))
    integration = catalog["datadog"]
    old = desired_document(props, integration)
    new = desired_document(datadog(name="other", tags=["a"], on=False), integration)
    value = per_call(lambda: subscription_patch(old, new), 5000)
    record(Figure("subscription_patch (3 changed fields)", value, "us", 30))


@contextmanager
def _policy_checks_off() -> Iterator[None]:
    """``check_inputs`` as it was before statements were checked against the policy language."""
    # models imports the two checks by name (not re-exported), so they are swapped in its namespace.
    namespace = vars(models)
    saved = namespace["resource_problem"], namespace["action_problem"]
    namespace["resource_problem"] = namespace["action_problem"] = lambda *_args: None
    try:
        yield
    finally:
        namespace["resource_problem"], namespace["action_problem"] = saved


# -- the provider process -------------------------------------------------------------------------


def _engine(
    url: str, env: dict[str, str] | None = None, provider: ResourceProvider | None = None
) -> EngineDrivenProvider:
    return EngineDrivenProvider(
        {"launchdarkly:accessToken": TOKEN, "launchdarkly:apiHost": url},
        secret_keys=("launchdarkly:accessToken",),
        env=env,
        provider=provider,
    )


def _fan_out(items: Sequence[Any], fn: Callable[[Any], Any]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=PROVIDER_THREADS) as pool:
        return list(pool.map(fn, items))


@contextmanager
def emulator_process(latency_ms: float) -> Iterator[str]:
    """The emulator in a process of its own, as LaunchDarkly is: its CPU is not the provider's."""
    command = [sys.executable, "-m", "pulumi_ld_auditsubs", "emulator", "--port", "0", "--quiet"]
    command += ["--token", TOKEN, "--latency-ms", str(latency_ms)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            yield process.stdout.readline().strip()
        finally:
            process.terminate()


def _reference_engine(url: str, latency_ms: float, provider: ResourceProvider) -> EngineDrivenProvider:
    """The same server and harness around a :mod:`null_provider` class (importable by the child)."""
    path = os.pathsep.join(filter(None, (str(HERE), os.environ.get("PYTHONPATH"))))
    env = {"PYTHONPATH": path, LATENCY_ENV: str(latency_ms), URL_ENV: url, TOKEN_ENV: TOKEN}
    return _engine(url, env=env, provider=provider)


class StepTimes(NamedTuple):
    """Seconds for each step over every input (read twice: the two reads give the noise)."""

    create: float
    read: float
    read_again: float
    delete: float


def _timed_steps(engine: EngineDrivenProvider, inputs: list[dict[str, Any]]) -> StepTimes:
    """Create, read twice and delete every input from 4 threads.

    Requests (the host's own, as the engine builds them) are serialized before the clock starts
    and answers decoded after it stops, as the real engine does that work in Go, outside the
    provider's process.
    """
    host, stub, props = engine.host, engine.host.stub(), engine.with_provider
    creates = [host.create_request(urn(f"s{n}"), props(i)) for n, i in enumerate(inputs)]
    started = time.perf_counter()
    answers = _fan_out(creates, stub.Create)
    create_s = time.perf_counter() - started
    created = [(answer.id, from_struct(answer.properties)) for answer in answers]
    reads = [
        host.read_request(urn(f"s{n}"), id_, props(outputs), props(inputs[n]))
        for n, (id_, outputs) in enumerate(created)
    ]
    deletes = [
        host.delete_request(urn(f"s{n}"), id_, props(outputs), props(inputs[n]))
        for n, (id_, outputs) in enumerate(created)
    ]
    read_s = wall(lambda: _fan_out(reads, stub.Read))
    read_again_s = wall(lambda: _fan_out(reads, stub.Read))
    delete_s = wall(lambda: _fan_out(deletes, stub.Delete))
    return StepTimes(create_s, read_s, read_again_s, delete_s)


def bench_provider_parallel(count: int, latency_ms: float) -> None:
    """N creates, reads and deletes from 4 threads against an emulator answering in ``latency_ms``.

    Measured three times through the same server and harness: with this library's provider, with a
    provider that only waits ``latency_ms`` per call (the SDK server's own floor), and with one that
    sends the same request with plain ``requests`` and checks nothing (:mod:`null_provider`).
    """
    floor = count * latency_ms / 1000 / PROVIDER_THREADS
    with emulator_process(latency_ms) as url:
        engine = _engine(url)
        try:
            inputs = [engine.checked(datadog(name=f"bench {i}")) for i in range(count)]
            ours = _timed_steps(engine, inputs)
        finally:
            engine.close()
        references: dict[str, StepTimes] = {}
        for label, provider in (("sdk", NullProvider()), ("plain", PlainRequestsProvider())):
            reference = _reference_engine(url, latency_ms, provider)
            try:
                references[label] = _timed_steps(reference, inputs)
            finally:
                reference.close()
    noise = noise_of(ours.read, ours.read_again)
    label = f"provider {{}} x{count}, {PROVIDER_THREADS} threads, {latency_ms:g} ms API"
    for step in ("create", "read", "delete"):
        seconds = getattr(ours, step)
        sdk, plain = getattr(references["sdk"], step), getattr(references["plain"], step)
        record(Figure(label.format(step), seconds, "s", 1.1, floor=floor, noise=noise))
        record(Figure(f"  SDK server alone (NullProvider) {step}", sdk, "s", None, floor=floor))
        record(Figure(f"  plain requests provider {step}", plain, "s", None, floor=floor))
        record(
            Figure(
                f"  provider {step} vs plain requests provider", seconds, "s", 1.1, floor=plain, noise=noise
            )
        )


def bench_provider_overhead(count: int = 200) -> None:
    """One provider call vs the same request made with raw ``requests``, no latency."""
    with Emulator(tokens=(TOKEN,)) as emulator:
        session = requests.Session()
        session.headers["Authorization"] = TOKEN
        body = {"name": "raw", "config": {"apiKey": "k" * 32}, "statements": datadog()["statements"]}
        url = emulator.url + "/api/v2/integrations/datadog"

        def post() -> None:
            session.post(url, json=body, timeout=10).raise_for_status()

        raw_post = [wall(post) for _ in range(count)]
        ids = [item["_id"] for item in session.get(url, timeout=10).json()["items"]]

        def get(subscription_id: str) -> None:
            session.get(f"{url}/{subscription_id}", timeout=10).raise_for_status()

        raw_get = [wall(partial(get, i)) for i in ids]
        engine = _engine(emulator.url)
        try:
            inputs = engine.checked(datadog(name="overhead"))
            made: list[Created] = []

            def create_one() -> None:
                made.append(engine.create(inputs))

            create = [wall(create_one) for _ in range(count)]

            def read_one(created: Created) -> None:
                engine.read(created.id, created.outputs, inputs)

            read = [wall(partial(read_one, c)) for c in made]
        finally:
            engine.close()
    for step, ours, raw in (("create", create, raw_post), ("read", read, raw_get)):
        record(
            Figure(
                f"provider {step} vs raw requests, 0 ms API (median)",
                statistics.median(ours) * 1000,
                "ms",
                None,
                floor=statistics.median(raw) * 1000,
            )
        )


# -- the local engine -----------------------------------------------------------------------------


def bench_engine(count: int, latency_ms: float, parallel: int | None) -> None:
    """``up``, no-change ``preview``, ``refresh``, ``destroy`` of N subscriptions, each a process."""
    extra = [] if parallel is None else ["--parallel", str(parallel)]
    with Emulator(tokens=(TOKEN,), latency_ms=latency_ms) as emulator, tempfile.TemporaryDirectory() as state:
        engine = LocalEngine(
            BULK_PROGRAM,
            "bench",
            state_dir=state,
            config={
                "count": str(count),
                "launchdarkly:apiHost": emulator.url,
                "datadogApiKey": "dd-bench-key",
            },
            env={"LAUNCHDARKLY_ACCESS_TOKEN": TOKEN, "PULUMI_CONFIG_PASSPHRASE": "bench"},
            timeout=1800,
        )

        def run(operation: str) -> float:
            start = time.perf_counter()
            engine.run(operation, extra_args=extra).check()
            return time.perf_counter() - start

        up = run("up")
        if len(emulator.subscriptions("datadog")) != count:
            raise RuntimeError(f"up left {len(emulator.subscriptions('datadog'))} subscriptions, not {count}")
        previews = [run("preview"), run("preview")]
        refresh = run("refresh")
        destroy = run("destroy")
    preview = min(previews)
    noise = noise_of(*previews)
    floor = preview + count * latency_ms / 1000 / PROVIDER_THREADS
    record(
        Figure(
            f"engine no-change preview x{count}, per resource",
            preview / count * 1000,
            "ms",
            None,
        )
    )
    for operation, seconds in (("up", up), ("refresh", refresh), ("destroy", destroy)):
        label = f"engine {operation} x{count} ({latency_ms:g} ms API; floor = preview + N x {latency_ms:g}/4)"
        record(Figure(label, seconds, "s", 1.3, floor=floor, noise=noise))


# -- the emulator ---------------------------------------------------------------------------------


def bench_emulator(seconds: float = 2.0) -> None:
    """GET list throughput over one kept-alive connection.

    The client is ``http.client``, not ``requests``: requests spends about 1.5 ms of its own per
    call on this machine (it re-reads every proxy variable of the environment), which would measure
    the client rather than the emulator.
    """
    with Emulator(tokens=(TOKEN,)) as emulator:
        parts = urlsplit(emulator.url)
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
        headers = {"Authorization": TOKEN}
        done, deadline = 0, time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            connection.request("GET", "/api/v2/integrations/msteams", headers=headers)
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"the emulator answered HTTP {answer.status}")
            done += 1
        connection.close()
    record(
        Figure(
            "emulator GET list, one keep-alive client", done / seconds, "req/s", 1000, lower_is_better=False
        )
    )


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
    record(Figure(f"emulator memory with {count} subscriptions", current / 1e6, "MB", 32))


GROUPS = ("pure", "provider", "plugin", "engine", "emulator", "ratelimit")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", choices=GROUPS, action="append", help="run only these groups (repeatable)")
    parser.add_argument(
        "--sizes", default="100,500", help="engine stack sizes, comma-separated (default 100,500)"
    )
    parser.add_argument("--provider-count", type=int, default=500, help="provider operations per step (500)")
    parser.add_argument(
        "--latency-ms", type=float, default=20.0, help="emulator latency for the ratio figures"
    )
    parser.add_argument(
        "--parallel", type=int, default=None, help="local engine --parallel (default: its own)"
    )
    args = parser.parse_args(argv)
    groups = set(args.only or GROUPS)
    if "pure" in groups:
        bench_pure()
    if "provider" in groups:
        bench_provider_parallel(args.provider_count, args.latency_ms)
        bench_provider_overhead()
    if "plugin" in groups:  # the native plugin's concurrency (plugin_parallel.py)
        bench_plugin_parallel(emulator_process, TOKEN, lambda *fields: record(Figure(*fields)))
    if "engine" in groups:
        for size in (int(s) for s in args.sizes.split(",") if s.strip()):
            bench_engine(size, args.latency_ms, args.parallel)
    if "emulator" in groups:
        bench_emulator()
        bench_emulator_memory()
    if "ratelimit" in groups:  # about 90 s: 100 creates under 10 requests per 10 s (ratelimit_bulk.py)
        bench_ratelimit_bulk(lambda *fields: record(Figure(*fields)))
    missed = [figure.name for figure in RESULTS if not figure.ok]
    targets = [figure for figure in RESULTS if figure.target is not None]
    print(f"{len(targets) - len(missed)} of {len(targets)} targets met")
    for name in missed:
        print(f"MISSED: {name}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
