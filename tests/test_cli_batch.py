"""`pipeline run` over batches that archives really hold: nothing one document does (a crash,
a name that is not UTF-8, a name another input also maps to, an output that cannot be
written, a run that never ends) stops the others or costs them their outputs."""

from __future__ import annotations

import errno
import gc
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from clirun import one_line, run_main

from conftest import raw_path

SEED = raw_path("qingcheng-2023")  # the quickest seed to read
OTHER = raw_path("hengyang-2021")


def _copy(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dst)
    return dst


# --------------------------------------------------------------- issue 11: no document stops a batch

ISSUE_11 = (
    "说明.\n2020 年得分表 一级指标 二级指标 三级指标 得分 决策(25 分) 目标(15 分) 相关性(5 分)\n"
)


def test_the_issue_11_reproduction_does_not_stop_the_batch(monkeypatch, capsys, tmp_path):
    inputs = tmp_path / "in"
    (inputs / "a.txt").parent.mkdir()
    (inputs / "a.txt").write_text(ISSUE_11, encoding="utf-8")
    _copy(SEED, inputs / "b.txt")
    code, out, err = run_main(monkeypatch, capsys, "run", inputs, "-o", tmp_path / "out")
    assert "Traceback" not in out + err
    assert code != 1, out + err
    written = json.loads((tmp_path / "out" / "a.json").read_text(encoding="utf-8"))
    assert written["tables"] and written["error"] is None
    seed = json.loads((tmp_path / "out" / "b.json").read_text(encoding="utf-8"))
    assert seed["status"] == "ok" and seed["report"]["scorecards"]


# --------------------------------------------------------------- issue 11: honest statuses


def _summary_row(out: str, name: str) -> list[str]:
    """The cells of a document's row in the summary table."""
    line = next(line for line in out.splitlines() if line.startswith(f"│ {name} "))
    return [cell.strip() for cell in line.strip("│").split("│")]


def test_a_document_with_nothing_recognised_is_empty_with_its_reason(monkeypatch, capsys, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "c.txt").write_text("项目说明\n本单位按要求开展工作。\n", encoding="utf-8")
    _copy(SEED, inputs / "d.txt")
    out_dir = tmp_path / "out"
    code, out, err = run_main(monkeypatch, capsys, "run", inputs, "-o", out_dir)
    assert code == 2, out + err  # counts like partial
    assert _summary_row(out, "c.txt")[-1] == "empty" and _summary_row(out, "d.txt")[-1] == "ok"
    assert "empty: c.txt: no scorecard, funds table or prose figure was recognised" in err
    written = json.loads((out_dir / "c.json").read_text(encoding="utf-8"))
    assert written["status"] == "empty"
    assert written["status_reason"] == "no scorecard, funds table or prose figure was recognised"
    assert json.loads((out_dir / "d.json").read_text(encoding="utf-8"))["status"] == "ok"


def test_the_summary_names_the_forms_recognised(monkeypatch, capsys, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text(ISSUE_11, encoding="utf-8")
    _copy(SEED, inputs / "b.txt")
    code, out, err = run_main(monkeypatch, capsys, "run", inputs, "-o", tmp_path / "out")
    assert code == 0, out + err
    header = next(line for line in out.splitlines() if line.startswith("┃ document "))
    forms = [cell.strip() for cell in header.strip("┃").split("┃")].index("forms")
    assert _summary_row(out, "a.txt")[forms] == "得分表"
    assert _summary_row(out, "b.txt")[forms] == "整体自评表, 正文"


def test_any_exception_is_the_documents_error_with_its_traceback_in_the_log(
    monkeypatch, capsys, tmp_path
):
    """A bug anywhere in a document's run, here in writing its JSON, where issue 11's crash
    was: that document's error, its traceback in OUT/errors.log, the next document done."""
    import pipeline.stages

    inputs = tmp_path / "in"
    _copy(SEED, inputs / "a.txt")
    _copy(SEED, inputs / "b.txt")
    real = pipeline.stages.DocumentResult.to_json

    def to_json(self):
        if self.path.endswith("a.txt"):
            raise ValueError("span 8-62 is outside the normalized text (length 59)")
        return real(self)

    monkeypatch.setattr(pipeline.stages.DocumentResult, "to_json", to_json)
    out_dir = tmp_path / "out"
    code, out, err = run_main(monkeypatch, capsys, "run", inputs, "-o", out_dir)
    assert code == 2, out + err
    assert "Traceback" not in out + err
    assert "a.txt: unexpected error (ValueError: span 8-62 is outside" in err
    assert (out_dir / "b.json").exists() and not (out_dir / "a.json").exists()
    log = (out_dir / "errors.log").read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in log and "to_json" in log
    assert "errors.log" in err


# --------------------------------------------------------------- item 1: names that are not UTF-8


def test_a_gbk_file_name_is_processed_and_shown_with_its_escapes(monkeypatch, capsys, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    name = b"0" + "绩效自评报告.txt".encode("gbk")
    try:
        shutil.copy(SEED, os.path.join(os.fsencode(inputs), name))
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    _copy(OTHER, inputs / "1.txt")
    out_dir = tmp_path / "out"
    code, out, err = run_main(monkeypatch, capsys, "run", inputs, "-o", out_dir, "--draft")
    assert code == 0, out + err
    assert "Traceback" not in out + err
    assert "0\\xbc\\xa8" in out  # the name as its escapes
    written = os.path.join(os.fsencode(out_dir), name[: -len(b".txt")] + b".json")
    data = json.loads(Path(os.fsdecode(written)).read_bytes())
    # the path in the JSON leads back to the source file
    assert Path(data["source"]["path"]).read_bytes() == SEED.read_bytes()
    assert os.path.exists(os.path.join(os.fsencode(out_dir), name[:-4] + b".draft.md"))
    assert (out_dir / "1.json").exists()


# --------------------------------------------------------------- item 2: output names


def test_outputs_mirror_relative_paths_and_clashing_names_are_both_kept(
    monkeypatch, capsys, tmp_path
):
    inputs = tmp_path / "in"
    _copy(SEED, inputs / "sub1" / "b.txt")
    _copy(OTHER, inputs / "sub2" / "b.txt")
    _copy(SEED, inputs / "a.txt")
    _copy(OTHER, inputs / "a.md")
    out_dir = tmp_path / "out"
    code, out, err = run_main(monkeypatch, capsys, "run", inputs, "-o", out_dir)
    assert code == 0, out + err
    written = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*.json"))
    assert written == ["a.md.json", "a.txt.json", "sub1/b.json", "sub2/b.json"]
    sources = {
        p: json.loads((out_dir / p).read_text(encoding="utf-8"))["source"]["path"] for p in written
    }
    assert sources["a.md.json"].endswith("a.md") and sources["sub2/b.json"].endswith("sub2/b.txt")
    assert "a.md: another input also maps to a.json; written as a.md.json" in err
    assert "a.txt: another input also maps to a.json; written as a.txt.json" in err


def test_the_same_name_from_two_folders_gets_a_stable_suffix(monkeypatch, capsys, tmp_path):
    one, two = _copy(SEED, tmp_path / "x" / "r.txt"), _copy(OTHER, tmp_path / "y" / "r.txt")
    names = []
    for args in ((one, two), (two, one)):  # the order given does not change the names
        out_dir = tmp_path / f"out{len(names)}"
        code, out, err = run_main(monkeypatch, capsys, "run", *args, "-o", out_dir)
        assert code == 0, out + err
        names.append(
            {
                json.loads(p.read_text(encoding="utf-8"))["source"]["path"]: p.name
                for p in out_dir.glob("*.json")
            }
        )
    assert names[0] == names[1] and len(set(names[0].values())) == 2
    assert all(re.fullmatch(r"r\.txt\.[0-9a-f]{8}\.json", n) for n in names[0].values())


# --------------------------------------------------------------- item 3: outputs that cannot be written


def test_an_output_folder_that_is_a_file_is_one_line(monkeypatch, capsys, tmp_path):
    target = tmp_path / "out"
    target.write_text("not a folder")
    code, out, err = run_main(monkeypatch, capsys, "run", SEED, "-o", target)
    assert code == 1
    assert one_line(out + err) == f"error: -o {target}: is a file, not a folder"


def test_an_unwritable_output_folder_is_one_line(monkeypatch, capsys, tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    real_write = Path.write_bytes

    def refuse(self, data):  # root ignores permission bits, so the refusal is simulated
        if self.parent == target:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", refuse)
    code, out, err = run_main(monkeypatch, capsys, "run", SEED, "-o", target)
    assert code == 1
    line = one_line(out + err)
    assert line == f"error: -o {target}: cannot write into this folder (Permission denied)"


def test_a_folder_where_the_json_goes_is_that_documents_error(monkeypatch, capsys, tmp_path):
    inputs = tmp_path / "in"
    _copy(SEED, inputs / "a.txt")
    _copy(SEED, inputs / "b.txt")
    out_dir = tmp_path / "out"
    (out_dir / "a.json").mkdir(parents=True)
    code, out, err = run_main(monkeypatch, capsys, "run", inputs, "-o", out_dir, "--draft")
    assert code == 2, out + err
    assert "Traceback" not in out + err
    assert re.search(r"a\.txt: cannot write \S*a\.json \(Is a directory\)", err)
    assert (out_dir / "b.json").is_file() and (out_dir / "b.draft.md").is_file()
    assert not (out_dir / "a.draft.md").exists()  # no drafts without their JSON


def test_a_full_disk_fails_the_document_and_leaves_no_stale_outputs(monkeypatch, capsys, tmp_path):
    inputs = tmp_path / "in"
    _copy(SEED, inputs / "a.txt")
    _copy(SEED, inputs / "b.txt")
    out_dir = tmp_path / "out"
    code, out, err = run_main(monkeypatch, capsys, "run", inputs, "-o", out_dir, "--draft")
    assert code == 0, out + err
    assert (out_dir / "a.json").exists() and (out_dir / "a.draft.docx").exists()

    real_fsync = os.fsync

    def fsync(fd):  # the disk fills up while a.json is written
        if os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).startswith(".a.json."):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    code, out, err = run_main(monkeypatch, capsys, "run", inputs, "-o", out_dir, "--draft")
    assert code == 2, out + err
    assert "Traceback" not in out + err
    assert re.search(r"a\.txt: cannot write \S*a\.json \(No space left on device\)", err)
    # the failed document's outputs of the first run are gone, not left looking current
    assert not any(out_dir.glob("a.*")), list(out_dir.iterdir())
    assert not list(out_dir.glob(".*.tmp"))
    assert (out_dir / "b.json").exists() and (out_dir / "b.draft.docx").exists()


def test_a_document_that_fails_on_a_rerun_leaves_no_stale_outputs(monkeypatch, capsys, tmp_path):
    inputs = tmp_path / "in"
    a = _copy(SEED, inputs / "a.txt")
    out_dir = tmp_path / "out"
    assert run_main(monkeypatch, capsys, "run", inputs, "-o", out_dir, "--draft")[0] == 0
    a.write_bytes(b"")  # the source is now broken
    _copy(SEED, inputs / "b.txt")
    code, out, err = run_main(monkeypatch, capsys, "run", inputs, "-o", out_dir, "--draft")
    assert code == 2 and "a.txt: file is empty" in err
    assert not any(out_dir.glob("a.*"))


# --------------------------------------------------------------- item 6: a time limit per document


def test_a_runaway_document_is_stopped_and_the_batch_goes_on(monkeypatch, capsys, tmp_path):
    """A catastrophic regular expression, the kind of loop no signal handler stops: the
    document is stopped at --doc-timeout, and the next one is done."""
    import pipeline.stages

    inputs = tmp_path / "in"
    with open(_copy(SEED, inputs / "a.txt"), "a", encoding="utf-8") as f:
        f.write("\n附：失控\n")
    _copy(SEED, inputs / "b.txt")
    real = pipeline.stages.analyze

    def analyze(text):
        if "附：失控" in text:  # document a only
            re.match(r"(a|aa)+$", "a" * 60 + "b")  # exponential backtracking
        return real(text)

    monkeypatch.setattr(pipeline.stages, "analyze", analyze)
    out_dir = tmp_path / "out"
    code, out, err = run_main(
        monkeypatch, capsys, "run", inputs, "-o", out_dir, "--doc-timeout", "1"
    )
    assert code == 2, out + err
    assert "a.txt: took longer than --doc-timeout 1 s; stopped" in err
    assert (out_dir / "b.json").exists() and not (out_dir / "a.json").exists()
    # item 15: the error row shows the time the document took, not 0.00 s
    row = next(line for line in out.splitlines() if "a.txt" in line)
    assert re.search(r"\b1\.\d\d\b", row), row


# --------------------------------------------------------------- item 7: memory flat in the batch


def test_the_run_keeps_no_document_until_the_end(monkeypatch, capsys, tmp_path):
    """At the summary every document is done: none of them (nor its text, layout and
    Report) may still be held, or memory grows with the batch."""
    import pipeline.cli
    from pipeline.document import Document

    inputs = tmp_path / "in"
    for k in range(3):
        _copy(SEED, inputs / f"{k}.txt")
    live: list[int] = []
    real = pipeline.cli._summary

    def summary(rows, out):
        gc.collect()
        live.append(sum(isinstance(o, Document) for o in gc.get_objects()))
        return real(rows, out)

    monkeypatch.setattr(pipeline.cli, "_summary", summary)
    code, out, err = run_main(monkeypatch, capsys, "run", inputs, "-o", tmp_path / "out")
    assert code == 0, out + err
    assert live == [0]


# --------------------------------------------------------------- item 15: orphaned temporaries


def test_temporaries_orphaned_by_a_killed_run_are_removed_at_start(monkeypatch, capsys, tmp_path):
    out_dir = tmp_path / "out"
    (out_dir / "sub").mkdir(parents=True)
    dead = 2**22 + 12345  # above any pid_max: no such process
    orphan = out_dir / "sub" / f".a.json.{dead}.x1y2z3.tmp"
    orphan.write_text("half")
    running = out_dir / f".b.json.{os.getpid()}.q9w8e7.tmp"  # a writer still at work
    running.write_text("half")
    code, out, err = run_main(monkeypatch, capsys, "run", SEED, "-o", out_dir)
    assert code == 0, out + err
    assert not orphan.exists() and running.exists()
