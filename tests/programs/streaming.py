"""A `local` operation whose output is read line by line while it runs (stdout and stderr merged)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    """One line of output, with when it was read and what ``observe`` saw at that moment."""

    at: float
    text: str
    observed: int = 0


class Streamed:
    """Runs ``command`` in a process group of its own (as a terminal runs a foreground job)."""

    def __init__(
        self,
        command: Sequence[str],
        env: dict[str, str],
        observe: Callable[[str], int] = lambda _text: 0,
    ) -> None:
        self.lines: list[Line] = []
        self._changed = threading.Condition()
        self._observe = observe
        self.process = subprocess.Popen(
            list(command),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            text = raw.rstrip("\n")
            line = Line(time.monotonic(), text, self._observe(text))
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def output(self) -> str:
        """Everything read so far."""
        return "\n".join(line.text for line in self.lines) + "\n"

    def wait_for(self, text: str, timeout: float = 120) -> Line:
        """The first line containing ``text``, waiting for it (fails if the run ends without it)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((line for line in self.lines if text in line.text), None)
                if found is not None:
                    return found
                ended = not self._reader.is_alive()
                assert not ended, f"the run ended without printing {text!r}:\n{self.output}"
                left = deadline - time.monotonic()
                assert left > 0, f"no {text!r} within {timeout} s:\n{self.output}"
                self._changed.wait(timeout=min(left, 0.5))

    def interrupt(self) -> None:
        """A ^C at the terminal: SIGINT to the whole process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def finish(self, timeout: float = 120) -> int:
        """Wait for the run to end; its exit code (the process group is killed if it hangs)."""
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise
        self._reader.join(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return code

    def group_is_gone(self, timeout: float = 15) -> bool:
        """Whether every process of the run's group (the provider processes too) has ended."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return True
            time.sleep(0.05)
        return False
