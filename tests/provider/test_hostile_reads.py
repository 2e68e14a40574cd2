"""A hostile server between the provider process and the emulator answers a refresh (GET) with a huge
body, a gzip or deflate bomb, a drip or a stall: each fails with one clear message, within the retry
budget plus a few seconds, and the provider process stays far below 512 MiB.

The settings are the issue's own (``retryTimeoutSeconds=10``, ``readTimeoutSeconds=5``), under which a
drip at one byte per half second used to run for 200 s and a 4 GiB body took the process to 8.3 GiB.
Times are measured for generous upper bounds (budget + 15 s), never tight ones: the machine is shared.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from hostile_harness import COLLECTION, PEAK_RSS_LIMIT_MIB, failure_text, provider_behind, timed
from provider_harness import TOKEN, Created, EngineDrivenProvider, datadog

from pulumi_ld_auditsubs.testing import Emulator
from pulumi_ld_auditsubs.testing.hostile import HostileKind, HostileServer

BUDGET = 10.0
READ_TIMEOUT = 5.0


@pytest.fixture(scope="module")
def hostile(emulator: Emulator) -> Iterator[HostileServer]:
    with HostileServer(emulator.url, drip_interval=0.5) as server:
        yield server


@pytest.fixture(scope="module")
def provider(hostile: HostileServer) -> Iterator[EngineDrivenProvider]:
    engine = provider_behind(
        hostile, retryTimeoutSeconds=f"{BUDGET:g}", readTimeoutSeconds=f"{READ_TIMEOUT:g}"
    )
    yield engine
    assert TOKEN not in engine.close()


@pytest.fixture(scope="module")
def created(provider: EngineDrivenProvider) -> tuple[Created, dict[str, Any]]:
    inputs = provider.checked(datadog(name="read through a hostile proxy"))
    return provider.create(inputs), inputs


@pytest.fixture(autouse=True)
def _no_hostile_answer_left(
    hostile: HostileServer, created: tuple[Created, dict[str, Any]]
) -> Iterator[None]:
    hostile.clear()
    yield
    hostile.clear()


CAPPED: list[HostileKind] = ["huge", "huge_chunked", "gzip_bomb", "deflate_bomb"]


@pytest.mark.parametrize("kind", CAPPED)
def test_an_answer_past_the_cap_fails_at_once_naming_host_cap_setting_and_what_to_check(
    provider: EngineDrivenProvider,
    hostile: HostileServer,
    created: tuple[Created, dict[str, Any]],
    kind: HostileKind,
) -> None:
    sub, inputs = created
    hostile.answer("GET", f"{COLLECTION}/{sub.outputs['subscriptionId']}", kind, times=None)

    with timed() as took, pytest.raises(grpc.RpcError) as caught:
        provider.read(sub.id, sub.outputs, inputs)

    text = failure_text(caught)
    assert f"the answer from {hostile.url} is larger than the cap of 32 MiB" in text
    assert "ld-auditsubs:maxResponseMiB" in text and "nothing was stored" in text
    assert "a proxy, a captive portal or a load balancer" in text
    assert ("Content-Length says 4294967296 bytes" in text) == (kind == "huge")  # refused unread
    assert took.seconds < BUDGET  # at once: not retried until the budget runs out
    assert provider.peak_rss_mib() < PEAK_RSS_LIMIT_MIB
    assert [k for _, _, k in hostile.served] == [kind]  # one request: the same answer would come again
    hostile.clear()
    assert provider.read(sub.id, sub.outputs, inputs)[0] == sub.id  # nothing poisoned


def test_a_dripped_and_a_stalled_answer_are_each_cut_at_the_retry_budget_with_a_clear_error(
    provider: EngineDrivenProvider, hostile: HostileServer, created: tuple[Created, dict[str, Any]]
) -> None:
    """A drip keeps every socket read under the read timeout; the budget still ends the exchange.

    Both run at once (two subscriptions, the provider serves four calls at a time), so the test
    waits for one budget, not two. Whichever goes first probes the route's rate-limit window; the
    other waits for it only for ``PROBE_PATIENCE_SECONDS``, so it too is cut by its own budget (it
    used to wait behind the stalled probe and fail as "rate-limited" when its test ran first).
    """
    sub, inputs = created
    other = provider.create(provider.checked(datadog(name="stalled through a hostile proxy")))
    hostile.answer("GET", f"{COLLECTION}/{sub.outputs['subscriptionId']}", "drip", times=None)
    hostile.answer("GET", f"{COLLECTION}/{other.outputs['subscriptionId']}", "stall", times=None)

    def refresh(target: Created) -> tuple[float, str]:
        with timed() as took, pytest.raises(grpc.RpcError) as caught:
            provider.read(target.id, target.outputs, inputs)
        return took.seconds, failure_text(caught)

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(refresh, [sub, other]))

    for seconds, text in outcomes:
        assert f"no complete answer from {hostile.url} within the retry budget of 10 s" in text
        assert "ld-auditsubs:retryTimeoutSeconds" in text
        assert "its body had stalled or was arriving too slowly" in text
        assert BUDGET - 1 < seconds < BUDGET + 15
    assert provider.peak_rss_mib() < PEAK_RSS_LIMIT_MIB
    kinds = [kind for _, _, kind in hostile.served]
    assert kinds.count("drip") == 1 and kinds.count("stall") == 2  # the stall tripped the read timeout once
    hostile.clear()
    assert provider.read(sub.id, sub.outputs, inputs)[0] == sub.id
