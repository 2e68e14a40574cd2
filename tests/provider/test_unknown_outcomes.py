"""Creates whose outcome is unknown, injected through the emulator, over the real provider process.

The provider must find the subscription *this* POST made, never take over one that existed before,
refuse to choose between several, re-send the POST at most once (only after a whole recovery window
found nothing), and say what to do when it cannot know.
The provider here runs with a 0.5 s read timeout and a 1 s recovery wait, so the slow cases are fast.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import requests
from provider_harness import TOKEN, EngineDrivenProvider, calls, datadog

from pulumi_ld_auditsubs.testing import Emulator
from pulumi_ld_auditsubs.testing.emulator.store import STATE_FORMAT, STATE_VERSION

COLLECTION = "/api/v2/integrations/datadog"
FAST = {"ld-auditsubs:readTimeoutSeconds": "0.5", "ld-auditsubs:createRecoverySeconds": "1"}


def fast_provider(emulator: Emulator) -> EngineDrivenProvider:
    return EngineDrivenProvider(
        {"launchdarkly:accessToken": TOKEN, "launchdarkly:apiHost": emulator.url, **FAST},
        secret_keys=("launchdarkly:accessToken",),
    )


@pytest.fixture(scope="module")
def fast(emulator: Emulator) -> Iterator[EngineDrivenProvider]:
    provider = fast_provider(emulator)
    yield provider
    assert TOKEN not in provider.close()


def named(emulator: Emulator, name: str) -> list[dict[str, Any]]:
    return [s for s in emulator.subscriptions("datadog") if s["name"] == name]


def by_hand(emulator: Emulator, props: dict[str, Any]) -> str:
    """A subscription made in LaunchDarkly's UI (or by another stack): same document, not ours."""
    body = {k: props[k] for k in ("name", "config", "statements", "on", "tags")}
    headers = {"Authorization": emulator.token}
    response = requests.post(emulator.url + COLLECTION, json=body, headers=headers, timeout=10)
    response.raise_for_status()
    return str(response.json()["_id"])


def failure_text(caught: pytest.ExceptionInfo[grpc.RpcError]) -> str:
    return caught.value.details() or ""


@pytest.mark.parametrize(
    "garbling",
    [
        {"action": "drop_after"},
        {"action": "garble", "raw_body": b""},
        {"action": "garble", "raw_body": b"<html>created</html>", "content_type": "text/html"},
        {"action": "garble", "body": []},
        {"action": "garble", "body": {"_id": None}},
        {"action": "garble", "body": {"_id": ""}},
        {"action": "garble", "body": {"_id": "../.."}},
        {"action": "garble", "body": {"_id": "datadog/65f0c0ffee0123456789abcd"}},
    ],
    ids=["dropped", "empty", "html", "list", "id-null", "id-empty", "id-dotdot", "id-slash"],
)
def test_lost_or_unusable_answer_finds_what_this_post_made(
    fast: EngineDrivenProvider, emulator: Emulator, garbling: dict[str, Any]
) -> None:
    name = f"unusable answer {garbling}"
    emulator.inject_fault("POST", COLLECTION, **garbling)

    created = fast.create(fast.checked(datadog(name=name)))

    assert calls(emulator) == [("POST", COLLECTION), ("GET", COLLECTION)]
    assert [s["_id"] for s in named(emulator, name)] == [created.outputs["subscriptionId"]]
    assert created.id == f"datadog/{created.outputs['subscriptionId']}"


def test_server_finishing_after_the_client_gave_up_is_found_by_relisting(
    fast: EngineDrivenProvider, emulator: Emulator
) -> None:
    name = "completed after the read timeout"
    emulator.inject_fault("POST", COLLECTION, action="act_late", delay=0.8)

    created = fast.create(fast.checked(datadog(name=name)))

    methods = [m for m, _ in calls(emulator)]  # recorded when answered: the late POST may come last
    assert methods.count("POST") == 1 and methods.count("GET") >= 1 and set(methods) == {"POST", "GET"}
    assert [s["_id"] for s in named(emulator, name)] == [created.outputs["subscriptionId"]]


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500},
        {"status": 502, "raw_body": b"<html>Bad gateway</html>", "content_type": "text/html"},
        {"status": 504, "raw_body": b"<html>Gateway timeout</html>", "content_type": "text/html"},
        {"action": "drop_before"},
    ],
    ids=["500", "502-page", "504", "dropped-before-acting"],
)
def test_one_transient_fault_that_created_nothing_never_fails_the_create(
    fast: EngineDrivenProvider, emulator: Emulator, fault: dict[str, Any]
) -> None:
    """Recovery lists through its whole window, finds nothing, and POSTs once more: the `up` succeeds."""
    name = f"transient {fault}"
    emulator.inject_fault("POST", COLLECTION, **fault)

    created = fast.create(fast.checked(datadog(name=name)))

    methods = [m for m, _ in calls(emulator)]
    assert methods[0] == "POST" and methods[-1] == "POST" and methods.count("POST") == 2
    assert set(methods[1:-1]) == {"GET"}  # the recovery window's lists, between the two POSTs
    assert [s["_id"] for s in named(emulator, name)] == [created.outputs["subscriptionId"]]


def test_the_re_post_is_a_warning_in_the_log_the_engine_shows(emulator: Emulator) -> None:
    """The README's limit of the one re-POST says each one is logged: the user can look for a twin."""
    name = "re-post logged"
    emulator.inject_fault("POST", COLLECTION, status=500)
    provider = fast_provider(emulator)
    try:
        created = provider.create(provider.checked(datadog(name=name)))
    finally:
        stderr = provider.close()

    warnings = [line for line in stderr.splitlines() if line.startswith("WARNING: pulumi-ld-auditsubs:")]
    assert len(warnings) == 1
    assert f"create of '{name}'" in warnings[0] and "HTTP 500" in warnings[0]
    assert "no matching subscription appeared within 1 s, so the POST is sent once more" in warnings[0]
    assert TOKEN not in stderr
    assert [s["_id"] for s in named(emulator, name)] == [created.outputs["subscriptionId"]]


def test_a_fault_on_the_second_post_too_fails_saying_what_to_check_and_never_posts_a_third_time(
    fast: EngineDrivenProvider, emulator: Emulator
) -> None:
    name = "gateway twice"
    emulator.inject_fault("POST", COLLECTION, status=502, raw_body=b"<html>Bad gateway</html>", times=2)

    with pytest.raises(grpc.RpcError) as caught:
        fast.create(fast.checked(datadog(name=name)))

    text = failure_text(caught)
    assert "sent once more after 1 s of finding nothing" in text and "The outcome is unknown" in text
    assert "it is not sent a third time" in text
    assert f"named '{name}' created after" in text and 'adopt_id="datadog/<its id>"' in text
    assert [m for m, _ in calls(emulator)].count("POST") == 2
    assert named(emulator, name) == []
    # The user checked: there is none. Re-running `up` creates exactly one.
    fast.create(fast.checked(datadog(name=name)))
    assert len(named(emulator, name)) == 1


def test_identical_subscription_that_existed_before_is_never_taken_over(tmp_path: Path) -> None:
    """Made by hand an hour ago: same name, config and statements; the POST is lost at a gateway."""
    props = datadog(name="made by hand, identical")
    with Emulator(tokens=(TOKEN,)) as scratch:
        by_hand(scratch, props)
        document = scratch.subscriptions("datadog")[0]
    hour_ago = int(time.time()) - 3600
    old_id = f"{hour_ago:08x}{document['_id'][8:]}"
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            {"format": STATE_FORMAT, "version": STATE_VERSION, "subscriptions": [{**document, "_id": old_id}]}
        )
    )
    with Emulator(tokens=(TOKEN,), state_file=state) as emulator:
        provider = fast_provider(emulator)
        try:
            emulator.inject_fault("POST", COLLECTION, status=502)
            reposted = provider.create(provider.checked(props))  # nothing found: POSTed once more
            emulator.inject_fault("POST", COLLECTION, action="drop_after")
            created = provider.create(provider.checked(props))  # found what it made, not the old one
        finally:
            provider.close()
        ids = [s["_id"] for s in emulator.subscriptions("datadog")]
    assert old_id not in (reposted.outputs["subscriptionId"], created.outputs["subscriptionId"])
    assert ids == [old_id, reposted.outputs["subscriptionId"], created.outputs["subscriptionId"]]


def test_several_candidates_fail_listing_them_and_how_to_keep_one(
    fast: EngineDrivenProvider, emulator: Emulator
) -> None:
    props = datadog(name="made by hand a moment before")
    other = by_hand(emulator, props)
    emulator.clear_requests()
    emulator.inject_fault("POST", COLLECTION, action="drop_after")

    with pytest.raises(grpc.RpcError) as caught:
        fast.create(fast.checked(props))

    ids = [s["_id"] for s in named(emulator, props["name"])]
    assert len(ids) == 2 and other in ids
    text = failure_text(caught)
    assert all(id_ in text for id_ in ids)
    assert "cannot tell which one is its own, so it took none" in text
    assert 'set adopt_id="datadog/<id>"' in text and "delete the others" in text
    assert [m for m, _ in calls(emulator)] == ["POST", "GET"]


def test_first_post_landing_while_the_second_is_lost_is_found_not_duplicated(
    fast: EngineDrivenProvider, emulator: Emulator
) -> None:
    """The second POST's recovery counts from the first POST's time, so a late first POST is seen.

    POST 1 times out and lands 2 s after it was sent (after the 1 s window found nothing); POST 2
    never reaches the state (dropped before acting). The second window finds exactly POST 1's.
    """
    name = "landed during the second window"
    emulator.inject_fault("POST", COLLECTION, action="act_late", delay=2.0)
    emulator.inject_fault("POST", COLLECTION, action="drop_before")

    created = fast.create(fast.checked(datadog(name=name)))

    assert [s["_id"] for s in named(emulator, name)] == [created.outputs["subscriptionId"]]
    assert [m for m, _ in calls(emulator)].count("POST") == 2


def test_identical_resources_created_concurrently_each_get_their_own(
    fast: EngineDrivenProvider, emulator: Emulator
) -> None:
    """Two resources of one stack declaring the same subscription; the first POST's answer is lost."""
    from concurrent.futures import ThreadPoolExecutor

    props = datadog(name="declared twice in one stack")
    emulator.inject_fault("POST", COLLECTION, action="drop_after")
    inputs = fast.checked(props)
    with ThreadPoolExecutor(max_workers=2) as pool:
        created = list(pool.map(lambda i: fast.create(inputs, name=f"twin{i}"), range(2)))

    ids = sorted(c.outputs["subscriptionId"] for c in created)
    assert ids == sorted(s["_id"] for s in named(emulator, props["name"]))
    assert len(set(ids)) == 2


def test_identical_subscription_made_a_moment_before_the_post_is_never_taken(
    fast: EngineDrivenProvider, emulator: Emulator
) -> None:
    """Another stack made the same subscription a second before our POST, which was lost unacted."""
    props = datadog(name="identical, made a second before by another stack")
    other = by_hand(emulator, props)
    emulator.clear_requests()
    time.sleep(1.05)  # ids have one-second resolution: the POST goes out in a later second
    emulator.inject_fault("POST", COLLECTION, action="drop_before")

    with pytest.raises(grpc.RpcError) as caught:
        fast.create(fast.checked(props))

    text = failure_text(caught)
    assert other in text and "took none and sent nothing more" in text
    assert f'adopt_id="datadog/{other}"' in text
    assert [s["_id"] for s in named(emulator, props["name"])] == [other]
    assert [m for m, _ in calls(emulator)].count("POST") == 1
