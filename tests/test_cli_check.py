"""`pipeline check` and the findings in `pipeline run`'s output, through the command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import raw_path


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def hengyang_run(tmp_path_factory):
    """hengyang-2021 run once, from a copy of the source so a test may alter it."""
    work = tmp_path_factory.mktemp("run")
    src = work / "hengyang-2021.txt"
    shutil.copy(raw_path("hengyang-2021"), src)
    proc = _cli("run", str(src), "-o", str(work / "out"))
    assert proc.returncode == 0, proc.stderr
    return src, work / "out" / "hengyang-2021.json", proc.stdout


def test_run_writes_findings_and_counts_them(hengyang_run):
    _, out_json, stdout = hengyang_run
    report = json.loads(out_json.read_text(encoding="utf-8"))["report"]
    rules = {f["rule"] for f in report["findings"]}
    # 三公经费 当年预算数 1.08 against 公务用车 2.31 + 公务接待 8.46 (source lines 92-112)
    assert "sum.category_parts" in rules
    assert all(f["message_zh"] and f["message_en"] and f["values"] for f in report["findings"])
    assert "findings" in stdout and "error" in stdout


def test_check_prints_findings_by_severity(hengyang_run):
    _, out_json, _ = hengyang_run
    proc = _cli("check", str(out_json))
    assert proc.returncode == 0, proc.stderr
    assert "error (" in proc.stdout
    assert "1.08" in proc.stdout and "10.77" in proc.stdout
    # the prose share (63.00% stated, 629.82 / 999.38 = 63.02%) needs the source text
    assert "ratio.prose_share" in proc.stdout


def test_check_fail_on_error_exits_3(hengyang_run):
    _, out_json, _ = hengyang_run
    assert _cli("check", str(out_json), "--fail-on", "error").returncode == 3


def test_check_without_source_skips_text_rules_and_says_so(hengyang_run, tmp_path):
    _, out_json, _ = hengyang_run
    data = json.loads(out_json.read_text(encoding="utf-8"))["report"]
    data["source"]["path"] = str(tmp_path / "gone.txt")
    moved = tmp_path / "report.json"
    moved.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    proc = _cli("check", str(moved))
    assert proc.returncode == 0, proc.stderr
    assert "not found" in proc.stderr and "skipped" in proc.stderr
    assert "sum.category_parts" in proc.stdout  # table rules still run


def test_check_refuses_a_different_source(hengyang_run, tmp_path):
    src, out_json, _ = hengyang_run
    other = tmp_path / "other.txt"
    other.write_text(src.read_text(encoding="utf-8") + "\n附加一行。\n", encoding="utf-8")
    proc = _cli("check", str(out_json), "--source", str(other))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "other.txt" in proc.stderr and "sha256" in proc.stderr


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no such file"),
        (b"\xff\xfe\x00garbage", "not a JSON file"),
        (b'{"doc_id": 5, "scorecards": "x"}', "not a Report"),
    ],
)
def test_check_bad_input_is_one_line(tmp_path, content, reason):
    p = tmp_path / "input.json"
    if content is not None:
        p.write_bytes(content)
    proc = _cli("check", str(p))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "input.json" in proc.stderr and reason in proc.stderr
