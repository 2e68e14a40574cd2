"""Fixtures: one emulator and one plugin process (the default provider) per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_ld_auditsubs.testing import Emulator
from pulumi_ld_auditsubs.testing.engine.values import wrap_secret
from pulumi_ld_auditsubs.testing.plugin_process import PluginProcess

TOKEN = "api-plugin-tests-0123456789"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,)) as server:
        yield server


@pytest.fixture(scope="module")
def plugin(emulator: Emulator) -> Iterator[PluginProcess]:
    """Configured as the engine configures the default provider from `ld-auditsubs:` stack config."""
    process = PluginProcess()
    process.configure({"accessToken": wrap_secret(TOKEN), "apiHost": emulator.url})
    yield process
    stderr = process.close()
    assert TOKEN not in stderr and TOKEN not in process.engine.text()


@pytest.fixture(autouse=True)
def _fresh_request_log(request: pytest.FixtureRequest) -> None:
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").clear_requests()
