"""``pulumi-ld-auditsubs local {preview,up,refresh,destroy} PROGRAM_DIR --stack NAME``.

Runs an unmodified Pulumi Python or JavaScript program for one stack without the Pulumi CLI; see
:mod:`pulumi_ld_auditsubs.testing.engine` for what is and is not emulated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pulumi_ld_auditsubs.testing.engine.interrupts import EXIT_CANCELLED, TERMINATING
from pulumi_ld_auditsubs.testing.engine.runner import OPERATIONS, run_operation
from pulumi_ld_auditsubs.testing.engine.steps import DEFAULT_PARALLEL


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
        "Any value may come from PULUMI_LOCAL_CONFIG_<NAMESPACE>_<KEY> instead (upper case, "
        "other characters as '_': myaudit:streamName -> PULUMI_LOCAL_CONFIG_MYAUDIT_STREAMNAME)",
    )
    parser.add_argument(
        "--diff",
        action="store_true",
        help="under each resource that changes, show each changed property path with its old and new "
        "values (secrets as [secret]), as pulumi preview --diff",
    )
    parser.add_argument(
        "--expect-no-changes",
        action="store_true",
        help="exit non-zero if the operation would change or changed anything",
    )
    parser.add_argument(
        "--parallel",
        "-p",
        type=_positive,
        default=DEFAULT_PARALLEL,
        metavar="N",
        help=f"run at most N resource operations at once (default {DEFAULT_PARALLEL}: PULUMI_PARALLEL, "
        "else 4 x CPUs, as pulumi)",
    )
    parser.add_argument(
        "--continue-on-error",
        action="store_true",
        help="after a failed step keep running every step that does not depend on it (up, refresh, destroy)",
    )
    parser.add_argument(
        "--run-program",
        action="store_true",
        help="refresh/destroy: configure the provider with the current stack config instead of the "
        "config recorded at the last up (without it they need no secure value)",
    )
    parser.add_argument(
        "--import-pending-creates",
        nargs=2,
        action="append",
        default=[],
        metavar=("URN", "ID"),
        help="refresh: an interrupted create did make the resource with this ID: read it into the state",
    )
    parser.add_argument(
        "--clear-pending-creates",
        action="store_true",
        help="refresh: the interrupted creates made nothing: drop them from the state",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run(args: argparse.Namespace) -> int:
    """Run the operation; returns the process exit code."""
    overrides: dict[str, str] = {}
    for item in args.config:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            print(f"error: --config expects KEY=VALUE, got {item!r}", file=sys.stderr)
            return 2
        overrides[key.strip()] = value
    pending_flags = args.import_pending_creates or args.clear_pending_creates
    if args.run_program and args.operation not in ("refresh", "destroy"):
        print(
            "error: --run-program and the pending-create flags apply to refresh and destroy", file=sys.stderr
        )
        return 2
    if pending_flags and args.operation != "refresh":
        print("error: --import-pending-creates and --clear-pending-creates apply to refresh", file=sys.stderr)
        return 2
    try:
        return _run_operation(args, overrides)
    except KeyboardInterrupt:  # a ^C before the run's own handler is installed (or after it)
        print(TERMINATING, file=sys.stderr, flush=True)
        return EXIT_CANCELLED


def _run_operation(args: argparse.Namespace, overrides: dict[str, str]) -> int:
    return run_operation(
        args.operation,
        args.program_dir,
        stack=args.stack,
        state_dir=args.state_dir,
        config=overrides,
        expect_no_changes=args.expect_no_changes,
        parallel=args.parallel,
        continue_on_error=args.continue_on_error,
        run_program_too=args.run_program,
        import_pending_creates=[(urn, id_) for urn, id_ in args.import_pending_creates],
        clear_pending_creates=args.clear_pending_creates,
        diff=args.diff,
    )
