"""``@pulumi/pulumi`` from npm for the JavaScript program tests, installed once and cached.

The version range is the example's own ``package.json``. It is installed into the pytest cache
(``.pytest_cache/d/pulumi-nodejs-sdk``; a session temp dir when the cache is off) with npm's own
cache beside it, so a fresh machine needs nothing but ``node``, ``npm`` and the npm registry, and
later runs install nothing. Only a missing ``node`` skips; a failed install fails the test.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path

import pytest

INSTALL_TIMEOUT_S = 900


def sdk_range(package_json: Path) -> str:
    range_: str = json.loads(package_json.read_text(encoding="utf-8"))["dependencies"]["@pulumi/pulumi"]
    return range_


def install_sdk(root: Path, version_range: str) -> Path:
    """``node_modules`` holding ``@pulumi/pulumi`` (``version_range``) under ``root``."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None:
        pytest.skip(
            "node is not on PATH: the JavaScript program cannot run (install Node.js to run this test)"
        )
    assert npm is not None, "node is on PATH but npm is not: npm installs @pulumi/pulumi for this test"
    root.mkdir(parents=True, exist_ok=True)
    wanted = {
        "name": "pulumi-nodejs-sdk-cache",
        "private": True,
        "dependencies": {"@pulumi/pulumi": version_range},
    }
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one install, however many test processes ask at once
        manifest = root / "package.json"
        installed = root / "node_modules" / "@pulumi" / "pulumi" / "package.json"
        if not installed.exists() or manifest.read_text(encoding="utf-8") != json.dumps(wanted):
            manifest.write_text(json.dumps(wanted), encoding="utf-8")
            completed = subprocess.run(
                [
                    npm,
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    "--cache",
                    str(root / "npm-cache"),
                ],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT_S,
                check=False,
            )
            assert completed.returncode == 0, (
                f"npm install @pulumi/pulumi@{version_range} failed:\n{completed.stderr}"
            )
        assert installed.exists()
    return root / "node_modules"


def cache_root(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = getattr(config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("pulumi-nodejs-sdk"))
    return tmp_path_factory.getbasetemp() / "pulumi-nodejs-sdk"
