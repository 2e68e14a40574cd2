"""Suite-wide: collection order and xdist grouping (``-n auto --dist loadgroup`` in pyproject.toml),
and ``LocalEngine`` operations forked from a warm interpreter (tests/engine_forkserver.py).

loadgroup hands ungrouped tests to the workers one at a time, in collection order, after the
groups. Two things keep both workers busy to the end:

- a module whose tests share an expensive module-scoped fixture (an engine-driven provider
  process) is one group, so that fixture starts once; the modules that run mypy on the shared
  .mypy_cache are one group, so they never write it at the same time;
- the end-to-end tests (a process per local-engine operation) are collected first, so the last
  tests handed out are the quick ones and no worker is left finishing a 10 s test alone.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from typing import Any

import engine_forkserver
import pytest

from pulumi_ld_auditsubs.testing.engine import api as engine_api

GROUPED_BY_MODULE = ("tests/provider/", "tests/contract/test_official_client.py")
"""Modules run on one worker each: a provider process per module, the official client's import."""

MYPY_MODULES = ("tests/typing/test_typed_config.py", "tests/packaging/test_readme.py")
"""Modules that run mypy with the checkout's .mypy_cache: one worker, so one mypy at a time writes it."""

SLOW_FIRST = ("tests/programs/", "tests/engine/", "tests/export/", "tests/lookups/", "tests/resource/")
"""End-to-end directories, handed out first, slowest kind first."""


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the CPUs this process may use. Much of the suite waits (on a
    client's timeout, a provider process, a forked operation), and on 2 CPUs 3 workers finish the
    suite about 7% sooner than 2."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cpus + 1


def _rank(item: pytest.Item) -> int:
    path = item.nodeid
    return next((i for i, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), len(SLOW_FIRST))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.pluginmanager.hasplugin("xdist"):  # the marker is xdist's (-p no:xdist runs serially)
        for item in items:
            module = item.nodeid.split("::", 1)[0]
            if module in MYPY_MODULES:
                item.add_marker(pytest.mark.xdist_group("mypy"))
            elif module.startswith(GROUPED_BY_MODULE):
                item.add_marker(pytest.mark.xdist_group(module))
    items.sort(key=_rank)  # stable: the order within each directory stays as collected


class _ForkingSubprocess:
    """The ``subprocess`` module as ``LocalEngine.run`` sees it: its command goes to the fork server."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def run(command: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if engine_forkserver.is_engine_command(command):
            return engine_forkserver.run(command, **kwargs)
        return subprocess.run(command, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def _warm_local_engine() -> Iterator[None]:
    """Every ``LocalEngine`` operation forks from a warm interpreter (see tests/engine_forkserver.py)."""
    if os.environ.get("LD_AUDITSUBS_TESTS_COLD_ENGINE"):
        yield
        return
    patch = pytest.MonkeyPatch()
    patch.setattr(engine_api, "subprocess", _ForkingSubprocess())
    try:
        yield
    finally:
        patch.undo()
        engine_forkserver.close_all()
