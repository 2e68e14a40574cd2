"""Ctrl-C as the Pulumi CLI handles it: the first cancels, the second terminates.

``pkg/backend/cancellation_scope.go`` of pulumi/pulumi: on the first SIGINT the CLI prints "^C
received; cancelling. If you would like to terminate immediately, press ^C again." (and, for an
update, that terminating may orphan resources) and cancels the deployment: no new step starts,
steps in flight finish and are saved. The second SIGINT prints "^C received; terminating" and
stops at once. :class:`Interrupts` delivers those two events to the runner's callbacks.

The Python handler only queues the signal (``SimpleQueue.put`` is safe in a signal handler); a
watcher thread runs the callbacks, so that printing never re-enters a write the main thread was
interrupted in, and a callback never waits for a lock the main thread holds.

Provider processes must not see the terminal's SIGINT themselves: ``python -m pulumi.dynamic``
stops its gRPC server on ``KeyboardInterrupt``, failing the create in flight after LaunchDarkly may
have acted on it. Pulumi starts plugins in a process group of their own for this
(``cmdutil.RegisterProcessGroup`` in ``sdk/go/common/util/cmdutil/child_unix.go``); here
:func:`ignoring_sigint` starts them with SIGINT ignored instead (an ignored signal stays ignored
across ``exec``, and Python then installs no ``KeyboardInterrupt`` handler), so they stay in the
run's process group and a SIGTERM or SIGKILL sent to the group still reaches them.

:class:`RunControl` is what the two events act on: the first cancels the deployment (no new step
starts, the ones in flight finish and are saved), the second prints each operation still in flight
as interrupted, kills the provider processes and ends the process at once with
:data:`EXIT_CANCELLED`, leaving the journal as a SIGTERM or SIGKILL would (a create in flight stays
a pending operation that the next run reports).
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pulumi_ld_auditsubs.testing.engine.display import Display
    from pulumi_ld_auditsubs.testing.engine.steps import Deployment

EXIT_CANCELLED = 8
"""The CLI's exit code for a cancelled operation (``ExitCancelled``, ``pkg/cmd/pulumi/cmd/exit_codes.go``)."""
CANCELLING = "^C received; cancelling. If you would like to terminate immediately, press ^C again."
"""The CLI's words on the first ^C (``pkg/backend/cancellation_scope.go``)."""
ORPHANS_NOTE = "Note that terminating immediately may lead to orphaned resources and other inconsistencies."
"""What the CLI adds to :data:`CANCELLING` outside a preview."""
TERMINATING = "^C received; terminating"
"""The CLI's words on the second ^C."""

_IGNORE_SIGINT = 'trap "" INT; exec "$0" "$@"'


def ignoring_sigint(command: Sequence[str]) -> list[str]:
    """``command``, to be started with SIGINT ignored (``/bin/sh``'s ``trap "" INT``, then ``exec``)."""
    if os.name != "posix":
        return list(command)
    return ["/bin/sh", "-c", _IGNORE_SIGINT, *command]


class Interrupts:
    """While entered, SIGINT calls ``on_cancel`` the first time and ``on_terminate`` after.

    Entered outside the main thread (where Python cannot install signal handlers) it does nothing.
    ``on_terminate`` is expected to end the process.
    """

    def __init__(self, on_cancel: Callable[[], None], on_terminate: Callable[[], None]) -> None:
        self._on_cancel = on_cancel
        self._on_terminate = on_terminate
        self._signals: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._watcher: threading.Thread | None = None
        self._previous: Callable[[int, FrameType | None], object] | int | None = None
        self.received = 0
        """How many SIGINTs arrived."""

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        self._signals.put(signum)

    def _watch(self) -> None:
        while self._signals.get() is not None:
            self.received += 1
            if self.received == 1:
                self._on_cancel()
            else:
                self._on_terminate()

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is not threading.main_thread():
            return self
        self._watcher = threading.Thread(target=self._watch, name="sigint", daemon=True)
        self._watcher.start()
        self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._watcher is None:
            return
        # A ^C from here on is still a cancel or terminate request: keep the handler until the
        # queued ones are handled, then put the previous one back.
        self._signals.put(None)
        self._watcher.join()
        signal.signal(signal.SIGINT, self._previous if self._previous is not None else signal.SIG_DFL)
        self._watcher = None

    @property
    def cancelled(self) -> bool:
        """Whether a SIGINT arrived."""
        return self.received > 0


class _Process(Protocol):
    def kill(self) -> None: ...


class RunControl:
    """What the two ^C events of one run act on (see the module docstring); safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._display: Display | None = None
        self._deployment: Deployment | None = None
        self._processes: list[_Process] = []
        self.cancelled = False
        """Whether the first ^C arrived: the run must end with :data:`EXIT_CANCELLED`."""

    def attach(self, display: Display, deployment: Deployment) -> None:
        """From now on a ^C acts on this deployment (cancelled at once if a ^C came before)."""
        with self._lock:
            self._display, self._deployment = display, deployment
            if self.cancelled:
                deployment.cancel()

    def add_process(self, process: _Process) -> None:
        """A provider process (anything with ``kill()``) to stop at the second ^C."""
        with self._lock:
            self._processes.append(process)

    def cancel(self) -> None:
        """The first ^C: say so, and start nothing new."""
        with self._lock:
            self.cancelled = True
            display, deployment = self._display, self._deployment
        if display is not None:
            display.cancelling()
        else:
            print(CANCELLING, flush=True)
        if deployment is not None:
            deployment.cancel()

    def terminate(self) -> None:
        """The second ^C: show what is abandoned, kill the provider processes, exit now."""
        with self._lock:
            display, deployment, processes = self._display, self._deployment, list(self._processes)
        try:
            if display is not None:
                display.terminating(deployment.running() if deployment is not None else [])
            else:
                print(TERMINATING, flush=True)
            for process in processes:
                process.kill()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            # Like SIGKILL: nothing more is written. Every finished step is already in the journal
            # (fsynced), and a create in flight stays a pending operation there.
            os._exit(EXIT_CANCELLED)
