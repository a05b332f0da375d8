"""The heading tree: numbered headings (一、 （一） 1. 1.1 （1） ①) and markdown ``#``.

A numbered line is a heading only when it reads like a title: short, not ending a sentence
with ；.  Numbered paragraphs (the duty lists of 部门职责) share the numbering but run long;
borderline lines are kept and marked uncertain.
"""

from __future__ import annotations

import re

from pipeline.layout.lines import Kind, Line
from pipeline.layout.model import Heading

CN = "一二三四五六七八九十"
_PATTERNS: list[tuple[re.Pattern[str], int]] = [
    (re.compile(rf"^第[{CN}]+[部分章节]+\s*"), 1),
    (re.compile(rf"^[{CN}]+\s*[、.]\s*"), 1),
    (re.compile(rf"^[（(]\s*[{CN}]+\s*[）)]\s*"), 2),
    (re.compile(r"^\d{1,2}\.\d{1,2}(?:\.\d{1,2})?(?!\d)\s*"), 3),
    (re.compile(r"^\d{1,2}\s*[、.](?!\d)\s*"), 3),
    (re.compile(r"^[（(]\s*\d{1,2}\s*[）)]\s*"), 4),
    (re.compile(r"^[①-⑳]\s*"), 5),
]
_MD = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
MAX_LEN = 40
UNSURE_LEN = 25


def find_headings(lines: list[Line], in_table: set[int]) -> list[Heading]:
    headings: list[Heading] = []
    for line in lines:
        if line.kind is not Kind.TEXT or line.no in in_table:
            continue
        h = _heading(line)
        if h is not None:
            headings.append(h)
    _link_parents(headings)
    return headings


def _heading(line: Line) -> Heading | None:
    raw = line.text
    lead = len(raw) - len(raw.lstrip())
    body = raw.strip()
    m = _MD.match(body)
    if m:
        text = m.group(2).strip().strip("*").strip()
        if not text:
            return None
        start = line.start + lead + raw.strip().index(text[0]) if text else line.start
        return Heading(
            level=len(m.group(1)), marker=m.group(1), text=text, start=start, end=start + len(text)
        )
    if body.startswith("**"):
        return None
    for pattern, level in _PATTERNS:
        pm = pattern.match(body)
        if not pm:
            continue
        rest = body[pm.end() :]
        if not rest or len(body) > MAX_LEN or body[-1] in "；;，,:：" or _is_sentence(rest):
            return None
        uncertain = None
        if len(body) > UNSURE_LEN or body.endswith("。"):
            uncertain = "long or ends with 。: may be a numbered paragraph"
        start = line.start + lead
        return Heading(
            level=level,
            marker=pm.group().strip(),
            text=body,
            start=start,
            end=start + len(body),
            uncertain=uncertain,
        )
    return None


def _is_sentence(rest: str) -> bool:
    """A sentence carries on past its first full stop: ``投入指标评价结果为良。江夏区…``."""
    stop = rest.find("。")
    return 0 <= stop < len(rest) - 1


def _link_parents(headings: list[Heading]) -> None:
    stack: list[int] = []
    for k, h in enumerate(headings):
        while stack and headings[stack[-1]].level >= h.level:
            stack.pop()
        h.parent = stack[-1] if stack else None
        stack.append(k)
