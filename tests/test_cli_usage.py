"""Usage errors from the command line: exit status 2 and one line saying what is wrong, never
the 50–80-line traceback typer 0.29 printed when ``main`` looked for the ``click`` package's
exceptions (typer now bundles its own click)."""

from __future__ import annotations

import pytest
from clirun import one_line, run_main


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
    code, out, err = run_main(monkeypatch, capsys, *argv)
    assert code == 2, out + err
    line = one_line(out + err)
    assert line.startswith("error:") and says in line


def test_a_file_name_starting_with_a_dash_is_read_after_double_dash(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, "layout", "--", "-report.txt")
    assert code == 1
    assert one_line(out + err) == "error: -report.txt: no such file"
