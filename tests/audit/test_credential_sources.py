"""Where ``health``, ``explain`` and ``export`` get the token and the host, said in ``--help`` and in
every message: a hint names the setting the value really came from (``--api-host``, the environment
variable or the default), never one the user did not set."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pulumi_ld_auditsubs.commands.cli import main
from pulumi_ld_auditsubs.testing import Emulator

TOKEN = "api-sources-tests-77c1e0"
COMMANDS: dict[str, tuple[str, ...]] = {
    "health": (),
    "explain": ("--resource", "proj/web:env/production:flag/checkout", "--action", "updateOn"),
    "export": ("--output",),
}
"""Each command's arguments (``export`` gets a fresh directory after ``--output``)."""


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(tokens=(TOKEN,)) as running:
        yield running


Run = Callable[..., tuple[int, str]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Run:
    """``pulumi-ld-auditsubs COMMAND [ARGS]`` in this process with exactly the given environment."""

    def invoke(command: str, *args: str, env: dict[str, str]) -> tuple[int, str]:
        for name in ("LAUNCHDARKLY_ACCESS_TOKEN", "LAUNCHDARKLY_API_HOST", "HTTPS_PROXY", "https_proxy"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        fixed = COMMANDS[command] + ((str(tmp_path / "out"),) if command == "export" else ())
        capsys.readouterr()
        code = main([command, *fixed, *args])
        out, err = capsys.readouterr()
        return code, out + err

    return invoke


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("command", list(COMMANDS))
def test_help_says_where_the_token_and_the_host_come_from_in_order(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps to the terminal's width
    host = text.index("host: --api-host URL, else the environment variable LAUNCHDARKLY_API_HOST, else")
    assert "else https://app.launchdarkly.com" in text[host:]
    assert "token: the environment variable LAUNCHDARKLY_ACCESS_TOKEN" in text
    assert "EU: https://app.eu.launchdarkly.com" in text and "federal: https://app.launchdarkly.us" in text
    assert "It does not read stack config (launchdarkly:accessToken, launchdarkly:apiHost)" in text
    assert text.index("--api-host URL, else") < text.index("LAUNCHDARKLY_ACCESS_TOKEN")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_rejected_token_names_api_host_when_the_flag_chose_the_host(
    command: str, run: Run, emulator: Emulator
) -> None:
    """The issue's case: ``--api-host`` wins over the environment, and the 401 says so."""
    code, text = run(
        command,
        "--api-host",
        emulator.url,
        env={"LAUNCHDARKLY_ACCESS_TOKEN": "api-wrong-5150", "LAUNCHDARKLY_API_HOST": "https://ld.invalid"},
    )
    assert code != 0
    assert "401" in text and f"another LaunchDarkly instance than {emulator.url} (from --api-host)" in text
    assert "check the access token set in LAUNCHDARKLY_ACCESS_TOKEN" in text
    assert "launchdarkly:apiHost" not in text and "LAUNCHDARKLY_API_HOST" not in text
    assert "api-wrong-5150" not in text


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_rejected_token_names_the_environment_variable_when_it_chose_the_host(
    command: str, run: Run, emulator: Emulator
) -> None:
    code, text = run(
        command, env={"LAUNCHDARKLY_ACCESS_TOKEN": "api-wrong-5150", "LAUNCHDARKLY_API_HOST": emulator.url}
    )
    assert code != 0
    assert (
        f"another LaunchDarkly instance than {emulator.url} (from the environment variable "
        "LAUNCHDARKLY_API_HOST)"
    ) in text
    assert "launchdarkly:apiHost" not in text and "--api-host" not in text


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_default_host_is_named_as_the_default(command: str, run: Run) -> None:
    """Nothing names a host: the message says the default was used (reached through a proxy that
    refuses, so nothing leaves this machine)."""
    code, text = run(
        command,
        env={
            "LAUNCHDARKLY_ACCESS_TOKEN": f"api-{command}-default",
            "HTTPS_PROXY": f"http://127.0.0.1:{_closed_port()}",
        },
    )
    assert code == 2 if command != "export" else code == 1
    assert "cannot reach https://app.launchdarkly.com" in text
    assert "check the host https://app.launchdarkly.com (the default host), any proxy settings" in text
    assert "launchdarkly:apiHost" not in text and "LAUNCHDARKLY_API_HOST" not in text
