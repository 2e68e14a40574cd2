"""The client's bounds over real sockets: the answer-size cap is the user's setting, the deadline also
covers an answer whose status line and headers drip in, and the watchdog never cuts a kept-alive
connection that has moved on to another exchange."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from pulumi_ld_auditsubs.api.bounded import WATCHDOG
from pulumi_ld_auditsubs.api.client import LaunchDarklyClient, RateLimitWindows, RetryPolicy, client_for
from pulumi_ld_auditsubs.api.settings import ProviderSettings
from pulumi_ld_auditsubs.errors import ExchangeDeadlineError, OutcomeUnknownError, ResponseTooLargeError
from pulumi_ld_auditsubs.testing import Emulator

TOKEN = "api-bounds-tests-27182818"
BODY = {
    "name": "bounds test",
    "config": {"url": "https://example.webhook.office.com/webhookb2/abc"},
    "statements": [{"effect": "allow", "actions": ["*"], "resources": ["proj/*"]}],
}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,)) as server:
        yield server


def test_the_cap_is_the_users_setting_and_names_it(emulator: Emulator) -> None:
    settings = ProviderSettings.resolve(
        {
            "launchdarkly:accessToken": TOKEN,
            "launchdarkly:apiHost": emulator.url,
            "ld-auditsubs:maxResponseMiB": "0.001",  # 1048 bytes: one subscription fits, three do not
        },
        {},
    )
    client = client_for(settings)
    client.create_subscription("msteams", BODY)
    assert len(client.list_subscriptions("msteams")) == 1
    for _ in range(2):
        client.create_subscription("msteams", BODY)

    with pytest.raises(ResponseTooLargeError) as caught:
        client.list_subscriptions("msteams")

    text = str(caught.value)
    assert f"GET /api/v2/integrations/msteams: the answer from {emulator.url} is larger than the cap" in text
    assert "0.001 MiB (its Content-Length says" in text
    assert "stack config `ld-auditsubs:maxResponseMiB`" in text and "LD_AUDITSUBS_MAX_RESPONSE_MIB" in text


@pytest.fixture
def dripping_headers() -> Iterator[str]:
    """A server that sends its status line and headers one byte every 0.2 s, and never finishes."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        with listener:
            listener.settimeout(0.2)
            while not stop.is_set():
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    continue
                with connection:
                    connection.recv(65536)
                    for byte in (
                        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Padding: "
                        + b"x" * 10_000
                    ):
                        if stop.wait(0.2):
                            break
                        try:
                            connection.sendall(bytes([byte]))
                        except OSError:
                            break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)


def test_headers_that_drip_in_are_cut_at_the_deadline_too(dripping_headers: str) -> None:
    """Every read returns within the 1 s read timeout; the 2 s budget ends the exchange anyway."""
    client = LaunchDarklyClient(
        dripping_headers,
        TOKEN,
        timeout=(2.0, 1.0),
        retry=RetryPolicy(budget_seconds=2.0),
        rate_limits=RateLimitWindows(),
    )
    started = time.monotonic()
    with pytest.raises(ExchangeDeadlineError) as caught:
        client.get_subscription("msteams", "65f0c0ffee0123456789abcd")
    assert time.monotonic() - started < 2.0 + 10  # generous: a shared machine
    assert "within the retry budget of 2 s" in str(caught.value)
    assert "it had not sent a complete status line and headers" in str(caught.value)

    with pytest.raises(OutcomeUnknownError) as lost:  # a POST cut there may have acted
        client.create_subscription("msteams", BODY)
    assert "the subscription may have been created" in str(lost.value)


def test_kept_alive_connections_outlive_the_deadlines_of_earlier_exchanges() -> None:
    """Each exchange takes 0.1 s against a 0.5 s budget, on connections reused for 2 s in all."""
    with Emulator(tokens=(TOKEN,), latency_ms=100) as emulator:
        client = LaunchDarklyClient(
            emulator.url, TOKEN, retry=RetryPolicy(budget_seconds=0.5), rate_limits=RateLimitWindows()
        )
        created = client.create_subscription("msteams", BODY)
        with ThreadPoolExecutor(max_workers=4) as pool:
            found = list(pool.map(lambda _: client.get_subscription("msteams", created.id).id, range(20)))
        assert found == [created.id] * 20
        assert sum(1 for r in emulator.requests if r.method == "GET") == 20  # none cut, none retried


def test_a_forked_process_still_cuts_at_its_deadline() -> None:
    """The local engine forks operations from a warm interpreter: the child needs its own watchdog."""
    WATCHDOG.disarm(WATCHDOG.arm(time.monotonic() + 0.1))  # the parent's watchdog thread is running
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if its deadline fired
        watch = WATCHDOG.arm(time.monotonic() + 0.2)
        time.sleep(1.0)
        os._exit(0 if watch.fired else 1)
    assert os.waitpid(pid, 0)[1] == 0
