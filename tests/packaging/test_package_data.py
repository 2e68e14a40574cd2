"""What the wheel must carry so that it works on its own, outside a clone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_ld_auditsubs.commands import demo

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["__main__.py", "Pulumi.yaml", "Pulumi.dev.yaml"])
def test_packaged_quickstart_is_the_example(name: str) -> None:
    """The demo runs the packaged copy; it must be examples/quickstart as the README shows it."""
    packaged = demo.QUICKSTART / name
    example = REPO / "examples" / "quickstart" / name
    assert packaged.read_bytes() == example.read_bytes(), (
        f"run: cp examples/quickstart/{name} pulumi_ld_auditsubs/data/quickstart/{name}"
    )
    assert demo.find_example() == demo.QUICKSTART


@pytest.mark.parametrize(
    ("command", "hidden"),
    [
        (["local", "preview", ".", "--stack", "dev"], "cryptography"),
        (["emulator", "--port", "0"], "jsonpatch"),
    ],
)
def test_a_command_missing_the_local_extra_says_so_in_one_line(command: list[str], hidden: str) -> None:
    """Without `[local]` (simulated: its module hidden), the command names the extra, no traceback."""
    code = (
        f"import sys; sys.modules[{hidden!r}] = None\n"
        "from pulumi_ld_auditsubs.commands.cli import main\n"
        f"sys.exit(main({command!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"`pulumi-ld-auditsubs {command[0]}` needs the [local] extra" in result.stderr
    assert "pip install 'pulumi-ld-auditsubs[local]'" in result.stderr


def test_the_library_itself_needs_no_local_extra() -> None:
    """A production program imports the resource without jsonpatch or cryptography (pyyaml comes
    with the Pulumi SDK itself)."""
    code = (
        "import sys\n"
        "for name in ('jsonpatch', 'cryptography'): sys.modules[name] = None\n"
        "import pulumi_ld_auditsubs\n"
        "from pulumi_ld_auditsubs import AuditLogSubscription, Statement\n"
        "import pulumi_ld_auditsubs.provider\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
