"""The rules backend: deterministic extraction from the layout and the text, no model.

Each part of the Report has its own reader; this module only puts them together, in the
order data flows (tables → scorecards and funds, then document meta, budget tables that are
not scorecards, prose facts, sections).  Scorecards are read twice, from the layout's grids
and by the form reader from the document's pieces, and the two readings are merged
(:mod:`pipeline.extract.forms.merge`), so a form reads whatever its shape.
"""

from __future__ import annotations

from bisect import bisect_right

from pipeline.document import Document
from pipeline.extract.budget_tables import dated_measure, extract_budget_tables
from pipeline.extract.facts import extract_facts
from pipeline.extract.forms import read_forms, recognized_forms
from pipeline.extract.forms.merge import merge_cards
from pipeline.extract.forms.values import rate_agrees
from pipeline.extract.meta import extract_meta, extract_personnel
from pipeline.extract.scorecards import extract_scorecards
from pipeline.extract.sections import extract_sections
from pipeline.layout.model import Layout
from pipeline.schema import (
    Fact,
    FundsLine,
    Personnel,
    Provenance,
    Report,
    Scorecard,
    SourceInfo,
    Span,
    iter_grounded,
)

BACKEND = "rules"


def extract_rules(doc: Document, layout: Layout) -> Report:
    grid_cards, department_funds, used_tables = extract_scorecards(doc, layout)
    reading = read_forms(doc)
    merged = merge_cards(grid_cards, reading.scorecards)
    cards = [m.card for m in merged]
    meta = extract_meta(doc, layout, cards)
    year = int(meta.fiscal_year.value) if meta.fiscal_year and meta.fiscal_year.value else None
    department_funds += extract_budget_tables(doc, layout, used_tables, year)
    department_funds += _not_read(reading.funds, department_funds)
    for line in department_funds:
        line.measure = dated_measure(line.column or "", line.measure, year)
    facts = _outside(extract_facts(doc, layout), cards, reading.funds)
    return Report(
        doc_id=doc.doc_id,
        source=SourceInfo(
            path=doc.path, sha256=doc.sha256, format=doc.format, encoding=doc.encoding
        ),
        meta=meta,
        personnel=_fill(extract_personnel(doc, layout), reading.personnel),
        scorecards=cards,
        funds=department_funds,
        facts=facts,
        sections=extract_sections(doc, layout),
        forms=recognized_forms(merged, department_funds, facts),
        provenance=Provenance(backend=BACKEND),
    )


def _outside(facts: list[Fact], cards: list[Scorecard], tables: list[FundsLine]) -> list[Fact]:
    """The prose figures that do not lie inside a scorecard or a department table the form
    reader read: a table the layout did not see as one (indented or flattened rows) reads as
    text to the facts reader, but its cells are not statements of the prose."""
    groups: list[list[Span]] = [
        [v.span for _, v in iter_grounded(card) if v.span is not None] for card in cards
    ]
    by_table: dict[str | None, list[Span]] = {}
    for line in tables:
        if line.amount.span is not None:
            by_table.setdefault(line.table, []).append(line.amount.span)
    groups += by_table.values()
    extents = [(min(s.start for s in g), max(s.end for s in g)) for g in groups if g]
    return [
        f
        for f in facts
        if f.quantity.span is None
        or not any(a <= f.quantity.span.start and f.quantity.span.end <= b for a, b in extents)
    ]


def _not_read(lines: list[FundsLine], read: list[FundsLine]) -> list[FundsLine]:
    """The form reader's department funds figures that no grid reading holds (a table the
    layout did not see as one: flattened, one cell per line, OCR)."""
    spans = sorted((f.amount.span.start, f.amount.span.end) for f in read if f.amount.span)
    starts = [a for a, _ in spans]
    out = []
    for line in lines:
        span = line.amount.span
        if span is None:
            continue
        k = bisect_right(starts, span.start)
        near = spans[max(0, k - 1) : k + 1]
        if not any(a < span.end and span.start < b for a, b in near):
            out.append(line)
    return out


def _fill(first: Personnel, second: Personnel) -> Personnel:
    """The grid's personnel figures, and the form reader's where the grid found none; the
    form reader's all three when only its reading agrees with itself (实有人数 ÷ 编制数 is
    the stated 控制率): a grid whose cells came through as one row pairs a header with the
    next header's figure."""
    if _consistent(second) and not _consistent(first):
        return second
    return Personnel(
        **{name: getattr(first, name) or getattr(second, name) for name in type(first).model_fields}
    )


def _consistent(p: Personnel) -> bool:
    quota, head, rate = p.staffing_quota, p.headcount, p.control_rate
    if quota is None or head is None or rate is None:
        return False
    if quota.value is None or head.value is None or rate.value is None:
        return False
    return rate_agrees(head.value, quota.value, rate.value)
