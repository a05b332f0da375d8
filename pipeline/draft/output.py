"""Drafts as files: Markdown, and a .docx a user can edit (python-docx), both written
atomically.  A draft that was not verified is not presented as text to use: the file says it
was rejected and lists the numbers that failed, with their sentences.

Drafts quote the source (names, indicator texts, sentences), and the source may hold anything:

- in Markdown, HTML (``<script>``, ``<img src=…>``) and link or image syntax
  (``[x](javascript:…)``, ``![](http://beacon)``) are escaped, so that rendering a draft runs
  and fetches nothing; the drafts' own ``**bold**`` labels stay;
- in both, control characters (a Word cell mark ``\x07``) are dropped and lone surrogates (an
  undecodable byte kept by Python) written as their escapes: XML, and so .docx, can hold
  neither.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path

from pipeline.draft import Draft
from pipeline.output import atomic_write_bytes, atomic_write_text

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_MARKDOWN_ACTIVE = re.compile(r"[<>&\[\]]")
_MARKDOWN_ESCAPE = {"<": "&lt;", ">": "&gt;", "&": "&amp;", "[": "\\[", "]": "\\]"}


def plain(text: str) -> str:
    """``text`` without control characters (but line breaks and tabs) and with lone
    surrogates as their escapes: what a .docx (XML) and a UTF-8 file can hold."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def markdown_text(text: str) -> str:
    """``text`` as Markdown that renders to the same characters and nothing active: no
    HTML element, entity, link or image."""
    return _MARKDOWN_ACTIVE.sub(lambda m: _MARKDOWN_ESCAPE[m.group()], plain(text))


def _not_usable(d: Draft) -> list[str]:
    if d.status == "failed":
        return ["（未能生成：模型调用失败。）", *d.notes]
    lines = [
        f"（此稿未通过数字核验，已拒绝：{d.verification.verified}/{d.verification.total} 个数字"
        "可在数据中找到。以下数字找不到：）"
    ]
    lines += [f"- {n.text}：{n.sentence}" for n in d.verification.unverified]
    return lines


def to_markdown(drafts: Sequence[Draft], title: str | None = None) -> str:
    out: list[str] = []
    if title:
        out += [f"# {markdown_text(title)}", ""]
    for d in drafts:
        out += [f"## {markdown_text(d.title)}", ""]
        out += [markdown_text(line) for line in ([d.text.strip()] if d.ok else _not_usable(d))]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def write_markdown(drafts: Sequence[Draft], path: Path, title: str | None = None) -> None:
    atomic_write_text(path, to_markdown(drafts, title))


def write_docx(drafts: Sequence[Draft], path: Path, title: str | None = None) -> None:
    from docx import Document as Docx

    doc = Docx()
    if title:
        doc.add_heading(plain(title), level=1)
    for d in drafts:
        doc.add_heading(plain(d.title), level=2)
        lines = plain(d.text).strip().splitlines() if d.ok else _not_usable(d)
        for line in lines:
            line = plain(line).strip()
            if not line:
                continue
            if line.startswith("**") and "**" in line[2:]:
                head, _, rest = line[2:].partition("**")
                para = doc.add_paragraph()
                para.add_run(head).bold = True
                para.add_run(rest)
            else:
                doc.add_paragraph(line)
    buffer = io.BytesIO()
    doc.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def draft_title(report) -> str:
    """The title of a document's drafts: its unit and year, marked as a draft."""
    unit = report.meta.unit_name.text if report.meta.unit_name else ""
    fy = report.meta.fiscal_year
    year = f"{fy.value:f}" if fy is not None and fy.value is not None else ""
    return f"{unit}{year}{'年度' if year else ''}绩效自评报告（草稿）"


def draft_paths(stem: Path) -> tuple[Path, Path]:
    """Where ``run --draft`` writes a document's drafts: ``<stem>.draft.md`` and ``.docx``."""
    return stem.with_name(stem.name + ".draft.md"), stem.with_name(stem.name + ".draft.docx")


def write_drafts(drafts: Sequence[Draft], report, stem: Path) -> None:
    md, docx = draft_paths(stem)
    title = draft_title(report)
    write_markdown(drafts, md, title)
    write_docx(drafts, docx, title)
