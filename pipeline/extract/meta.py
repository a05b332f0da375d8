"""Document-level facts: unit name, fiscal year, report date, report kind, personnel.

Each is read from labelled fields first (单位名称：…, 填报日期：…, a 编制数 column) and from
the title or prose only when no field states it.
"""

from __future__ import annotations

import re

from pipeline.document import Document
from pipeline.extract.grounding import number_at, text_at
from pipeline.extract.numbers import to_decimal
from pipeline.layout.model import Layout
from pipeline.schema import Meta, Personnel, Quantity, ReportKind, Scorecard, ScorecardKind

_ORG = r"[\u4e00-\u9fa5（）()]{2,30}?(?:局|委员会|办公室|中心|厅|委)"
_UNIT_FIELD = re.compile(
    rf"(?:单位名称|部门名称|部门（单位）名称|填报单位|评价单位)\s*(?:（盖章）)?\s*[:：]?\s*({_ORG})"
)
_UNIT_TITLE = re.compile(rf"^\s*#*\s*({_ORG})(?:部门|\s*$|整体|\d{{4}})", re.M)
_YEAR = re.compile(r"(\d{4})\s*年度")
_YEAR_TITLE = re.compile(r"(\d{4})\s*年[^\n]{0,40}(?:自评|绩效)")
_DATE = r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
_DATE_FIELD = re.compile(rf"(?:填报日期|上报时间|填报时间|报告日期|评价时间)\s*[:：]?\s*({_DATE})")
_DATE_LINE = re.compile(rf"^\s*({_DATE})\s*$", re.M)


def extract_meta(doc: Document, layout: Layout, cards: list[Scorecard]) -> Meta:
    text = doc.normalized
    meta = Meta()
    candidates = []
    for m in _UNIT_FIELD.finditer(text):
        candidates.append((m.start(1), m.end(1)))
    for m in _UNIT_TITLE.finditer(text):
        candidates.append((m.start(1), m.end(1)))
    for t in layout.tables:  # a label cell followed by the unit's name (区级预算单位名称 | …局)
        for row in t.rows:
            for a, b in zip(row, row[1:], strict=False):
                if re.search(r"单位名称|部门名称", a.clean) and re.fullmatch(_ORG, b.clean):
                    candidates.append((b.start, b.end))
    if candidates:
        s, e = min(candidates)
        meta.unit_name = text_at(doc, s, e)
    m = _YEAR.search(text) or _YEAR_TITLE.search(text)
    if m:
        meta.fiscal_year = number_at(doc, m.start(1), m.end(1), to_decimal(m.group(1)))
    m = _DATE_FIELD.search(text) or _DATE_LINE.search(text)
    if m:
        meta.report_date = text_at(doc, m.start(1), m.end(1))
    kinds = {c.kind for c in cards}
    department = "部门整体" in text or "整体支出" in text or ScorecardKind.department in kinds
    if department and ScorecardKind.project in kinds:
        meta.report_kind = ReportKind.mixed
    elif department:
        meta.report_kind = ReportKind.department
    elif kinds:
        meta.report_kind = ReportKind.project
    return meta


_QUOTA_HEAD = re.compile(r"编制数|人员编制|编制人数")
_HEAD_HEAD = re.compile(r"实有人数|实际在职人数|在职人数")
_RATE_HEAD = re.compile(r"控制率")
_QUOTA_PROSE = re.compile(r"编制(?:人数|数)?\s*(?:为)?\s*(\d+)\s*(?:人|个|名)")
_HEAD_PROSE = re.compile(
    r"(?:实有|在职|实际在职)(?:在职)?(?:人员|人数|职工)?\s*(?:为)?\s*(\d+)\s*(?:人|名)"
)
_RATE_PROSE = re.compile(r"(?:人员|编制)控制率\s*(?:为|是)?\s*(\d+(?:\.\d+)?)\s*[%％]")


# (field, label pattern, unit, longest label): a longer cell is a sentence or an indicator
# name (指标4：“三公经费”控制率), not the label of a personnel figure.
_PERSONNEL_LABELS = (
    ("staffing_quota", _QUOTA_HEAD, "人", 16),
    ("headcount", _HEAD_HEAD, "人", 16),
    ("control_rate", _RATE_HEAD, "%", 6),
)


def extract_personnel(doc: Document, layout: Layout) -> Personnel:
    """编制数 / 实有人数 / 控制率 from the first table stating them (the value below or right
    of its label), else from the first sentence that does."""
    found: dict[str, Quantity] = {}
    for table in layout.tables:
        if table.width < 2:
            continue  # one cell per line: the line below is the next cell, not the one below
        rows = table.rows
        for r, row in enumerate(rows):
            for k, cell in enumerate(row):
                for key, head, unit, longest in _PERSONNEL_LABELS:
                    if key in found or not head.search(cell.clean) or len(cell.clean) > longest:
                        continue
                    below = rows[r + 1][k] if r + 1 < len(rows) and k < len(rows[r + 1]) else None
                    right = row[k + 1] if k + 1 < len(row) else None
                    for value_cell in (right, below):
                        q = _count(doc, value_cell, unit)
                        if q is not None:
                            found[key] = q
                            break
    text = doc.normalized
    for key, pattern, unit in (
        ("staffing_quota", _QUOTA_PROSE, "人"),
        ("headcount", _HEAD_PROSE, "人"),
        ("control_rate", _RATE_PROSE, "%"),
    ):
        if key not in found and (m := pattern.search(text)):
            found[key] = number_at(doc, m.start(1), m.end(1), to_decimal(m.group(1)), unit)
    return Personnel(**found)


def _count(doc: Document, cell, unit: str) -> Quantity | None:
    if cell is None:
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(%?)\s*", cell.text)
    if not m:
        return None
    return number_at(
        doc, cell.start + m.start(1), cell.start + m.end(1), to_decimal(m.group(1)), unit
    )
