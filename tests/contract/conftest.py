"""Fixtures for the contract tests: an emulator per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_ld_auditsubs.testing import Emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(read_only_tokens=("api-read-only",)) as running:
        yield running
