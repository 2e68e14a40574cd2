"""Fixtures: one emulator and one engine-driven provider process per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from provider_harness import TOKEN, EngineDrivenProvider

from pulumi_ld_auditsubs.testing import Emulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,), read_only_tokens=("api-read-only",)) as server:
        yield server


@pytest.fixture(scope="module")
def engine(emulator: Emulator) -> Iterator[EngineDrivenProvider]:
    provider = EngineDrivenProvider(
        {"launchdarkly:accessToken": TOKEN, "launchdarkly:apiHost": emulator.url},
        secret_keys=("launchdarkly:accessToken",),
    )
    yield provider
    stderr = provider.close()
    assert TOKEN not in stderr


@pytest.fixture(autouse=True)
def _fresh_request_log(request: pytest.FixtureRequest) -> None:
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").clear_requests()
