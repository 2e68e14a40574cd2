"""The suite's own scheduling (tests/conftest.py): what must run on one worker is one unit of work.

xdist's ``xdist_group`` marks stopped grouping anything under pytest 9.2 without a word
(pytest-dev/pytest-xdist#1386): three workers then each started their own provider process per
module, the Node.js tests were spread over them, and the suite took about a quarter longer."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from conftest import group_of

ROOT = Path(__file__).resolve().parents[2]


def _collected(*paths: str) -> list[str]:
    collect = ["--collect-only", "-q", "-p", "no:cacheprovider", "-o", "addopts="]
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", *collect, *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in completed.stdout.splitlines() if "::" in line]


def test_the_nodejs_tests_and_each_provider_module_are_one_unit_and_the_rest_go_alone() -> None:
    nodeids = _collected("tests/engine/plugin", "tests/provider/test_configure.py")
    units: defaultdict[str, list[str]] = defaultdict(list)
    for nodeid in nodeids:
        units[group_of(nodeid)].append(nodeid)

    javascript = [n for n in nodeids if "javascript" in n]
    assert len(javascript) >= 3 and units["nodejs"] == javascript
    configure = [n for n in nodeids if n.startswith("tests/provider/test_configure.py::")]
    assert len(configure) > 1 and units["tests/provider/test_configure.py"] == configure
    alone = [n for n in nodeids if n not in javascript and n not in configure]
    assert alone and all(units[n] == [n] for n in alone)
