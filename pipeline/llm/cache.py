"""The on-disk cache of model answers: a re-run of the same chunks makes no call.

The key is a hash of everything that determines an answer: the model, the instructor mode,
the task's prompt version and text fingerprint, the response schema, and the messages sent
(which hold the chunk text and the few-shot example).  One JSON file per answer, written
atomically, so an interrupted run leaves only whole entries; an unreadable entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.output import atomic_write_json

log = logging.getLogger(__name__)

CACHE_DIR_ENV = "PIPELINE_CACHE_DIR"


def default_cache_dir() -> Path:
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pipeline" / "llm"


def schema_hash(schema: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()[:16]


def cache_key(
    *,
    model: str,
    mode: str,
    task: str,
    prompt_version: str,
    prompt_fingerprint: str,
    schema: str,
    messages: list[dict[str, str]],
) -> str:
    payload = json.dumps(
        [model, mode, task, prompt_version, prompt_fingerprint, schema, messages],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class AnswerCache:
    folder: Path

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable cache entry %s: %s", path, exc)
            return None
        return entry if isinstance(entry, dict) and "answer" in entry else None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_json(path, entry)
        except OSError as exc:  # a full or read-only disk costs calls, not the run
            log.warning("cannot write cache entry %s: %s", path, exc)
