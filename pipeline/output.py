"""Writing outputs atomically: a file is either complete or absent, never half-written, so
an interrupted batch loses nothing it had already finished."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: str | Path, data: Any) -> None:
    """Compact JSON (no indent, no spaces after separators): about 5x faster to encode than
    indented, by the C encoder in one pass, and a fraction of the size."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    atomic_write_text(path, text + "\n")
