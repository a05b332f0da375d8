"""Usage errors from the command line: exit status 2 and one line saying what is wrong, never
the 50–80-line traceback typer 0.29 printed when ``main`` looked for the ``click`` package's
exceptions (typer now bundles its own click)."""

from __future__ import annotations

import logging
import sys

import pytest

from pipeline.cli import main


def run_main(monkeypatch, capsys, *argv: str) -> tuple[int, str]:
    """``pipeline ARGV`` in this process: its exit status and what it printed."""
    monkeypatch.setattr(sys, "argv", ["pipeline", *argv])
    # main() quiets instructor's logger for the process; keep that out of later tests
    instructor_log = logging.getLogger("instructor")
    monkeypatch.setattr(instructor_log, "level", instructor_log.level)
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out + captured.err


@pytest.mark.parametrize(
    "argv, says",
    [
        (["run"], "Missing argument"),
        (["run", "fixtures/raw", "--bogus"], "No such option: --bogus"),
        (["run", "fixtures/raw", "--max-chunk-tokens", "abc"], "--max-chunk-tokens"),
        (["frobnicate"], "No such command 'frobnicate'"),
        (["layout", "-report.txt"], "goes after '--'"),
        (["check"], "Missing argument"),
    ],
    ids=[
        "missing-argument",
        "unknown-option",
        "bad-integer",
        "unknown-command",
        "dash-name",
        "check",
    ],
)
def test_usage_errors_are_one_line_and_exit_2(monkeypatch, capsys, argv, says):
    code, printed = run_main(monkeypatch, capsys, *argv)
    assert code == 2, printed
    assert "Traceback" not in printed
    lines = [line for line in printed.splitlines() if line.strip()]
    assert len(lines) == 1, printed
    assert lines[0].startswith("error:") and says in lines[0]


def test_a_file_name_starting_with_a_dash_is_read_after_double_dash(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, printed = run_main(monkeypatch, capsys, "layout", "--", "-report.txt")
    assert code == 1
    assert printed.strip() == "error: -report.txt: no such file"
