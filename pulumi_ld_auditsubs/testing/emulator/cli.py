"""``pulumi-ld-auditsubs emulator``: serve the emulator until SIGINT or SIGTERM.

The first line written to stdout is the base URL (``http://127.0.0.1:41234``), flushed at once, so a
parent process can read it and connect. Request logs (``METHOD path -> status``, never headers or
bodies) go to stderr unless ``--quiet``. Exit status: 0 after a signal, 2 for bad arguments (for
example a non-loopback ``--host``) or an unreadable state file.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from pulumi_ld_auditsubs.api._net import is_loopback_host
from pulumi_ld_auditsubs.testing.emulator.ratelimit import DEFAULT_WINDOW_SECONDS, RATE_LIMIT_MODES
from pulumi_ld_auditsubs.testing.emulator.server import DEFAULT_TOKEN, Emulator
from pulumi_ld_auditsubs.testing.emulator.store import StateFileError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``emulator`` subcommand's options."""
    parser.add_argument("--port", type=int, required=True, help="TCP port; 0 picks a free one")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--token",
        action="append",
        dest="tokens",
        metavar="TOKEN",
        help=f"accept this access token (repeatable; default only {DEFAULT_TOKEN!r})",
    )
    parser.add_argument(
        "--read-only-token",
        action="append",
        dest="read_only_tokens",
        default=[],
        metavar="TOKEN",
        help="accept this token for GET only; writes answer 403 (repeatable)",
    )
    parser.add_argument(
        "--state-file",
        metavar="FILE",
        help="persist subscriptions here across restarts (JSON, plaintext secrets: a test tool)",
    )
    parser.add_argument("--latency-ms", type=float, default=0, metavar="MS", help="delay every response")
    parser.add_argument(
        "--rate-limit", type=int, metavar="N", help="answer 429 after N requests per route within the window"
    )
    parser.add_argument(
        "--rate-limit-mode",
        choices=RATE_LIMIT_MODES,
        default="route",
        help="429 headers: X-Ratelimit-* (route, default) or Retry-After seconds (retry-after)",
    )
    parser.add_argument(
        "--rate-limit-window",
        type=float,
        default=DEFAULT_WINDOW_SECONDS,
        metavar="SECONDS",
        help=f"rate-limit window (default {DEFAULT_WINDOW_SECONDS:g}, LaunchDarkly's)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; returns the exit status."""
    if not is_loopback_host(args.host):
        print(
            f"pulumi-ld-auditsubs emulator: refusing to listen on {args.host!r}: "
            "the emulator only binds loopback addresses (127.0.0.1, ::1, localhost)",
            file=sys.stderr,
        )
        return 2
    try:
        emulator = Emulator(
            host=args.host,
            port=args.port,
            tokens=tuple(args.tokens or (DEFAULT_TOKEN,)),
            read_only_tokens=tuple(args.read_only_tokens),
            state_file=args.state_file,
            latency_ms=args.latency_ms,
            rate_limit=args.rate_limit,
            rate_limit_mode=args.rate_limit_mode,
            rate_limit_window=args.rate_limit_window,
            log_requests=not args.quiet,
        )
        emulator.start()
    except (ValueError, StateFileError, OSError) as exc:
        print(f"pulumi-ld-auditsubs emulator: {exc}", file=sys.stderr)
        return 2

    stopping = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(emulator.url, flush=True)
        while not stopping.wait(0.2):
            pass
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
