"""``pulumi-ld-auditsubs emulator`` as a real subprocess: URL on the first line, clean signal exit."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from pulumi_ld_auditsubs.commands.cli import main

URL = re.compile(r"^http://127\.0\.0\.1:\d+$")


@contextmanager
def running(*args: str, cwd: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Start the emulator subprocess, yield its URL and process, and SIGTERM it on exit."""
    with subprocess.Popen(
        [sys.executable, "-m", "pulumi_ld_auditsubs", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    ) as process:
        try:
            assert process.stdout is not None
            first_line = process.stdout.readline().rstrip("\n")
            assert URL.match(first_line), first_line
            yield first_line, process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - a hang is a failure
                process.kill()
                raise


def test_first_line_is_the_url_and_sigterm_exits_0(tmp_path: Path) -> None:
    with running(cwd=tmp_path) as (url, process):
        response = requests.get(
            url + "/api/v2/integrations/datadog", headers={"Authorization": "api-emulator"}
        )
        assert response.status_code == 200
        assert response.json()["items"] == []
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None
        log = process.stderr.read()
    assert "GET /api/v2/integrations/datadog -> 200" in log
    assert "api-emulator" not in log


def test_sigint_exits_0(tmp_path: Path) -> None:
    with running(cwd=tmp_path) as (_url, process):
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None
        assert "Traceback" not in process.stderr.read()


def test_tokens_read_only_tokens_and_quiet(tmp_path: Path) -> None:
    args = ("--token", "api-a", "--token", "api-b", "--read-only-token", "api-r", "--quiet")
    with running(*args, cwd=tmp_path) as (url, process):
        collection = url + "/api/v2/integrations/datadog"
        assert requests.get(collection, headers={"Authorization": "api-emulator"}).status_code == 401
        assert requests.get(collection, headers={"Authorization": "api-b"}).status_code == 200
        assert requests.get(collection, headers={"Authorization": "api-r"}).status_code == 200
        assert requests.post(collection, json={}, headers={"Authorization": "api-r"}).status_code == 403
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None
        assert process.stderr.read() == ""


def test_state_file_and_rate_limit_options(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    body = {"name": "n", "config": {"apiKey": "0123456789"}}
    headers = {"Authorization": "api-emulator"}
    with running("--state-file", str(state), cwd=tmp_path) as (url, _process):
        created = requests.post(url + "/api/v2/integrations/datadog", json=body, headers=headers).json()
    args = (
        "--state-file",
        str(state),
        "--rate-limit",
        "1",
        "--rate-limit-mode",
        "retry-after",
        "--latency-ms",
        "1",
    )
    with running(*args, cwd=tmp_path) as (url, _process):
        item = f"{url}/api/v2/integrations/datadog/{created['_id']}"
        assert requests.get(item, headers=headers).status_code == 200
        limited = requests.get(item, headers=headers)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1


def test_non_loopback_host_is_refused_with_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_ld_auditsubs", "emulator", "--port", "0", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "only binds loopback addresses" in result.stderr


def test_run_in_process_refuses_bad_hosts_and_state_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulator", "--port", "0", "--host", "192.168.1.10"]) == 2
    assert "refusing to listen on '192.168.1.10'" in capsys.readouterr().err
    broken = tmp_path / "state.json"
    broken.write_text("{")
    assert main(["emulator", "--port", "0", "--state-file", str(broken)]) == 2
    assert "cannot read emulator state file" in capsys.readouterr().err


def test_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["emulator", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--port",
        "--host",
        "--token",
        "--read-only-token",
        "--state-file",
        "--latency-ms",
        "--rate-limit",
        "--rate-limit-mode",
    ):
        assert option in out
