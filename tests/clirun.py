"""Running ``pipeline`` in the test process as a user runs it: through ``main``, so that
errors are printed by the CLI's own edge, with the exit status and everything printed."""

from __future__ import annotations

import logging
import sys

import pytest

from pipeline.cli import main


def run_main(monkeypatch, capsys, *argv: str) -> tuple[int, str, str]:
    """``pipeline ARGV``: its exit status, stdout and stderr."""
    monkeypatch.setattr(sys, "argv", ["pipeline", *map(str, argv)])
    # main configures logging for a process of its own; give the test process its own back
    root, instructor = logging.getLogger(), logging.getLogger("instructor")
    saved = list(root.handlers), root.level, instructor.level
    try:
        with pytest.raises(SystemExit) as exit_info:
            main()
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        instructor.setLevel(saved[2])
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (0 if code is None else code), captured.out, captured.err


def one_line(text: str) -> str:
    """The only non-blank line of ``text`` (fails when there are more)."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]
