"""Two LaunchDarkly accounts: one emulator each, with its own token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_ld_auditsubs.testing import Emulator

from .support import EU_TOKEN, US_TOKEN, Accounts


@pytest.fixture
def accounts() -> Iterator[Accounts]:
    with Emulator(tokens=(US_TOKEN,)) as us, Emulator(tokens=(EU_TOKEN,)) as eu:
        yield Accounts(us=us, eu=eu)
