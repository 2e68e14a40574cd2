"""Crash-safe JSON files for the testing tools' state (the emulator's and the local engine's)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so a reader sees the old file or the new one, never half.

    The temporary file lives in the same directory (``os.replace`` is atomic only within one file
    system) and is created with mode 0600, since these files may hold secrets.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json_atomically(path: Path, document: Any, *, indent: int = 1, sort_keys: bool = False) -> None:
    """:func:`write_atomically` for a JSON document (indented: these files are read by people too)."""
    write_atomically(path, (json.dumps(document, indent=indent, sort_keys=sort_keys) + "\n").encode())
