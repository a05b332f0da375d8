"""`pipeline draft` and `run --draft` from the command line: files written, verification
printed, exit status 4 when a section is not verified, bad input in one line."""

from __future__ import annotations

import json

import pytest
from servers.scripted import reply, scripted_servers
from typer.testing import CliRunner

from pipeline.cli import app

RAW = "fixtures/raw"


@pytest.fixture(scope="module")
def run_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(app, ["run", RAW, "-o", str(out), "--draft", "--backend", "rules"])
    assert result.exit_code == 0, result.output
    return out


def test_run_draft_writes_markdown_docx_and_a_summary(run_out):
    from docx import Document as Docx

    for stem in (
        "hengyang-2021",
        "jiangxia-2019",
        "lingling-2020",
        "qingcheng-2023",
        "xiangxi-2020",
    ):
        md = (run_out / f"{stem}.draft.md").read_text(encoding="utf-8")
        for title in (
            "## 预算执行情况",
            "## 绩效指标完成情况",
            "## 存在问题及改进措施",
            "## 总体评价",
        ):
            assert title in md
        doc = Docx(str(run_out / f"{stem}.draft.docx"))
        headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
        assert headings[1:] == [
            "预算执行情况",
            "绩效指标完成情况",
            "存在问题及改进措施",
            "总体评价",
        ]
        assert sum(1 for p in doc.paragraphs if p.text.strip()) > 5
        drafts = json.loads((run_out / f"{stem}.json").read_text(encoding="utf-8"))["drafts"]
        assert [d["section"] for d in drafts] == ["budget", "indicators", "problems", "summary"]
        assert all(d["status"] == "verified" and d["verified_share"] == 1.0 for d in drafts)


def test_draft_one_section_to_stdout(run_out):
    result = CliRunner().invoke(
        app, ["draft", str(run_out / "hengyang-2021.json"), "--section", "summary"]
    )
    assert result.exit_code == 0, result.output
    assert "## 总体评价" in result.output and "91分" in result.output
    assert "verified" in result.output and "(100%)" in result.output


def test_draft_all_writes_both_files(run_out, tmp_path):
    target = tmp_path / "d.md"
    result = CliRunner().invoke(
        app, ["draft", str(run_out / "qingcheng-2023.json"), "--all", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert target.exists() and target.with_suffix(".docx").exists()
    assert target.read_text(encoding="utf-8").startswith("# 庆阳市庆城县工业和信息化局2023年度")


def _cli(*args: str):
    """The command as a user runs it: a real process, stderr as printed."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--section", "nonsense"], "unknown section"),
        ([], "give either --section KIND or --all"),
        (["--section", "budget", "--all"], "give either --section KIND or --all"),
        (["--section", "budget", "--backend", "magic"], "give template or llm"),
    ],
)
def test_bad_options_are_one_line_errors(run_out, args, message):
    proc = _cli("draft", str(run_out / "hengyang-2021.json"), *args)
    assert proc.returncode == 1
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_a_rejected_model_draft_exits_4_and_lists_the_numbers(run_out, monkeypatch):
    wrong = {"text": "全年执行数961.45万元。"}
    with scripted_servers() as start:
        server = start([reply(wrong)] * 3)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("PIPELINE_LLM_MODEL", "scripted")
        monkeypatch.setenv("PIPELINE_LLM_MAX_ATTEMPTS", "1")
        result = CliRunner().invoke(
            app,
            [
                "draft",
                str(run_out / "hengyang-2021.json"),
                "--section",
                "summary",
                "--backend",
                "llm",
            ],
        )
    assert result.exit_code == 4
    assert "rejected" in result.output and "unverified 961.45万元" in result.output
    assert "未通过数字核验" in result.output  # the text is not presented as a draft


def test_draft_to_an_unwritable_place_is_a_one_line_error(run_out):
    proc = _cli("draft", str(run_out / "hengyang-2021.json"), "--all", "-o", "/proc/no/x.md")
    assert proc.returncode == 1 and "cannot write the draft" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_run_with_failed_chunks_is_partial_and_exits_2(tmp_path, monkeypatch):
    from servers.scripted import server_error

    with scripted_servers() as start:
        server = start([server_error(500)] * 200)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("PIPELINE_LLM_MODEL", "scripted")
        monkeypatch.setenv("PIPELINE_LLM_MAX_ATTEMPTS", "1")
        result = CliRunner().invoke(
            app,
            [
                "run",
                f"{RAW}/qingcheng-2023.txt",
                "-o",
                str(tmp_path),
                "--backend",
                "llm",
                "--no-cache",
                "--draft",
            ],
        )
    assert result.exit_code == 2, result.output
    assert "partial" in result.output and "failed chunks" in result.output
    md = (tmp_path / "qingcheng-2023.draft.md").read_text(encoding="utf-8")
    assert "部分内容未能提取" in md and "前后一致" not in md


def test_a_chunk_budget_too_small_is_refused():
    result = CliRunner().invoke(app, ["run", RAW, "-o", "/tmp/x", "--max-chunk-tokens", "50"])
    assert result.exit_code != 0
    assert "--max-chunk-tokens 50" in str(result.exception or result.output)
