"""Sections: the narrative headings of a report, with their level and what they are about.

The layout finds heading *candidates* (numbered or markdown lines that read like titles).
Here they become schema ``Section`` values, after three decisions the layout cannot make on
one line alone:

* **Which candidates are paragraphs.**  Duty lists (``11. 拟定并组织实施…。``) and basis
  lists (``（2）…主要工作任务。``) share the numbering of headings; their short items pass the
  layout's length test.  A numbered candidate whose list neighbour (the nearest line of the
  same numbering style before it, numbered n-1, or after it, numbered n+1, with no heading in
  between) is a line of prose belongs to a list of paragraphs, so it is one too.
  Table-of-contents lines (``一、基本情况……3``) are dropped as well.
* **The level.**  The numbering fixes it (一、 1, （一） 2, 1、/1./1.1 3, （1） 4, ① 5), also
  inside markdown headings (``### 1、产出目标`` is a 1、 heading whatever its ``#`` count);
  only unnumbered markdown headings take their ``#`` count.  A dotted number (``1.1``) sits
  one level below the undotted heading it follows (under ``1、产出指标`` it is level 4, under
  ``（一）`` level 3).
* **The kind**, from the wording, by an ordered list of rules: the first that matches wins,
  so specific wordings (``偏离…原因及下一步改进措施`` is about improvements, ``预算执行率
  （分值）`` is an indicator) come before the general words they contain (原因, 预算).

Every heading is built with ``grounding.text_at`` on the normalized span, so its ``raw`` is
the original text at its ``span`` by construction.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from pipeline.document import Document
from pipeline.extract.grounding import text_at
from pipeline.layout.lines import Kind, split_lines
from pipeline.layout.model import Heading, Layout
from pipeline.schema import Section, SectionKind, clean_text

CN_DIGITS = "一二三四五六七八九十"

# Numbering styles, as (family, level, pattern).  The family groups markers that number the
# same list (``4、`` and ``5．`` are siblings); the level is the one the labelling uses.
_MARKERS: list[tuple[str, int, re.Pattern[str]]] = [
    ("chapter", 1, re.compile(rf"^第([{CN_DIGITS}]+)[部分章节]+")),
    ("cn", 1, re.compile(rf"^([{CN_DIGITS}]+)\s*[、.．]")),
    ("paren-cn", 2, re.compile(rf"^[（(]\s*([{CN_DIGITS}]+)\s*[）)]")),
    ("dotted", 3, re.compile(r"^(\d{1,2})[.．](\d{1,2})(?:[.．]\d{1,2})?(?!\d)")),
    ("arabic", 3, re.compile(r"^(\d{1,2})\s*[、.．](?![.．\d])")),
    ("paren-arabic", 4, re.compile(r"^[（(]\s*(\d{1,2})\s*[）)]")),
    ("circled", 5, re.compile(r"^([①-⑳])")),
]
# A run-in heading: marker, a short title without commas, 。, then the paragraph on the same
# line (``1、存在的问题。通过…``).  Not a paragraph item, so never evidence that its neighbours
# are paragraphs.
_RUN_IN = re.compile(
    r"^\s*(?:#+\s*)?(?:[（(]?\s*(?:\d{1,2}|[一二三四五六七八九十]+)\s*[）)、.．])\s*[^，,、；;。：:]{2,12}。\S"
)
_MD_MARKS = re.compile(r"^#{1,6}\s*")
# A table-of-contents entry: the title runs into dot leaders or a trailing page number.
_TOC = re.compile(r"(?:[.…·．]{3,}|…{2,}|\s{2,})\s*\d{1,3}\s*$")
# Document and table titles written as headings (``整体支出绩效自评报告``, ``2019 江夏区…
# 项目资金支出绩效自评表``): they name a document, not a part of the narrative.
_TITLE = re.compile(r"(?:报告|表)$|^(?:19|20)\d{2}")


@dataclass(frozen=True)
class Numbering:
    family: str
    level: int
    number: int


def _cn_number(s: str) -> int:
    """一 … 九十九 as an int (十一 = 11, 二十 = 20)."""
    if "十" not in s:
        return CN_DIGITS.index(s) + 1 if s in CN_DIGITS else 0
    tens, _, ones = s.partition("十")
    t = CN_DIGITS.index(tens) + 1 if tens else 1
    o = CN_DIGITS.index(ones) + 1 if ones else 0
    return t * 10 + o


def numbering(text: str) -> Numbering | None:
    """The numbering a heading or paragraph line starts with, if any (``#`` marks skipped)."""
    s = _MD_MARKS.sub("", text.strip()).lstrip("*").strip()
    for family, level, pattern in _MARKERS:
        m = pattern.match(s)
        if not m:
            continue
        g = m.group(1)
        if family in ("chapter", "cn", "paren-cn"):
            n = _cn_number(g)
        elif family == "circled":
            n = ord(g) - ord("①") + 1
        elif family == "dotted":
            n = int(m.group(2))
        else:
            n = int(g)
        return Numbering(family, level, n)
    return None


# --------------------------------------------------------------------------- kinds

K = SectionKind
# Ordered: the first rule whose pattern is found in the heading (whitespace removed) wins.
_KIND_RULES: list[tuple[re.Pattern[str], SectionKind]] = [
    # Parts that are about none of the kinds, though their wording contains kind words.
    (re.compile(r"其他(?:需要)?(?:说明|事项)|附件|附表"), K.other),
    (re.compile(r"结果(?:拟)?(?:的)?应用|应用(?:和|及|与)?公开|公开情况|信息公开"), K.application),
    (re.compile(r"结论|综合评价|(?:自评|评价|综合|总)得分|评价等级|评价等次"), K.conclusion),
    # Improvements before problems: 偏离…原因及下一步改进措施 is about what to do next.
    (re.compile(r"改进|建议|下一步|整改"), K.improvements),
    (re.compile(r"问题|偏离|原因分析|不足"), K.problems),
    # A heading that states points (（50分） （分值） （扣分）) discusses an indicator's score;
    # so does one named after an indicator level (产出/效益/满意度 …, 部门管理/履职效果/能力建设).
    (
        re.compile(
            r"[（(]\s*(?:\d+(?:\.\d+)?\s*分|分值|扣分)|指标|评价情况|评价结果"
            r"|产出|效益|效果|满意度|数量|质量|时效|成本|部门管理|能力建设|预算执行率"
        ),
        K.indicator_analysis,
    ),
    (
        re.compile(r"绩效目标|目标完成|预期目标|完成情况|支出绩效(?:自评)?情况|绩效情况"),
        K.goal_completion,
    ),
    (re.compile(r"职责|职能"), K.duties),
    (
        re.compile(
            r"自评工作|评价工作|工作开展|评价过程|实施过程|评价方法|自评方法|组织实施"
            r"|绩效自评|绩效评价|自评|评价|标准|依据"
        ),
        K.evaluation_work,
    ),
    (
        re.compile(r"机构|人员|编制|内设|所属单位|(?:部门|单位)基本情况|(?:部门|单位)简介"),
        K.organization,
    ),
    (re.compile(r"预算|收支|决算|支出|收入|资金|经费"), K.budget_overview),
    (re.compile(r"得分|评分|等级|等次"), K.conclusion),
]
# Budget words in a heading about 绩效 (部门整体支出绩效分析) name the performance part, not a
# budget overview: such a heading falls through to ``other``.
_PERFORMANCE = re.compile(r"绩效")


def section_kind(title: str, numbered: bool = True) -> SectionKind:
    """The kind of a heading from its wording (marker included or not)."""
    t = clean_text(title)
    if not numbered and _TITLE.search(t):
        return K.other
    for pattern, kind in _KIND_RULES:
        if not pattern.search(t):
            continue
        if kind is K.budget_overview and _PERFORMANCE.search(t):
            return K.other
        return kind
    return K.other


# --------------------------------------------------------------------------- headings


@dataclass
class _Candidate:
    heading: Heading
    numbering: Numbering | None
    level: int  # the labelling level (numbering first, ``#`` count otherwise)


def _paragraph_items(doc: Document, layout: Layout, candidates: list[_Candidate]) -> set[int]:
    """Indexes of numbered candidates that are items of a list of paragraphs.

    Between the previous heading and this one, the nearest line numbered in the same style
    is its predecessor in the list; between this heading and the next, the nearest such line
    is its successor.  When that predecessor is n-1 (or that successor n+1) and is prose, not
    a heading, the candidate is an item of a list of paragraphs (the short duties of a duty
    list).  A restart (``1、`` after ``2、存在问题``) is a nested list, not a sibling, so it
    does not count.  Dropping one item exposes the next (11. → 12. → …): this runs to a
    fixpoint.

    Dropping a candidate only widens its neighbours' ranges (which keeps a nearest line that
    was found) and takes its line out of the headings' lines, so a candidate once droppable
    stays droppable: the fixpoint is the same whatever the order of the drops.  It is reached
    by a work list that looks again only at the candidates a drop can change (the kept
    neighbours, and those whose list neighbour is the dropped line), each look a bisection
    in the numbered lines of its style: O((candidates + lines) log lines).
    """
    text = doc.normalized
    in_table = _in_spans([(t.start, t.end) for t in layout.tables])

    # the numbered lines of each numbering family: their start offsets (ascending), numbers
    numbered: dict[str, tuple[list[int], list[int]]] = {}
    for line in split_lines(text):
        if line.kind is not Kind.TEXT or in_table(line.start) or _RUN_IN.match(line.text):
            continue
        nb = numbering(line.text)
        if nb is not None and nb.family != "dotted":
            starts, numbers = numbered.setdefault(nb.family, ([], []))
            starts.append(line.start)
            numbers.append(nb.number)

    n = len(candidates)
    prev = list(range(-1, n - 1))  # the kept candidates as a doubly linked list
    nxt = list(range(1, n + 1))
    line_of = [_line_start(text, c.heading.start) for c in candidates]
    kept_lines: dict[int, int] = {}  # line start → kept candidates on it
    for s in line_of:
        kept_lines[s] = kept_lines.get(s, 0) + 1
    watching: dict[int, list[int]] = {}  # line start → candidates that had it as neighbour

    def neighbours(k: int) -> list[int]:
        nb = candidates[k].numbering
        assert nb is not None
        h = candidates[k].heading
        lo = candidates[prev[k]].heading.end if prev[k] >= 0 else 0
        hi = candidates[nxt[k]].heading.start if nxt[k] < n else len(text)
        starts, numbers = numbered.get(nb.family, ((), ()))
        found = []
        i = bisect_left(starts, line_of[k]) - 1  # the nearest line before this one's
        if i >= 0 and starts[i] >= lo and numbers[i] == nb.number - 1:
            found.append(starts[i])
        j = bisect_left(starts, h.end)  # the nearest line after the heading
        if j < len(starts) and starts[j] < hi and numbers[j] == nb.number + 1:
            found.append(starts[j])
        return found

    dropped: set[int] = set()
    todo = list(range(n - 1, -1, -1))  # popped in document order
    while todo:
        k = todo.pop()
        nb = candidates[k].numbering
        if k in dropped or nb is None or nb.family == "dotted":
            continue
        found = neighbours(k)
        for s in found:
            watching.setdefault(s, []).append(k)
        if all(kept_lines.get(s, 0) for s in found):
            continue
        dropped.add(k)
        p, q = prev[k], nxt[k]
        if p >= 0:
            nxt[p] = q
        if q < n:
            prev[q] = p
        kept_lines[line_of[k]] -= 1
        todo.extend(x for x in (q, p) if 0 <= x < n)
        if not kept_lines[line_of[k]]:
            todo.extend(watching.pop(line_of[k], ()))
    return dropped


def _in_spans(spans: list[tuple[int, int]]):
    """A test ``pos in any [start, end)`` of ``spans`` by bisection: the spans sorted by start,
    with the furthest end reached by any span starting at or before each."""
    spans = sorted(spans)
    starts = [s for s, _ in spans]
    reach, furthest = [], -1
    for _, e in spans:
        furthest = max(furthest, e)
        reach.append(furthest)

    def inside(pos: int) -> bool:
        i = bisect_right(starts, pos)
        return i > 0 and reach[i - 1] > pos

    return inside


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _levels(candidates: list[_Candidate]) -> None:
    """Dotted numbers sit one level below the undotted heading they follow (at least 3)."""
    last_undotted: int | None = None
    for c in candidates:
        if c.numbering is not None and c.numbering.family == "dotted":
            parent = last_undotted if last_undotted is not None else 2
            c.level = min(9, max(3, parent + 1))
        else:
            last_undotted = c.level


def _candidates(layout: Layout) -> list[_Candidate]:
    """The layout's headings but table-of-contents lines, with their numbering and level."""
    candidates: list[_Candidate] = []
    for h in layout.headings:
        if _TOC.search(h.text):
            continue
        nb = numbering(h.text)
        if nb is not None:
            level = nb.level
        elif h.marker.startswith("#"):
            level = len(h.marker)
        else:
            level = h.level
        candidates.append(_Candidate(h, nb, max(1, min(9, level))))
    return candidates


def extract_sections(doc: Document, layout: Layout) -> list[Section]:
    """The report's narrative headings as Sections, in document order."""
    candidates = _candidates(layout)
    dropped = _paragraph_items(doc, layout, candidates)
    kept = [c for k, c in enumerate(candidates) if k not in dropped]
    _levels(kept)

    sections: list[Section] = []
    for c in kept:
        heading = text_at(doc, c.heading.start, c.heading.end)
        if heading is None:
            continue
        kind = section_kind(c.heading.text, numbered=c.numbering is not None)
        sections.append(Section(heading=heading, level=c.level, kind=kind))
    return sections
