"""Suite-wide collection order and xdist grouping (``-n auto --dist loadgroup`` in pyproject.toml).

loadgroup hands ungrouped tests to the workers one at a time, in collection order, after the
groups. Two things keep both workers busy to the end:

- a module whose tests share an expensive module-scoped fixture (an engine-driven provider
  process, one mypy run over the typing samples) is one group, so that fixture starts once;
- the end-to-end tests (a process per local-engine operation) are collected first, so the last
  tests handed out are the quick ones and no worker is left finishing a 10 s test alone.
"""

from __future__ import annotations

import pytest

GROUPED_BY_MODULE = ("tests/provider/", "tests/typing/")
"""Modules under these directories run on one worker each (module-scoped processes)."""

SLOW_FIRST = ("tests/programs/", "tests/engine/", "tests/export/", "tests/lookups/", "tests/resource/")
"""End-to-end directories, handed out first, slowest kind first."""


def _rank(item: pytest.Item) -> int:
    path = item.nodeid
    return next((i for i, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), len(SLOW_FIRST))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.pluginmanager.hasplugin("xdist"):  # the marker is xdist's (-p no:xdist runs serially)
        for item in items:
            if item.nodeid.startswith(GROUPED_BY_MODULE):
                item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
    items.sort(key=_rank)  # stable: the order within each directory stays as collected
