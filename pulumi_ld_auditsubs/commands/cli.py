"""The ``pulumi-ld-auditsubs`` command line: emulator, local, export, demo, health and explain.

Each subcommand lives in the module that owns its behaviour and exposes ``add_arguments(parser)``
and ``run(args) -> int``; this module only wires them together, importing only the subcommand that
runs.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence

from pulumi_ld_auditsubs._version import __version__

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "emulator": (
        "pulumi_ld_auditsubs.testing.emulator.cli",
        "serve LaunchDarkly's audit-log-subscription endpoints on loopback",
    ),
    "local": (
        "pulumi_ld_auditsubs.testing.engine.cli",
        "run a Pulumi Python program without the Pulumi CLI (preview, up, refresh, destroy)",
    ),
    "export": (
        "pulumi_ld_auditsubs.commands.export",
        "write every audit log subscription of an account as a runnable Pulumi program",
    ),
    "demo": (
        "pulumi_ld_auditsubs.commands.demo",
        "run examples/quickstart end to end against an embedded emulator",
    ),
    "health": (
        "pulumi_ld_auditsubs.commands.health",
        "report each subscription's deliveries; exit 1 when an enabled one is failing",
    ),
    "explain": (
        "pulumi_ld_auditsubs.commands.explain",
        "list the enabled subscriptions that receive one audit event; exit 1 when none does",
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code.

    A ^C that no command handles itself (one while the modules load, say) ends the command with
    one line and 130 (128 + SIGINT, the shell's convention), never a traceback. ``local`` handles
    its own: the first cancels, the second terminates (:mod:`pulumi_ld_auditsubs.testing.engine.interrupts`).
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("^C received; stopped", file=sys.stderr, flush=True)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in SUBCOMMANDS and _ENGINE_ADDRESS.fullmatch(argv[-1]):
        return _serve_plugin(argv)
    parser = argparse.ArgumentParser(prog="pulumi-ld-auditsubs", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if a in SUBCOMMANDS), None)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            try:
                importlib.import_module(module_name).add_arguments(sub)
            except ModuleNotFoundError as exc:
                return _missing_extra(name, exc)
    args = parser.parse_args(argv)
    try:
        module = importlib.import_module(SUBCOMMANDS[args.command][0])
    except ModuleNotFoundError as exc:
        return _missing_extra(args.command, exc)
    return int(module.run(args))


_ENGINE_ADDRESS = re.compile(r"[\w.\-\[\]:]*:\d+")
"""The last argument the Pulumi CLI passes a plugin it runs from source (the engine's address)."""


def _serve_plugin(argv: Sequence[str]) -> int:
    """Run as the native provider plugin: how the Pulumi CLI runs this repository as a source plugin.

    ``PulumiPlugin.yaml`` (``runtime: python``) makes the CLI run ``python -m pulumi.run.plugin
    pulumi-ld-auditsubs [--logtostderr] [-v=N] [--tracing URL] <engine address>``, which finds no
    components in the package and runs its ``__main__``: this command line, given those arguments.
    """
    from pulumi_ld_auditsubs.plugin.server import serve

    return serve(argv)


LOCAL_EXTRA_MODULES = frozenset({"jsonpatch", "cryptography", "yaml"})
"""Top-level modules of the ``[local]`` extra (emulator, local engine, demo), not installed by default."""


def _missing_extra(command: str, exc: ModuleNotFoundError) -> int:
    """Say in one line that ``command`` needs the ``[local]`` extra; re-raise any other missing module."""
    if (exc.name or "").split(".")[0] not in LOCAL_EXTRA_MODULES:
        raise exc
    print(
        f"error: `pulumi-ld-auditsubs {command}` needs the [local] extra (missing module {exc.name!r}): "
        "pip install 'pulumi-ld-auditsubs[local]'",
        file=sys.stderr,
    )
    return 2
