"""Suite-wide: collection order and xdist grouping (``-n auto --dist loadgroup`` in pyproject.toml),
and ``LocalEngine`` operations forked from a warm interpreter (tests/engine_forkserver.py).

loadgroup hands ungrouped tests to the workers one at a time, in collection order, after the
groups. Two things keep both workers busy to the end:

- tests that share something expensive run on one worker, as one group (``GROUPS``): a module
  whose tests share a module-scoped fixture (an engine-driven provider process) so that fixture
  starts once; the modules that run mypy on the shared .mypy_cache, so they never write it at the
  same time; the Node.js program tests, so one worker installs ``@pulumi/pulumi`` for them;
- the end-to-end tests (a process per local-engine operation) are collected first, so the last
  tests handed out are the quick ones and no worker is left finishing a 10 s test alone.

The groups are decided here, from the node ID, by the scheduler the controller uses
(:class:`GroupingScheduler`), not by ``xdist_group`` marks: xdist reads a mark's group from a
suffix its worker writes into the node ID, which pytest 9.2 no longer lets it change
(pytest-dev/pytest-xdist#1386), and it writes that suffix before a conftest's collection hook could
add a mark (pytest-dev/pytest-xdist#1253). Either way the marks were silently ignored.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from typing import Any

import engine_forkserver
import pytest
from xdist.scheduler import LoadGroupScheduling

from pulumi_ld_auditsubs.testing.engine import api as engine_api

GROUPS: tuple[tuple[str, str | None], ...] = (
    ("tests/provider/", None),  # a provider process per module
    ("tests/contract/test_official_client.py", None),  # the official client's slow import, once
    ("tests/typing/test_typed_config.py", "mypy"),  # mypy with the checkout's .mypy_cache
    ("tests/packaging/test_readme.py", "mypy"),
    ("tests/engine/plugin/test_javascript.py", "nodejs"),  # node, and one @pulumi/pulumi install
    ("tests/engine/plugin/test_interrupts.py::test_first_ctrl_c_lets_a_javascript", "nodejs"),
)
"""Node-ID prefixes run on one worker each, as a group of that name (``None``: the test's module)."""


def group_of(nodeid: str) -> str:
    """The scheduler's unit of work for a test: its group, or the test alone."""
    for prefix, name in GROUPS:
        if nodeid.startswith(prefix):
            return name or nodeid.split("::", 1)[0]
    return nodeid


class GroupingScheduler(LoadGroupScheduling):
    """``--dist loadgroup`` with the groups of ``GROUPS`` (xdist's own ordering and hand-out)."""

    def _split_scope(self, nodeid: str) -> str:
        return group_of(nodeid)


@pytest.hookimpl(optionalhook=True)  # optional: `-p no:xdist` runs the suite serially
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> GroupingScheduler | None:
    return GroupingScheduler(config, log) if config.getvalue("dist") == "loadgroup" else None


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
