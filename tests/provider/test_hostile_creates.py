"""Creates whose answer a hostile server mangles: never two subscriptions.

When the server in front of LaunchDarkly lets the POST through and then answers it with a huge body,
a bomb, a drip or a stall, the create's outcome is unknown: recovery lists, finds what this POST
made, and the emulator holds exactly one. When the POST never reached LaunchDarkly, recovery finds
nothing, sends it once more, and there is one; when that one is mangled too, there are none and the
message says how to settle it. The budget is short here (4 s, read timeout 2 s, recovery 1 s) to keep
the suite fast; the refresh tests use the issue's 10 s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from hostile_harness import COLLECTION, PEAK_RSS_LIMIT_MIB, failure_text, provider_behind, timed
from provider_harness import TOKEN, EngineDrivenProvider, calls, datadog

from pulumi_ld_auditsubs.testing import Emulator
from pulumi_ld_auditsubs.testing.hostile import HostileKind, HostileServer

BUDGET = 4.0
RECOVERY = 1.0


@pytest.fixture(scope="module")
def hostile(emulator: Emulator) -> Iterator[HostileServer]:
    with HostileServer(emulator.url, drip_interval=0.5) as server:
        yield server


@pytest.fixture(scope="module")
def provider(hostile: HostileServer) -> Iterator[EngineDrivenProvider]:
    engine = provider_behind(
        hostile,
        retryTimeoutSeconds=f"{BUDGET:g}",
        readTimeoutSeconds="2",
        createRecoverySeconds=f"{RECOVERY:g}",
    )
    yield engine
    assert TOKEN not in engine.close()


@pytest.fixture(autouse=True)
def _no_hostile_answer_left(hostile: HostileServer) -> Iterator[None]:
    hostile.clear()
    yield
    hostile.clear()


def named(emulator: Emulator, name: str) -> list[dict[str, Any]]:
    return [s for s in emulator.subscriptions("datadog") if s["name"] == name]


KINDS: list[HostileKind] = ["huge", "huge_chunked", "gzip_bomb", "deflate_bomb", "drip", "stall"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_create_whose_answer_is_mangled_finds_the_one_it_made(
    provider: EngineDrivenProvider, hostile: HostileServer, emulator: Emulator, kind: HostileKind
) -> None:
    name = f"created, answer mangled: {kind}"
    hostile.answer("POST", COLLECTION, kind)

    with timed() as took:
        created = provider.create(provider.checked(datadog(name=name)))

    assert [s["_id"] for s in named(emulator, name)] == [created.outputs["subscriptionId"]]
    assert [m for m, _ in calls(emulator)] == ["POST", "GET"]  # the POST, then recovery's list: no re-POST
    assert took.seconds < BUDGET + RECOVERY + 15
    assert provider.peak_rss_mib() < PEAK_RSS_LIMIT_MIB


@pytest.mark.parametrize("kind", ["stall", "huge"])
def test_a_create_mangled_before_it_reached_launchdarkly_is_sent_once_more_and_made_once(
    provider: EngineDrivenProvider, hostile: HostileServer, emulator: Emulator, kind: HostileKind
) -> None:
    name = f"never reached LaunchDarkly: {kind}"
    hostile.answer("POST", COLLECTION, kind, forward=False)

    created = provider.create(provider.checked(datadog(name=name)))

    assert [s["_id"] for s in named(emulator, name)] == [created.outputs["subscriptionId"]]
    posts = [kind for method, _, kind in hostile.served if method == "POST"]
    assert posts == [kind, "relayed"]  # the one re-POST, after a whole recovery window found nothing
    assert provider.peak_rss_mib() < PEAK_RSS_LIMIT_MIB


def test_a_create_mangled_every_time_leaves_none_and_says_how_to_settle_it(
    provider: EngineDrivenProvider, hostile: HostileServer, emulator: Emulator
) -> None:
    name = "every answer mangled"
    hostile.answer("POST", COLLECTION, "gzip_bomb", forward=False, times=None)

    with pytest.raises(grpc.RpcError) as caught:
        provider.create(provider.checked(datadog(name=name)))

    text = failure_text(caught)
    assert "larger than the cap of 32 MiB" in text and "the subscription may have been created" in text
    assert "The outcome is unknown" in text and "it is not sent a third time" in text
    assert f"named '{name}' created after" in text and 'adopt_id="datadog/<its id>"' in text
    assert [kind for method, _, kind in hostile.served if method == "POST"] == ["gzip_bomb", "gzip_bomb"]
    assert named(emulator, name) == []
