"""``pulumi-ld-auditsubs local {preview,up,refresh,destroy} PROGRAM_DIR --stack NAME``.

Runs an unmodified Pulumi Python program for one stack without the Pulumi CLI; see
:mod:`pulumi_ld_auditsubs.testing.engine` for what is and is not emulated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pulumi_ld_auditsubs.testing.engine.runner import OPERATIONS, run_operation


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``local`` subcommand's arguments."""
    parser.add_argument("operation", choices=OPERATIONS, help="what to do, as with the pulumi command")
    parser.add_argument("program_dir", type=Path, metavar="PROGRAM_DIR", help="directory with Pulumi.yaml")
    parser.add_argument("--stack", "-s", required=True, help="stack name (reads Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="where <stack>.json and secrets.key live (default: PROGRAM_DIR/.pulumi-local)",
    )
    parser.add_argument(
        "--config",
        "-c",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value (un-namespaced keys get '<project>:'); repeatable. "
        "Secure values may come from PULUMI_LOCAL_CONFIG_<KEY> instead",
    )
    parser.add_argument(
        "--expect-no-changes",
        action="store_true",
        help="exit non-zero if the operation would change or changed anything",
    )


def run(args: argparse.Namespace) -> int:
    """Run the operation; returns the process exit code."""
    overrides: dict[str, str] = {}
    for item in args.config:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            print(f"error: --config expects KEY=VALUE, got {item!r}", file=sys.stderr)
            return 2
        overrides[key.strip()] = value
    return run_operation(
        args.operation,
        args.program_dir,
        stack=args.stack,
        state_dir=args.state_dir,
        config=overrides,
        expect_no_changes=args.expect_no_changes,
    )
