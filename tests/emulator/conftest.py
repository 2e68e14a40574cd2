"""Fixtures for the emulator tests: a fresh emulator per test and a client bound to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_ld_auditsubs.testing import Emulator

from ._support import Api


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    Api.close_all()


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture
def api(emulator: Emulator) -> Iterator[Api]:
    client = Api(emulator)
    yield client
    client.close()
