"""Issue 15 items 11 and 13: dirty values in a Report (a 30-digit amount, a Word cell mark
``\\x07``, a lone surrogate) draft or are refused in one line, never a traceback; HTML and link
syntax from the source cannot run or fetch anything when a .draft.md is rendered."""

from __future__ import annotations

import json
import re

import docx
import pytest
from clirun import one_line, run_main

from conftest import raw_path
from pipeline.draft import Draft
from pipeline.draft.output import markdown_text, plain, to_markdown, write_docx
from pipeline.draft.verify import Verification

LINK = re.compile(r"(?<!\\)\]\(|(?<!\\)\[[^\]]*(?<!\\)\]:")  # ](url) or [ref]: not escaped
BIG = "123456789012345678901234567890.12"


@pytest.fixture(scope="module")
def hengyang_report(tmp_path_factory):
    """hengyang-2021's Report, as `pipeline run` writes it."""
    import subprocess
    import sys

    work = tmp_path_factory.mktemp("hengyang")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "run",
            str(raw_path("hengyang-2021")),
            "-o",
            str(work),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads((work / "hengyang-2021.json").read_text(encoding="utf-8"))["report"]


def _first_amount(obj) -> dict | None:
    if isinstance(obj, dict):
        if isinstance(obj.get("amount"), dict) and obj["amount"].get("value") is not None:
            return obj["amount"]
        obj = list(obj.values())
    if isinstance(obj, list):
        for item in obj:
            found = _first_amount(item)
            if found is not None:
                return found
    return None


def _draft_all(monkeypatch, capsys, tmp_path, report: dict, name: str = "r"):
    src = tmp_path / f"{name}.json"
    src.write_text(json.dumps(report), encoding="utf-8")  # ASCII: lone surrogates as escapes
    md = tmp_path / f"{name}.md"
    code, out, err = run_main(monkeypatch, capsys, "draft", src, "--all", "-o", md)
    assert "Traceback" not in out + err
    return code, out + err, md


def test_a_30_digit_amount_drafts(monkeypatch, capsys, tmp_path, hengyang_report):
    report = json.loads(json.dumps(hengyang_report))
    _first_amount(report)["value"] = BIG
    code, printed, md = _draft_all(monkeypatch, capsys, tmp_path, report)
    assert code == 0, printed
    assert md.exists() and md.with_suffix(".docx").exists()


def test_an_absurd_number_is_refused_in_one_line(monkeypatch, capsys, tmp_path, hengyang_report):
    report = json.loads(json.dumps(hengyang_report))
    _first_amount(report)["value"] = "1" * 60
    code, printed, md = _draft_all(monkeypatch, capsys, tmp_path, report)
    assert code == 1
    assert "beyond any a report states" in one_line(printed)


@pytest.mark.parametrize("dirty", ["衡阳\x07市", "衡阳\udcbc市", "衡阳\x00\x1b市"])
def test_control_characters_and_lone_surrogates_draft_with_a_docx(
    monkeypatch, capsys, tmp_path, hengyang_report, dirty
):
    report = json.loads(json.dumps(hengyang_report))
    report["meta"]["unit_name"]["raw"] = dirty
    code, printed, md = _draft_all(monkeypatch, capsys, tmp_path, report)
    assert code == 0, printed
    title = docx.Document(str(md.with_suffix(".docx"))).paragraphs[0].text
    assert title.startswith("衡阳") and not any(ord(c) < 32 for c in title)
    assert "\x07" not in md.read_text(encoding="utf-8")


def test_run_draft_with_a_30_digit_amount_writes_its_drafts(monkeypatch, capsys, tmp_path):
    src = tmp_path / "in" / "q.txt"
    src.parent.mkdir()
    text = raw_path("qingcheng-2023").read_text(encoding="utf-8")
    src.write_text(text.replace("658.82万元", f"{BIG}万元", 1), encoding="utf-8")
    out_dir = tmp_path / "out"
    code, out, err = run_main(monkeypatch, capsys, "run", src, "-o", out_dir, "--draft")
    assert "Traceback" not in out + err and "drafting failed" not in err, err
    data = json.loads((out_dir / "q.json").read_text(encoding="utf-8"))
    assert "drafts_error" not in data and data["drafts"]
    assert (out_dir / "q.draft.md").exists() and (out_dir / "q.draft.docx").exists()


HOSTILE = (
    "<script>alert(1)</script> [点此](javascript:alert(1)) ![](http://beacon.example/p.png) "
    "<img src=x onerror=alert(1)> &lt;b&gt; [ref]: http://x.example"
)


def test_html_and_links_in_a_draft_are_escaped_in_markdown():
    draft = Draft(
        kind="budget",
        title="预算<b>执行</b>",
        text=f"**一、**{HOSTILE}",
        backend="template",
        verification=Verification(),
        status="verified",
    )
    md = to_markdown([draft], "标题<i>")
    assert "<" not in md and ">" not in md
    assert not LINK.search(md)
    assert "&lt;script&gt;" in md and "\\[点此\\]" in md and "**一、**" in md
    assert "&amp;lt;b&amp;gt;" in md  # an entity in the source shows as written


def test_html_from_the_source_is_escaped_in_run_drafts(
    monkeypatch, capsys, tmp_path, hengyang_report
):
    report = json.loads(json.dumps(hengyang_report))
    report["meta"]["unit_name"]["raw"] = HOSTILE
    for card in report["scorecards"]:
        for ind in card["indicators"]:
            ind["name"]["raw"] = HOSTILE
    code, printed, md = _draft_all(monkeypatch, capsys, tmp_path, report)
    text = md.read_text(encoding="utf-8")
    assert "<" not in text and not LINK.search(text)
    assert "&lt;script&gt;" in text


def test_plain_and_markdown_text_keep_ordinary_text():
    ordinary = "预算执行率为96.00%，自评得分91分（满分100分）。\n第二行\t制表"
    assert plain(ordinary) == ordinary and markdown_text(ordinary) == ordinary


def test_write_docx_takes_control_characters(tmp_path):
    draft = Draft(
        kind="budget",
        title="预算\x07执行",
        text="金额\x07为5万元\udcbc。",
        backend="template",
        verification=Verification(),
        status="verified",
    )
    write_docx([draft], tmp_path / "d.docx", "标题\x0b")
    texts = [p.text for p in docx.Document(str(tmp_path / "d.docx")).paragraphs]
    assert texts == ["标题", "预算执行", "金额为5万元\\udcbc。"]
