"""Issue 15 item 12: document-derived strings are shown as written, never read as rich markup
(``[/i]`` in a heading crashed ``layout``; ``[word]`` in a name was silently dropped)."""

from __future__ import annotations

import json
import shutil

from clirun import run_main

from conftest import raw_path

MARKED = "一、[/i]概况\n\n本单位开展工作。\n\n| 项目 | [note] |\n| --- | --- |\n| [/b]a | 1 |\n"


def test_layout_shows_markup_in_headings_cells_and_names_as_written(monkeypatch, capsys, tmp_path):
    src = tmp_path / "[word]a.txt"
    src.write_text(MARKED, encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "layout", src)
    assert code == 0, out + err
    assert "Traceback" not in out + err
    assert "[word]a.txt" in out and "一、[/i]概况" in out
    assert "[note]" in out and "[/b]a" in out


def test_check_shows_markup_in_the_name_and_the_findings_as_written(monkeypatch, capsys, tmp_path):
    src = tmp_path / "hengyang-2021.txt"
    shutil.copy(raw_path("hengyang-2021"), src)
    code, out, err = run_main(monkeypatch, capsys, "run", src, "-o", tmp_path / "out")
    assert code == 0, out + err
    data = json.loads((tmp_path / "out" / "hengyang-2021.json").read_text(encoding="utf-8"))
    text = json.dumps(data["report"], ensure_ascii=False).replace("公务接待", "公务接待[/i]")
    marked = tmp_path / "[word]r.json"
    marked.write_text(text, encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "check", marked)
    assert code == 0, out + err
    assert "Traceback" not in out + err
    assert "[word]r.json:" in out


def test_run_shows_markup_in_names_as_written(monkeypatch, capsys, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "[red]a[/i].txt".replace("/", "")).write_text(MARKED, encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "run", inputs, "-o", tmp_path / "out")
    assert code != 1, out + err
    assert "[red]a[i].txt" in out
