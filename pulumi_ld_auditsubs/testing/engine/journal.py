"""The state journal: one appended line per finished step, so a save costs the same at any stack size.

Rewriting the whole state file after every step makes an ``up`` of N resources cost O(N^2) (every
secret re-encrypted, every resource re-serialized, N times). Pulumi's own backends journal instead
(``pkg/backend/journal.go``: begin/end entries per step, a snapshot rebuilt from them). Here a step
appends one line to ``<stack>.journal`` holding the encoded (secrets already encrypted) changes it
made, and the operation ends by writing a compact snapshot and removing the journal.

Each line is ``{"serial": n, "ops": [...]}``; the snapshot records the ``serial`` it includes, so
lines at or below it are skipped (a crash between writing the snapshot and removing the journal
replays nothing twice). A torn last line (the process died mid-write) was never acknowledged to
the program and is ignored. Ops, applied to the encoded document in order:

* ``{"op": "put", "resource": R}``: replace the resource with R's URN (and R's pending-delete
  flag), or append R;
* ``{"op": "remove", "urn": U, "pending_delete": b}``: drop that resource;
* ``{"op": "retire", "urn": U}``: mark the live resource U pending-delete (create-before-delete);
* ``{"op": "pending", "operation": P}`` / ``{"op": "settle", "urn": U}``: add / drop a pending
  operation (a create in flight, see :class:`~.state.PendingOperation`);
* ``{"op": "outputs", "outputs": O}``, ``{"op": "provider_config", "config": C}``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

Op = dict[str, Any]


def apply_ops(doc: dict[str, Any], ops: Sequence[Op]) -> None:
    """Apply journal ops to an encoded state document, in place."""
    resources: list[dict[str, Any]] = doc.setdefault("resources", [])
    pending: list[dict[str, Any]] = doc.setdefault("pending_operations", [])
    for op in ops:
        kind = op.get("op")
        if kind == "put":
            new = op["resource"]
            index = _find(resources, new["urn"], pending_delete=bool(new.get("pending_delete")))
            if index is None:
                resources.append(new)
            else:
                resources[index] = new
        elif kind == "remove":
            index = _find(resources, op["urn"], pending_delete=bool(op.get("pending_delete")))
            if index is not None:
                del resources[index]
        elif kind == "retire":
            index = _find(resources, op["urn"], pending_delete=False)
            if index is not None:
                resources[index] = {**resources[index], "pending_delete": True}
        elif kind == "pending":
            pending.append(op["operation"])
        elif kind == "settle":
            doc["pending_operations"] = pending = [p for p in pending if p.get("urn") != op["urn"]]
        elif kind == "outputs":
            doc["outputs"] = op["outputs"]
        elif kind == "provider_config":
            doc["provider_config"] = op["config"]
        else:
            raise ValueError(f"unknown journal op {kind!r}")


def _find(resources: list[dict[str, Any]], urn: str, *, pending_delete: bool) -> int | None:
    for index, resource in enumerate(resources):
        if resource.get("urn") == urn and bool(resource.get("pending_delete")) == pending_delete:
            return index
    return None


def read_entries(path: Path, after_serial: int) -> Iterator[tuple[int, list[Op]]]:
    """``(serial, ops)`` of every complete line with a serial above ``after_serial``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
            serial, ops = int(entry["serial"]), list(entry["ops"])
        except (ValueError, KeyError, TypeError):
            return  # a torn last line: that step never finished
        if serial > after_serial:
            yield serial, ops


def replay(doc: dict[str, Any], path: Path) -> int:
    """Apply the journal at ``path`` to ``doc``; returns the last serial applied (or the doc's)."""
    serial = int(doc.get("serial", 0))
    for line_serial, ops in read_entries(path, serial):
        apply_ops(doc, ops)
        serial = line_serial
    doc["serial"] = serial
    return serial


class JournalWriter:
    """Appends lines to ``<stack>.journal``; each append is on disk (fsync) before it returns."""

    def __init__(self, path: Path, serial: int) -> None:
        self.path = path
        self.serial = serial
        self._fd: int | None = None
        self._lock = threading.Lock()

    def append(self, ops: Sequence[Op]) -> None:
        """Write one line atomically with respect to other threads, then fsync it."""
        with self._lock:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self.serial += 1
            line = json.dumps({"serial": self.serial, "ops": list(ops)}, separators=(",", ":"))
            os.write(self._fd, line.encode() + b"\n")
            fd = self._fd
        os.fsync(fd)  # outside the lock: concurrent steps share the disk flush

    def discard(self) -> None:
        """Close and remove the journal (after a snapshot that includes it was written)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self.path.unlink(missing_ok=True)
