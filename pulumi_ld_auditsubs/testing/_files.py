"""Crash-safe JSON files for the testing tools' state (the emulator's and the local engine's)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_json_atomically(path: Path, document: Any, *, indent: int = 1, sort_keys: bool = False) -> None:
    """Replace ``path`` with ``document`` so a reader sees the old file or the new one, never half.

    The temporary file lives in the same directory (``os.replace`` is atomic only within one file
    system) and is created with mode 0600, since these files may hold secrets.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(document, stream, indent=indent, sort_keys=sort_keys)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
