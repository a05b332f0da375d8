"""Typed errors.  Each names the file it is about and a reason a person can act on; the CLI
catches them at its edge and prints them without a traceback."""

from __future__ import annotations

import os
from pathlib import Path


def shown(path: str | Path) -> str:
    """A path as it can be printed and logged: bytes that are not UTF-8 (a GBK file name from
    an archive made on Chinese Windows, which Python holds as lone surrogates) shown as their
    escapes (``\\xbc\\xa8``).  The path itself is kept as it is, so the file can still be
    opened."""
    return os.fsencode(os.fspath(path)).decode("utf-8", "backslashreplace")


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""


class FatalError(PipelineError):
    """An error every later document of a batch would hit too (the model endpoint cannot be
    reached): the batch stops instead of failing each document slowly."""


class InputError(PipelineError):
    """A file that cannot be read as a report: empty, binary, undecodable, unsupported."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{shown(self.path)}: {reason}")
