"""Typed errors.  Each names the file it is about and a reason a person can act on; the CLI
catches them at its edge and prints them without a traceback."""

from __future__ import annotations

from pathlib import Path


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""


class InputError(PipelineError):
    """A file that cannot be read as a report: empty, binary, undecodable, unsupported."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
