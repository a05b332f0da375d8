"""The rules backend: deterministic extraction from the layout and the text, no model.

Each part of the Report has its own reader; this module only puts them together, in the
order data flows (tables → scorecards and funds, then document meta, budget tables that are
not scorecards, prose facts, sections).  Scorecards are read twice, from the layout's grids
and by the form reader from the document's pieces, and the two readings are merged
(:mod:`pipeline.extract.forms.merge`), so a form reads whatever its shape.
"""

from __future__ import annotations

from pipeline.document import Document
from pipeline.extract.budget_tables import dated_measure, extract_budget_tables
from pipeline.extract.facts import extract_facts
from pipeline.extract.forms import read_forms, recognized_forms
from pipeline.extract.forms.merge import merge_cards
from pipeline.extract.meta import extract_meta, extract_personnel
from pipeline.extract.scorecards import extract_scorecards
from pipeline.extract.sections import extract_sections
from pipeline.layout.model import Layout
from pipeline.schema import (
    Fact,
    Personnel,
    Provenance,
    Report,
    Scorecard,
    SourceInfo,
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
    for line in department_funds:
        line.measure = dated_measure(line.column or "", line.measure, year)
    department_funds += extract_budget_tables(doc, layout, used_tables, year)
    facts = _outside(extract_facts(doc, layout), cards)
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


def _outside(facts: list[Fact], cards: list[Scorecard]) -> list[Fact]:
    """The prose figures that do not lie inside a scorecard: a table the layout did not see
    as one (indented or flattened rows) reads as text to the facts reader, but its cells,
    already read by the form reader, are not statements of the prose."""
    extents = []
    for card in cards:
        spans = [v.span for _, v in iter_grounded(card) if v.span is not None]
        if spans:
            extents.append((min(s.start for s in spans), max(s.end for s in spans)))
    return [
        f
        for f in facts
        if f.quantity.span is None
        or not any(a <= f.quantity.span.start and f.quantity.span.end <= b for a, b in extents)
    ]


def _fill(first: Personnel, second: Personnel) -> Personnel:
    """The grid's personnel figures, and the form reader's where the grid found none."""
    return Personnel(
        **{name: getattr(first, name) or getattr(second, name) for name in type(first).model_fields}
    )
