"""Fixtures for the local-engine tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import Toy


@pytest.fixture(autouse=True)
def _no_ambient_passphrase(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    monkeypatch.delenv("PULUMI_LOCAL_CONFIG_TOYPROG_TOKEN", raising=False)
    yield


@pytest.fixture
def toy(tmp_path: Path) -> Toy:
    return Toy(tmp_path)
